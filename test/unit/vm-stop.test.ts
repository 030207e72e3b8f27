// How a VM stops and what the hypervisor says (kernel/vm/stop-report.ts,
// kernel/vm/stats.ts): bad guest-physical accesses, triple faults, entries
// the CPU refuses, on both backends; and the table of exits by kind.
import { describe, expect, it } from "vitest";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { SimExit, VMCS } from "../sim/hal.js";
import { runGuest, R, powerOff } from "../sim/scripted-vmx.js";
import { runSvmGuest, X } from "../sim/scripted-svm.js";

describe("stops under VMX", () => {
  it("an EPT violation outside RAM stops the VM with the guest-physical address", () => {
    const r = runGuest([{ reason: R.EPT_VIOLATION, gpa: 0x40000000n }]);
    expect(r.lines).toContain("VM stopped: guest-physical access at 0x40000000 outside guest RAM (0x1000000 bytes), claimed by no device");
    expect(r.lines).toContain("the hypervisor is still running");
    expect(r.poweredOff).toBe("failure");
  });

  it("a triple fault stops the VM with the registers", () => {
    const r = runGuest([{ reason: R.TRIPLE_FAULT, regs: { rax: 0xdeadn } }]);
    expect(r.lines).toContain("VM stopped: triple fault (the guest shut down after a fault it could not handle)");
    expect(r.lines).toContainEqual(expect.stringContaining("rax=0x000000000000dead"));
  });

  it.each([
    [2n, "the guest halted with interrupts disabled (nothing can wake it) at rip 0x7c01"],
    [0x202n, "the guest halted with interrupts enabled, and no interrupt source is armed to wake it at rip 0x7c01"],
  ])("HLT (RFLAGS 0x%s) stops the VM past the instruction: nothing can wake it yet", (rflags, why) => {
    const r = runGuest([{ reason: R.HLT, instructionLength: 1, fields: { [VMCS.GUEST_RFLAGS]: rflags } }]);
    expect(r.lines).toContain(`VM stopped: ${why}`);
    expect(r.lines).toContain("the hypervisor is still running");
    expect(r.poweredOff).toBe("failure");
  });

  it("a refused VM entry is reported in words", () => {
    const r = runGuest([{ reason: 0, entryStatus: 2 }]);
    expect(r.lines).toContain("VMX: VMLAUNCH failed: VM entry with invalid control field(s) (VM-instruction error 7)");
    expect(r.lines).toContain("VM stopped: the CPU refused to enter the guest (see above)");
  });
});

describe("stops under SVM", () => {
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

describe("an instruction of unknown length", () => {
  it("stops the VM with a report instead of resuming at the same RIP forever", () => {
    const r = runGuest([{ reason: R.CPUID, instructionLength: 0, regs: { rax: 0n, rcx: 0n } }]);
    expect(r.lines).toContain(
      "VM stopped: the length of the exiting instruction is unknown (no NRIP save, bytes not decoded; backend reason 10): stopped rather than re-run it forever");
    expect(r.lines).toContain("the hypervisor is still running");
    expect(r.hal.entries.length).toBe(1);
  });
});

describe("the exit table", () => {
  it("the exit table counts each kind, with total and mean ticks", () => {
    const cpuid: SimExit = { reason: R.CPUID, instructionLength: 2, regs: { rax: 0n, rcx: 0n } };
    const r = runGuest([cpuid, cpuid, cpuid, powerOff]);
    const row = r.lines.find((l) => l.startsWith("  CPUID "))!.trim().split(/\s+/);
    expect(row[1]).toBe("3");
    expect(Number(row[3])).toBe(Math.floor(Number(row[2]) / 3));
    expect(r.lines.find((l) => l.startsWith("  total "))!.trim().split(/\s+/)[1]).toBe("4");
  });
});
