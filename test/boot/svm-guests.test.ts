// The same test guests under AMD-V with nested paging on QEMU's TCG
// (-cpu qemu64,+svm,+npt: no NRIP save, so instruction lengths are decoded),
// from the same exit layer as on VMX.
import { describe, expect, it } from "vitest";
import { bootOn } from "./boot-helpers.js";
import { PASSING_GUESTS } from "./cmdlines.js";
import { CHECKS, exitRow, injectedRow, UART_ECHO_LINES, UART_ECHO_TYPING } from "./guest-checks.js";

// cr4-xsetbv needs XSAVE in the host, which tsvisor leaves off under TCG
// (kernel/platform/xsave.ts), and plain qemu64 has none: it runs on VMX only.
const SVM_PASSING = PASSING_GUESTS.filter((g) => g !== "cr4-xsetbv");

describe("SVM test guests on QEMU TCG (qemu64,+svm,+npt)", () => {
  it.each(SVM_PASSING)("%s: every check passes and the VM powers off with status 0", async (guest) => {
    const r = await bootOn("qemu", { guest: `test:${guest}` });
    expect(r.lines).toContain("SVM: on (EFER.SVME set, host save area in VM_HSAVE_PA)");
    expect(r.lines).toContainEqual(expect.stringMatching(/^SVM: nested CR3 0x[0-9a-f]+, ASID 1, NRIP save no /));
    expect(r.guestLines).toEqual([...CHECKS[guest], "verdict: PASS"]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(exitRow(r.lines, "port I/O")![0]).toBeGreaterThan(0);
    expect(r.verdict).toBe("success");
  });

  it("uart-echo: a line typed into COM1 reaches the guest's UART and comes back, by IRQ 4 interrupts at vector 0x24", async () => {
    const r = await bootOn("qemu", { guest: "test:uart-echo", type: UART_ECHO_TYPING });
    expect(r.guestLines).toEqual(UART_ECHO_LINES);
    expect(r.lines).toContain("console input: 14 bytes typed to the guest's UART (overruns: 0)");
    const row = injectedRow(r.lines, 0x24);
    expect(row?.source).toBe("IRQ 4");
    expect(row!.count).toBeGreaterThanOrEqual(1);
    expect(exitRow(r.lines, "HLT")![0]).toBeGreaterThanOrEqual(1);
    expect(r.verdict).toBe("success");
  });

  it("cpuid: four CPUID exits, each advanced by a decoded length (the guest would loop or crash otherwise)", async () => {
    const r = await bootOn("qemu", { guest: "test:cpuid" });
    expect(exitRow(r.lines, "CPUID")?.[0]).toBe(4);
  });

  it("hlt: the VM stops and the hypervisor says so", async () => {
    const r = await bootOn("qemu", { guest: "test:hlt" });
    expect(r.lines).toContainEqual(expect.stringMatching(/^VM stopped: the guest halted with interrupts disabled/));
    expect(r.lines).toContain("the hypervisor is still running");
    expect(r.verdict).toBe("failure");
  });

  it("outside-ram: the nested page fault stops the VM with the address", async () => {
    const r = await bootOn("qemu", { guest: "test:outside-ram" });
    expect(r.lines).toContain("VM stopped: guest-physical access at 0x40000000 outside guest RAM (0x1000000 bytes), claimed by no device");
    expect(exitRow(r.lines, "nested page fault")?.[0]).toBe(1);
  });

  it("triple-fault: SHUTDOWN stops the VM with a register report", async () => {
    const r = await bootOn("qemu", { guest: "test:triple-fault" });
    expect(r.lines).toContain("VM stopped: triple fault (the guest shut down after a fault it could not handle)");
    expect(r.lines).toContain("the hypervisor is still running");
  });

  it("spin: a guest looping with interrupts off is stopped on its time budget; the host APIC timer took control meanwhile", async () => {
    const r = await bootOn("qemu", { guest: "test:spin" });
    expect(r.lines).toContainEqual(expect.stringMatching(/^host timer: local APIC timer, \d+ counts per ms/));
    expect(r.lines).toContain("VM stopped: the guest ran past its time budget (guest_timeout=), stopped by the hypervisor");
    // The INTR intercept fires although the guest's IF is 0 (V_INTR_MASKING): a slice is 10 ms.
    const ticks = exitRow(r.lines, "external interrupt")![0];
    expect(ticks).toBeGreaterThanOrEqual(50);
    expect(ticks).toBeLessThanOrEqual(110);
    expect(r.verdict).toBe("failure");
  });

  // Every CR4 write is intercepted and checked against the guest's CPUID
  // (kernel/exits/cr-access.ts): OSXSAVE without XSAVE raises #GP, as on a
  // CPU without XSAVE, where TCG's own MOV to CR4 took it and VMRUN then
  // refused the guest. The guest's #GP handler skips the write; its XSETBV
  // then raises #UD, for which it has no handler: it runs to its budget.
  it("cr4-xsetbv on plain qemu64 (no XSAVE): setting CR4.OSXSAVE raises #GP, as on a CPU without XSAVE", async () => {
    const r = await bootOn("qemu", { guest: "test:cr4-xsetbv", cmdline: "guest_timeout=1" });
    expect(r.guestLines[0]).toBe("check: CPUID.1:ECX.OSXSAVE: WRONG"); // the guest expected XSAVE
    expect(r.lines).not.toContainEqual(expect.stringMatching(/VMEXIT_INVALID/));
    expect(r.lines).toContain("VM stopped: the guest ran past its time budget (guest_timeout=), stopped by the hypervisor");
    expect(r.verdict).toBe("failure");
  });
});

// Bochs 2.7's "ryzen" model: SVM with NPT *and* NRIP save (the other way of
// finding instruction lengths), no VM_CR MSR. Its SVM does not turn a
// guest's triple fault into the SHUTDOWN intercept — Bochs itself panics
// ("3rd (13) exception with no resolution") — so triple-fault runs on QEMU only.
describe("SVM test guests on Bochs (cpu ryzen, NRIP save)", () => {
  it.each(PASSING_GUESTS)("%s: every check passes and the VM powers off with status 0", async (guest) => {
    const r = await bootOn("bochs", { guest: `test:${guest}`, cpu: "ryzen" });
    expect(r.lines).toContain("  SVM: present, usable (no VM_CR MSR, so SVMDIS cannot be set; Bochs 2.7 lacks it)");
    expect(r.lines).toContainEqual(expect.stringMatching(/^SVM: nested CR3 0x[0-9a-f]+, ASID 1, NRIP save yes$/));
    expect(r.guestLines).toEqual([...CHECKS[guest], "verdict: PASS"]);
    expect(r.verdict).toBe("success");
  });

  it("outside-ram: the nested page fault stops the VM with the address", async () => {
    const r = await bootOn("bochs", { guest: "test:outside-ram", cpu: "ryzen" });
    expect(r.lines).toContain("VM stopped: guest-physical access at 0x40000000 outside guest RAM (0x1000000 bytes), claimed by no device");
  });
});
