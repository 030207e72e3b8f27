// MOV to CR0 / CR4, CLTS and LMSW as the exit path carries them out
// (kernel/exits/cr-access.ts, the rules in kernel/vm/control-registers.ts):
// a #GP where the CPU raises one (Intel SDM Vol. 2B "MOV—Move to/from
// Control Registers"; AMD APM Vol. 2 §3.1.1, §3.1.3), the write loaded
// where it allows it. Under VMX the guest/host masks make only writes of
// CR0.NE and of CR4 bits the guest may not set exit (SDM Vol. 3C §25.6.6);
// under SVM every CR0 and CR4 write is intercepted and decoded from its
// bytes (kernel/svm/cr-decode.ts). The guests that check the same on the
// emulators: test/guests/hostile-cr.S, hostile-dr.S.
import { describe, expect, it } from "vitest";
import { VMCS, VMCB, SvmSimExit } from "../sim/hal.js";
import { runGuest, R, powerOff } from "../sim/scripted-vmx.js";
import { runSvmGuest, X, ioioOut8, longMode, protectedMode } from "../sim/scripted-svm.js";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { GuestPageTables } from "../sim/guest-paging.js";

const PE = 1n, TS = 1n << 3n, ET = 1n << 4n, NE = 1n << 5n, NW = 1n << 29n, CD = 1n << 30n, PG = 1n << 31n;
const PAE = 1n << 5n, PGE = 1n << 7n, LA57 = 1n << 12n, VMXE = 1n << 13n, PKE = 1n << 22n;
const LME = 1n << 8n, LMA = 1n << 10n, SVME = 1n << 12n;
const GP_REAL_MODE = 0x8000030dn; // #GP, hardware exception, valid; no error code in real mode
const IA32E_MODE_GUEST = 1n << 9n;

// VMX: a CR-access exit for MOV to CRn from RAX (qualification: CR number,
// access type 0, register 0; SDM Vol. 3C Table 28-3).
const movToCr = (cr: number, rax: bigint, fields = {}) =>
  ({ reason: R.CR, qualification: BigInt(cr), instructionLength: 3, regs: { rax }, fields });

describe("VMX: the CR0 and CR4 guest/host masks", () => {
  it("own CR0.NE and, in CR4, VMXE and every bit the guest's CPUID does not offer", () => {
    const at = runGuest([powerOff]).hal.entries[0].vmcs;
    expect(at.get(VMCS.CR0_GUEST_HOST_MASK)! & NE).toBe(NE);
    const cr4 = at.get(VMCS.CR4_GUEST_HOST_MASK)!;
    for (const bit of [VMXE, LA57, PKE, 1n << 15n, 1n << 32n]) expect(cr4 & bit).toBe(bit);
    for (const bit of [PAE, PGE]) expect(cr4 & bit).toBe(0n); // offered: the guest's own
    // The real-mode start: the guest reads its CR0 (ET, NE) through the shadow; NE is set underneath.
    expect(at.get(VMCS.CR0_READ_SHADOW)).toBe(ET | NE);
    expect(at.get(VMCS.GUEST_CR0)! & NE).toBe(NE);
  });

  it("DR7 and IA32_DEBUGCTL start at their reset values, loaded by the entry (load debug controls)", () => {
    const at = runGuest([powerOff]).hal.entries[0].vmcs;
    expect(at.get(VMCS.GUEST_DR7)).toBe(0x400n);
    expect(at.get(VMCS.GUEST_IA32_DEBUGCTL)).toBe(0n);
    expect(at.get(VMCS.ENTRY_CONTROLS)! & 4n).toBe(4n);
    expect(at.get(VMCS.EXIT_CONTROLS)! & 4n).toBe(4n);
  });
});

