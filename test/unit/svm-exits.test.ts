// The SVM backend driven through a simulated VMRUN: each run writes the next
// scripted #VMEXIT into the VMCB (which lives in the core's linear memory),
// and the VMCB the core prepares for the following run is checked. Covers
// CPUs with NRIP save (EPYC) and without (QEMU's TCG).
import { describe, expect, it } from "vitest";
import { LINEAR_BASE } from "../sim/core.js";
import { epycRome, qemuTcgSvm } from "../sim/cpu-profiles.js";
import { SvmSimExit, VMCB } from "../sim/hal.js";
import { runSvmGuest, X, ioioOut8, powerOff, GUEST_RAM_HOST } from "../sim/scripted-svm.js";

const u32 = (b: Uint8Array, off: number) => new DataView(b.buffer).getUint32(off, true);
const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer).getBigUint64(off, true);

describe("VMCB set-up", () => {
  it("intercepts what the VMX backend traps, every port, MSRs by the policy, with NPT, ASID 1 and EFER.SVME", () => {
    const { hal, lines } = runSvmGuest(qemuTcgSvm, [powerOff]);
    const vmcb = hal.vmruns[0].vmcb;
    const bits = (...names: string[]) => names.reduce((m, n) => (m | VMCB[n]) >>> 0, 0);
    expect(u32(vmcb, VMCB.INTERCEPT_MISC1)).toBe(bits("MISC1_INTR", "MISC1_NMI", "MISC1_CPUID", "MISC1_INVD", "MISC1_HLT",
      "MISC1_IOIO_PROT", "MISC1_MSR_PROT", "MISC1_SHUTDOWN"));
    expect(u32(vmcb, VMCB.INTERCEPT_MISC2)).toBe(bits("MISC2_VMRUN", "MISC2_VMMCALL", "MISC2_VMLOAD", "MISC2_VMSAVE",
      "MISC2_STGI", "MISC2_CLGI", "MISC2_SKINIT", "MISC2_WBINVD", "MISC2_XSETBV"));
    expect(u32(vmcb, VMCB.GUEST_ASID)).toBe(1);
    expect(u64(vmcb, VMCB.NP_ENABLE)).toBe(1n);
    expect(u64(vmcb, VMCB.EFER) & (1n << 12n)).toBe(1n << 12n);
    expect(u64(vmcb, VMCB.RIP)).toBe(0x7c00n);
    const mem = new Uint8Array(hal.memory!.buffer);
    const iopm = Number(u64(vmcb, VMCB.IOPM_BASE_PA) - LINEAR_BASE);
    expect(mem.subarray(iopm, iopm + 12288).every((b) => b === 0xff)).toBe(true);
    // The MSR permission map follows kernel/vm/msr-policy.ts: msr-policy.test.ts.
    expect(u64(vmcb, VMCB.MSRPM_BASE_PA) & 0xfffn).toBe(0n);
    expect(lines).toContain("SVM: on (EFER.SVME set, host save area in VM_HSAVE_PA)");
    expect(hal.msrs.get(0xc0010117)).not.toBe(0n);
  });

  it("builds NPT in the long-mode format: U/S on every level, 2 MiB leaves, nothing but guest RAM", () => {
    const { hal } = runSvmGuest(qemuTcgSvm, [powerOff]);
    const ncr3 = u64(hal.vmruns[0].vmcb, VMCB.N_CR3);
    const mem = new DataView(hal.memory!.buffer);
    const entry = (phys: bigint, i: number) => mem.getBigUint64(Number(phys - LINEAR_BASE) + i * 8, true);
    expect(entry(ncr3, 0) & 0xfffn).toBe(7n); // P, RW, US
    const pdpt = entry(ncr3, 0) & ~0xfffn;
    const pd = entry(pdpt, 0) & ~0xfffn;
    for (let i = 0; i < 8; i++) expect(entry(pd, i)).toBe((GUEST_RAM_HOST + BigInt(i) * 0x200000n) | 0x87n);
    expect(entry(pd, 8)).toBe(0n);
    expect(entry(ncr3, 1)).toBe(0n);
  });
});

