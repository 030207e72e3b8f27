// A loader's initial state as each backend encodes it (kernel/vm/initial-
// state.ts → kernel/vmx/vmcs-guest-state.ts, kernel/svm/vmcb-state.ts), for
// the three starts `guest_mode=` selects, with the values the manuals give:
// segment access rights (SDM Vol. 3C Table 25-2; the VMCB packs the same
// bits, APM Vol. 2 §15.5.1), CR0/CR4/EFER, and the identity page tables a
// 64-bit start runs on (SDM Vol. 3A §5.5).
import { describe, expect, it } from "vitest";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { VMCS, VMCB } from "../sim/hal.js";
import { runGuest, powerOff } from "../sim/scripted-vmx.js";
import { runSvmGuest, svmPowerOff } from "../sim/scripted-svm.js";

const CS_AR = VMCS.GUEST_ES_AR_BYTES + 2;
const SS_AR = VMCS.GUEST_ES_AR_BYTES + 4;
const TR_AR = VMCS.GUEST_ES_AR_BYTES + 14;
const IA32E_MODE_GUEST = 1n << 9n; // VM-entry control (SDM Vol. 3C Table 25-15)

describe("VMX: the VMCS guest state of each start", () => {
  it("real mode: CS 0x9b at 0000:7c00, CR0 ET|NE (+ fixed bits, PE/PG lifted by unrestricted guest), no IA-32e", () => {
    const vmcs = runGuest([powerOff]).hal.entries[0].vmcs;
    expect(vmcs.get(CS_AR)).toBe(0x9bn);
    expect(vmcs.get(TR_AR)).toBe(0x8bn);
    expect(vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
    expect(vmcs.get(VMCS.GUEST_CR0)! & 0x80000031n).toBe(0x30n);
    expect(vmcs.get(VMCS.GUEST_IA32_EFER)).toBe(0n);
    expect(vmcs.get(VMCS.ENTRY_CONTROLS)! & IA32E_MODE_GUEST).toBe(0n);
  });

  it("guest_mode=protected32: CS 0xc09b (32-bit, 4 KiB granular), data 0xc093, 4 GiB limits, CR0.PE, ESP 0x7c00", () => {
    const r = runGuest([powerOff], undefined, undefined, "guest_mode=protected32");
    const vmcs = r.hal.entries[0].vmcs;
    expect(r.lines).toContain("VM: 16 MiB RAM at host 0x2200000, entry 0x7c00 (flat 32-bit protected mode, paging off)");
    expect(vmcs.get(CS_AR)).toBe(0xc09bn);
    expect(vmcs.get(SS_AR)).toBe(0xc093n);
    expect(vmcs.get(VMCS.GUEST_ES_LIMIT + 2)).toBe(0xffffffffn);
    expect(vmcs.get(VMCS.GUEST_CR0)! & 0x80000001n).toBe(1n);
    expect(vmcs.get(VMCS.GUEST_RSP)).toBe(0x7c00n);
    expect(vmcs.get(VMCS.ENTRY_CONTROLS)! & IA32E_MODE_GUEST).toBe(0n);
  });

  it("guest_mode=long64: CS 0xa09b (L=1), CR0.PG|PE, CR4.PAE (+VMXE underneath), EFER LME|LMA, IA-32e mode guest", () => {
    const r = runGuest([powerOff], undefined, undefined, "guest_mode=long64");
    const vmcs = r.hal.entries[0].vmcs;
    expect(r.lines).toContain("VM: 16 MiB RAM at host 0x2200000, entry 0x7c00 (64-bit long mode, guest RAM identity-mapped)");
    expect(vmcs.get(CS_AR)).toBe(0xa09bn);
    expect(vmcs.get(VMCS.GUEST_CR0)! & 0x80000001n).toBe(0x80000001n);
    expect(vmcs.get(VMCS.GUEST_CR4)! & ((1n << 5n) | (1n << 13n))).toBe((1n << 5n) | (1n << 13n));
    expect(vmcs.get(VMCS.CR4_READ_SHADOW)).toBe(1n << 5n); // the guest sees PAE, not VMXE
    expect(vmcs.get(VMCS.GUEST_IA32_EFER)).toBe(0x500n);
    expect(vmcs.get(VMCS.GUEST_CR3)).toBe(0x1000n);
    expect(vmcs.get(VMCS.ENTRY_CONTROLS)! & IA32E_MODE_GUEST).toBe(IA32E_MODE_GUEST);
  });

  it("guest_mode=long64: identity page tables at 0x1000 — PML4[0] → PDPT, PDPT[0] → PD, 2 MiB pages over guest RAM only", () => {
    let ram!: Uint8Array;
    runGuest([powerOff], undefined, (r) => { ram = r; }, "guest_mode=long64");
    const q = (gpa: number) => new DataView(ram.buffer).getBigUint64(gpa, true);
    expect(q(0x1000)).toBe(0x2000n | 3n);         // present, writable
    for (let i = 1; i < 512; i++) expect(q(0x1000 + i * 8)).toBe(0n);
    expect(q(0x2000)).toBe(0x3000n | 3n);
    expect(q(0x2008)).toBe(0n);
    for (let i = 0; i < 8; i++) expect(q(0x3000 + i * 8)).toBe(BigInt(i) * 0x200000n | 0x83n); // PS, writable, present
    expect(q(0x3000 + 8 * 8)).toBe(0n);             // 16 MiB of RAM: nothing past it
  });

  it("refuses an unknown guest_mode before entering the guest", () => {
    const r = runGuest([], undefined, undefined, "guest_mode=vm86");
    expect(r.lines).toContain("bad guest_mode: give real, protected32 or long64");
    expect(r.hal.entries).toEqual([]);
    expect(r.poweredOff).toBe("failure");
  });
});

describe("SVM: the VMCB state of each start", () => {
  const u16 = (b: Uint8Array, off: number) => new DataView(b.buffer).getUint16(off, true);
  const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer).getBigUint64(off, true);
  const CS_ATTRIB = VMCB.SEG_CS + VMCB.SEG_ATTRIB;

  it("real mode: CS attribute 0x09b, EFER = SVME only", () => {
    const vmcb = runSvmGuest(qemuTcgSvm, [svmPowerOff]).hal.vmruns[0].vmcb;
    expect(u16(vmcb, CS_ATTRIB)).toBe(0x9b);
    expect(u64(vmcb, VMCB.EFER)).toBe(1n << 12n);
  });

  it("guest_mode=protected32: CS attribute 0xc9b (D/B and G packed into bits 11:8), CR0.PE", () => {
    const vmcb = runSvmGuest(qemuTcgSvm, [svmPowerOff], [0xf4], "guest_mode=protected32").hal.vmruns[0].vmcb;
    expect(u16(vmcb, CS_ATTRIB)).toBe(0xc9b);
    expect(u64(vmcb, VMCB.CR0) & 0x80000001n).toBe(1n);
  });

  it("guest_mode=long64: CS attribute 0xa9b (L), CR0.PG|PE, CR4.PAE, EFER LME|LMA|SVME, CR3 0x1000", () => {
    const vmcb = runSvmGuest(qemuTcgSvm, [svmPowerOff], [0xf4], "guest_mode=long64").hal.vmruns[0].vmcb;
    expect(u16(vmcb, CS_ATTRIB)).toBe(0xa9b);
    expect(u64(vmcb, VMCB.CR0) & 0x80000001n).toBe(0x80000001n);
    expect(u64(vmcb, VMCB.CR4)).toBe(1n << 5n);
    expect(u64(vmcb, VMCB.EFER)).toBe(0x1500n);
    expect(u64(vmcb, VMCB.CR3)).toBe(0x1000n);
  });
});