describe("VMX: MOV to CR0 and CR4 that exit", () => {
  it("clearing CR0.NE is loaded into the read shadow, NE stays set underneath, RIP moves on", () => {
    const { hal } = runGuest([movToCr(0, ET), powerOff]);
    const at = hal.entries[1].vmcs;
    expect(at.get(VMCS.CR0_READ_SHADOW)).toBe(ET);
    expect(at.get(VMCS.GUEST_CR0)! & NE).toBe(NE);
    expect(at.get(VMCS.GUEST_RIP)).toBe(0x7c03n);
    expect(at.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBeUndefined();
  });

  it.each([
    ["NW set with CD clear", ET | NW],
    ["PG set with PE clear", ET | PG],
    ["a bit of 63:32 set", ET | (1n << 32n)],
  ])("CR0 with %s raises #GP and leaves CR0 as it was", (_n, value) => {
    const { hal } = runGuest([movToCr(0, value), powerOff]);
    const at = hal.entries[1].vmcs;
    expect(at.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(GP_REAL_MODE);
    expect(at.get(VMCS.CR0_READ_SHADOW)).toBe(ET | NE);
    expect(at.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
  });

  it("CR0.PG with EFER.LME and CR4.PAE activates long mode: EFER.LMA and the IA-32e mode guest entry control", () => {
    const fields = { [VMCS.GUEST_IA32_EFER]: LME, [VMCS.GUEST_CR4]: PAE | VMXE, [VMCS.CR4_READ_SHADOW]: PAE };
    const { hal } = runGuest([movToCr(0, PG | PE | ET, fields), powerOff]);
    const at = hal.entries[1].vmcs;
    expect(at.get(VMCS.GUEST_IA32_EFER)).toBe(LME | LMA);
    expect(at.get(VMCS.ENTRY_CONTROLS)! & IA32E_MODE_GUEST).toBe(IA32E_MODE_GUEST);
    expect(at.get(VMCS.CR0_READ_SHADOW)).toBe(PG | PE | ET);
  });

  it("CR0.PG with EFER.LME but CR4.PAE clear raises #GP", () => {
    const { hal } = runGuest([movToCr(0, PG | PE | ET, { [VMCS.GUEST_IA32_EFER]: LME }), powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(GP_REAL_MODE);
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_IA32_EFER)).toBe(LME);
  });

  it.each([["LA57", LA57], ["PKE", PKE], ["bit 15", 1n << 15n], ["bit 32", 1n << 32n]])(
    "CR4 with %s (not offered) raises #GP", (_n, bit) => {
      const { hal } = runGuest([movToCr(4, bit), powerOff]);
      expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(GP_REAL_MODE);
      expect(hal.entries[1].vmcs.get(VMCS.CR4_READ_SHADOW)).toBe(0n);
    });
});

// A MOV to CR0 or CR4 that leaves PAE paging on and changes PG, CD, NW,
// PAE, PGE, PSE or SMEP loads the four PDPTEs from CR3; a present one with
// a reserved bit set (2:1, 8:5, above MAXPHYADDR) is #GP(0) (SDM Vol. 3A
// §4.4.1). Under VMX the entry would refuse it instead (Vol. 3C §27.3.1.6),
// as the exit fuzzer found (test/unit/exit-fuzz.test.ts).
describe("PAE paging turned on by an emulated write checks the PDPTEs", () => {
  const PSE = 1n << 4n;
  const GP_PROTECTED = 0x80000b0dn; // #GP, hardware exception, error code 0
  const pdptAt = (entry0: bigint) => (ram: Uint8Array) => new DataView(ram.buffer).setBigUint64(0x5000, entry0, true);
  const paePrepared = {
    [VMCS.GUEST_CR0]: PE | ET | NE, [VMCS.CR0_READ_SHADOW]: PE | ET | NE, [VMCS.GUEST_CR4]: PAE | VMXE,
    [VMCS.CR4_READ_SHADOW]: PAE, [VMCS.GUEST_CR3]: 0x5000n, [VMCS.GUEST_ES_AR_BYTES + 2]: 0xc09bn,
  };

  it("VMX: CR0.PG (clearing NE, so the write exits) over a PDPTE with reserved bits raises #GP", () => {
    const { hal } = runGuest([movToCr(0, PG | PE | ET, paePrepared), powerOff], undefined, pdptAt(0x83n));
    const at = hal.entries[1].vmcs;
    expect(at.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(GP_PROTECTED);
    expect(at.get(VMCS.CR0_READ_SHADOW)).toBe(PE | ET | NE);
  });

  it("VMX: ... over valid PDPTEs is loaded, with the PDPTEs in the VMCS", () => {
    const { hal } = runGuest([movToCr(0, PG | PE | ET, paePrepared), powerOff], undefined, pdptAt(0x6001n));
    const at = hal.entries[1].vmcs;
    expect(at.get(VMCS.VM_ENTRY_INTR_INFO_FIELD) ?? 0n).toBe(0n);
    expect(at.get(VMCS.CR0_READ_SHADOW)).toBe(PG | PE | ET);
    expect(at.get(VMCS.GUEST_PDPTE0)).toBe(0x6001n);
  });

  it("SVM: MOV CR4 setting PAE under 32-bit paging, over a 32-bit page directory, raises #GP", () => {
    const save = { ...protectedMode(), [VMCB.CR0]: PG | PE | ET, [VMCB.CR4]: PSE, [VMCB.CR3]: 0x5000n };
    const r = runSvmGuest(qemuTcgSvm, [{ code: X.CR4_WRITE, rax: PAE | PSE, save }, stopAt(0x7c00n)], MOV_CR4_RAX, "", pdptAt(0x83n));
    const vmcb = r.hal.vmruns[1].vmcb;
    expect(u64(vmcb, VMCB.EVENTINJ)).toBe(GP_PROTECTED);
    expect(u64(vmcb, VMCB.CR4)).toBe(PSE);
  });
});

// SVM: the VMCB as the next VMRUN found it.
const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);
const u16 = (b: Uint8Array, off: number) => new DataView(b.buffer, b.byteOffset).getUint16(off, true);
const stopAt = (rip: bigint): SvmSimExit => ({ code: X.IOIO, info1: ioioOut8(0xf4), info2: rip + 2n, rax: 0n });
const MOV_CR0_RAX = [0x0f, 0x22, 0xc0];
const MOV_CR4_RAX = [0x0f, 0x22, 0xe0];

function svm(code: bigint, bytes: number[], rax: bigint, save: Record<number, bigint> = {}) {
  const r = runSvmGuest(qemuTcgSvm, [{ code, rax, save }, stopAt(0x7c00n + BigInt(bytes.length))], bytes);
  expect(r.hal.vmruns.length, r.lines.join("\n")).toBeGreaterThanOrEqual(2);
  return r.hal.vmruns[1].vmcb;
}

describe("SVM: CR0 and CR4 writes, intercepted and decoded", () => {
  it("intercepts every write of CR0 and CR4, no read", () => {
    const v = runSvmGuest(qemuTcgSvm, [stopAt(0x7c00n)]).hal.vmruns[0].vmcb;
    expect(u16(v, VMCB.INTERCEPT_CR_WRITE)).toBe(0x11);
    expect(u16(v, VMCB.INTERCEPT_CR_READ)).toBe(0);
  });

  it("MOV CR0 clearing NE is loaded, RIP past its 3 bytes", () => {
    const v = svm(X.CR0_WRITE, MOV_CR0_RAX, ET);
    expect(u64(v, VMCB.CR0)).toBe(ET);
    expect(u64(v, VMCB.RIP)).toBe(0x7c03n);
    expect(u64(v, VMCB.EVENTINJ)).toBe(0n);
  });

  it.each([["NW set with CD clear", ET | NW], ["PG set with PE clear", ET | PG], ["a bit of 63:32", 1n << 40n]])(
    "MOV CR0 with %s raises #GP (VMRUN would refuse such a CR0)", (_n, value) => {
      const v = svm(X.CR0_WRITE, MOV_CR0_RAX, value);
      expect(u64(v, VMCB.EVENTINJ)).toBe(GP_REAL_MODE);
      expect(u64(v, VMCB.CR0)).toBe(ET | NE);
      expect(u64(v, VMCB.RIP)).toBe(0x7c00n);
    });

  it("CD and NW both set are allowed", () => {
    expect(u64(svm(X.CR0_WRITE, MOV_CR0_RAX, ET | NE | CD | NW), VMCB.CR0)).toBe(ET | NE | CD | NW);
  });

  it("CLTS clears TS; LMSW AX loads PE and cannot clear it", () => {
    expect(u64(svm(X.CR0_WRITE, [0x0f, 0x06], ET | NE | TS, { [VMCB.CR0]: ET | NE | TS }), VMCB.CR0)).toBe(ET | NE);
    expect(u64(svm(X.CR0_WRITE, [0x0f, 0x01, 0xf0], 1n), VMCB.CR0)).toBe(ET | NE | PE);
    expect(u64(svm(X.CR0_WRITE, [0x0f, 0x01, 0xf0], 0n, { [VMCB.CR0]: ET | NE | PE }), VMCB.CR0)).toBe(ET | NE | PE);
  });

  it("CR0.PG with EFER.LME and CR4.PAE sets EFER.LMA and flushes the TLB", () => {
    const v = svm(X.CR0_WRITE, MOV_CR0_RAX, PG | PE | ET | NE, { [VMCB.EFER]: LME | SVME, [VMCB.CR4]: PAE });
    expect(u64(v, VMCB.EFER)).toBe(LME | LMA | SVME);
    expect(u64(v, VMCB.CR0)).toBe(PG | PE | ET | NE);
    expect(v[VMCB.TLB_CONTROL]).toBe(1);
  });

  it("MOV CR4 setting PGE is loaded and flushes the TLB; LA57 or PKE raise #GP", () => {
    const v = svm(X.CR4_WRITE, MOV_CR4_RAX, PGE);
    expect(u64(v, VMCB.CR4)).toBe(PGE);
    expect(v[VMCB.TLB_CONTROL]).toBe(1);
    for (const bit of [LA57, PKE, VMXE]) {
      const w = svm(X.CR4_WRITE, MOV_CR4_RAX, bit);
      expect(u64(w, VMCB.EVENTINJ)).toBe(GP_REAL_MODE);
      expect(u64(w, VMCB.CR4)).toBe(0n);
    }
  });

  it("in 64-bit mode: MOV CR4, R8 (REX.B) clearing PAE raises #GP with an error code 0", () => {
    // One 1 GiB page identity-maps the first GiB, so the core can fetch the bytes at RIP.
    const cr3 = 0x100000n;
    const paging = (ram: Uint8Array) => new GuestPageTables(ram, Number(cr3)).map(0n, 0n, "1G");
    const r = runSvmGuest(qemuTcgSvm, [{ code: X.CR4_WRITE, regs: { r8: 0n }, save: longMode(cr3) }, stopAt(0x7c04n)],
      [0x41, 0x0f, 0x22, 0xe0], "", paging);
    const v = r.hal.vmruns[1].vmcb;
    expect(u64(v, VMCB.EVENTINJ)).toBe(0x80000b0dn); // error code 0, EV set
    expect(u64(v, VMCB.CR4)).toBe(PAE);
  });
});
