// VMX and SVM instructions in the guest: tsvisor hides both extensions from
// it (CPUID says neither exists), so each raises #UD, as on a CPU without
// them, and RIP stays on the instruction (kernel/exits/faults.ts).
import { describe, expect, it } from "vitest";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { VMCS, VMCB } from "../sim/hal.js";
import { runGuest, R, powerOff } from "../sim/scripted-vmx.js";
import { runSvmGuest, X, powerOff as svmPowerOff } from "../sim/scripted-svm.js";

const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer).getBigUint64(off, true);

describe("VMX instructions in the guest", () => {
  it.each(["VMXON", "VMREAD", "INVEPT"])("%s raises #UD (VMX is hidden from the guest)", (name) => {
    const { hal } = runGuest([{ reason: R[name], instructionLength: 4 }, powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x80000306n); // #UD, no error code
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
  });
});

describe("SVM instructions in the guest", () => {
  it.each(["VMRUN", "VMLOAD", "CLGI"])("%s in the guest raises #UD (SVM is hidden from it)", (name) => {
    const { hal } = runSvmGuest(qemuTcgSvm, [{ code: X[name] }, svmPowerOff]);
    expect(u64(hal.vmruns[1].vmcb, VMCB.EVENTINJ)).toBe(0x80000306n);
    expect(u64(hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c00n);
  });
});
