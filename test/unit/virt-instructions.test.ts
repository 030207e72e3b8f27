// VMX and SVM instructions in the guest: tsvisor hides both extensions from
// it (CPUID says neither exists), so each raises #UD, as on a CPU without
// them, and RIP stays on the instruction (kernel/exits/faults.ts). So do
// the other instructions CPUID hides but the CPU would run, which the
// backends intercept: MONITOR/MWAIT, ENCLS, INVLPGA.
import { describe, expect, it } from "vitest";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { VMCS, VMCB } from "../sim/hal.js";
import { runGuest, R, powerOff } from "../sim/scripted-vmx.js";
import { runSvmGuest, X, powerOff as svmPowerOff } from "../sim/scripted-svm.js";

const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer).getBigUint64(off, true);

describe("VMX instructions in the guest", () => {
  it.each(["VMXON", "VMREAD", "INVEPT", "VMLAUNCH", "VMRESUME", "VMXOFF", "VMPTRST", "INVVPID"])("%s raises #UD (VMX is hidden from the guest)", (name) => {
    const { hal } = runGuest([{ reason: R[name], instructionLength: 4 }, powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x80000306n); // #UD, no error code
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
  });
});

// SDM Vol. 3D Appendix C: MWAIT 36, MONITOR 39, ENCLS 60.
describe("instructions CPUID hides, exiting under VMX", () => {
  it("the basic exit reasons are the manual's", () => {
    expect([R.MWAIT, R.MONITOR, R.ENCLS]).toEqual([36, 39, 60]);
  });

  it.each(["MWAIT", "MONITOR", "ENCLS"])("%s raises #UD, RIP on the instruction (MONITOR/MWAIT and SGX are hidden)", (name) => {
    const { hal } = runGuest([{ reason: R[name], instructionLength: 3 }, powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x80000306n);
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
  });
});

describe("SVM instructions in the guest", () => {
  it.each(["VMRUN", "VMLOAD", "VMSAVE", "STGI", "CLGI", "SKINIT", "INVLPGA"])("%s in the guest raises #UD (SVM is hidden from it)", (name) => {
    const { hal } = runSvmGuest(qemuTcgSvm, [{ code: X[name] }, svmPowerOff]);
    expect(u64(hal.vmruns[1].vmcb, VMCB.EVENTINJ)).toBe(0x80000306n);
    expect(u64(hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c00n);
  });
});

// APM Vol. 2 Appendix C: INVLPGA 0x7A, MONITOR 0x8A, MWAIT 0x8B, MWAIT_CONDITIONAL 0x8C.
describe("MONITOR and MWAIT under SVM", () => {
  it("the exit codes are the manual's", () => {
    expect([X.INVLPGA, X.MONITOR, X.MWAIT, X.MWAIT_CONDITIONAL]).toEqual([0x7an, 0x8an, 0x8bn, 0x8cn]);
  });

  it.each(["MONITOR", "MWAIT", "MWAIT_CONDITIONAL"])("%s raises #UD, RIP on the instruction (CPUID hides MONITOR)", (name) => {
    const { hal } = runSvmGuest(qemuTcgSvm, [{ code: X[name] }, svmPowerOff]);
    expect(u64(hal.vmruns[1].vmcb, VMCB.EVENTINJ)).toBe(0x80000306n);
    expect(u64(hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c00n);
  });
});