describe("instruction lengths", () => {
  const cpuidExit: SvmSimExit = { code: X.CPUID, rax: 0x40000000n, regs: { rcx: 0n } };

  it.each([
    ["plain CPUID", [0x0f, 0xa2], 2],
    ["CPUID with operand-size and segment prefixes", [0x2e, 0x66, 0x0f, 0xa2], 4],
    ["bytes that are not CPUID: the shortest form", [0x90, 0x90, 0x90], 2],
  ])("without NRIP save, decoded from guest memory: %s", (_n, bytes, len) => {
    const { hal } = runSvmGuest(qemuTcgSvm, [cpuidExit, powerOff], bytes as number[]);
    expect(u64(hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c00n + BigInt(len as number));
    expect(hal.vmruns[1].regs.rax).toBe(0x40000001n);
  });

  it("with NRIP save, the CPU's next RIP is used whatever the bytes", () => {
    const { hal } = runSvmGuest(epycRome, [{ ...cpuidExit, nrip: 0x7c05n }, powerOff], [0x0f, 0xa2]);
    expect(u64(hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c05n);
  });

  it("IOIO takes the next RIP from EXITINFO2 even without NRIP save", () => {
    const out = (c: number): SvmSimExit => ({ code: X.IOIO, info1: ioioOut8(0x3f8), info2: 0x7c01n, rax: BigInt(c) });
    const r = runSvmGuest(qemuTcgSvm, [out(0x6f), out(0x6b), out(0x0a), powerOff]);
    expect(r.serial).toContain("\nguest: ok\n");
    expect(u64(r.hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c01n);
  });
});

describe("exits", () => {
  it("RDMSR of an unknown MSR injects #GP through EVENTINJ (no error code in real mode)", () => {
    const { hal } = runSvmGuest(qemuTcgSvm, [{ code: X.MSR, info1: 0n, regs: { rcx: 0xc0den } }, powerOff], [0x0f, 0x32]);
    expect(u64(hal.vmruns[1].vmcb, VMCB.EVENTINJ)).toBe(0x8000030dn);
    expect(u64(hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c00n);
  });

  it("RDMSR of EFER hides SVME from the guest", () => {
    const { hal } = runSvmGuest(qemuTcgSvm, [{ code: X.MSR, info1: 0n, regs: { rcx: 0xc0000080n } }, powerOff], [0x0f, 0x32]);
    expect(hal.vmruns[1].regs.rax).toBe(0n);
  });

  it("VMMCALL POWER_OFF ends the run with the guest's status", () => {
    const r = runSvmGuest(qemuTcgSvm, [{ code: X.VMMCALL, rax: 2n, regs: { rbx: 0n } }], [0x0f, 0x01, 0xd9]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(r.poweredOff).toBe("success");
  });

  it.each(["VMRUN", "VMLOAD", "CLGI"])("%s in the guest raises #UD (SVM is hidden from it)", (name) => {
    const { hal } = runSvmGuest(qemuTcgSvm, [{ code: X[name] }, powerOff]);
    expect(u64(hal.vmruns[1].vmcb, VMCB.EVENTINJ)).toBe(0x80000306n);
  });

  it("a nested page fault outside RAM stops the VM with EXITINFO2's address", () => {
    const r = runSvmGuest(qemuTcgSvm, [{ code: X.NPF, info1: 6n, info2: 0x40000000n }]);
    expect(r.lines).toContain("VM stopped: guest-physical access at 0x40000000 outside guest RAM (0x1000000 bytes), claimed by no device");
  });

  it("SHUTDOWN is a triple fault", () => {
    const r = runSvmGuest(qemuTcgSvm, [{ code: X.SHUTDOWN }]);
    expect(r.lines).toContain("VM stopped: triple fault (the guest shut down after a fault it could not handle)");
  });

  it.each([0xffffffffffffffffn, 0xffffffffn])("VMEXIT_INVALID (%s) is a refused entry, in words", (code) => {
    const r = runSvmGuest(qemuTcgSvm, [{ code }]);
    expect(r.lines).toContainEqual(expect.stringMatching(/^SVM: VMRUN refused the guest state \(VMEXIT_INVALID/));
    expect(r.lines).toContain("VM stopped: the CPU refused to enter the guest (see above)");
  });
});
