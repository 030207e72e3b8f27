// Every test guest under VT-x on Bochs: what the guest printed through the
// emulated UART, how the VM stopped, and the exit table.
import { describe, expect, it } from "vitest";
import { bootOn } from "./boot-helpers.js";
import { PASSING_GUESTS, BENCH_BASELINE_CMDLINE } from "./cmdlines.js";
import { CHECKS, exitRow, injectedRow, UART_ECHO_LINES, UART_ECHO_TYPING } from "./guest-checks.js";
import { parseBenchLines } from "../../tools/bench/exit-cost.js";

describe("VMX test guests on Bochs (corei7_skylake_x)", () => {
  it.each(PASSING_GUESTS)("%s: every check passes and the VM powers off with status 0", async (guest) => {
    const r = await bootOn("bochs", { guest: `test:${guest}` });
    expect(r.lines).toContain("VMX: on (VMXON succeeded)");
    expect(r.guestLines).toEqual([...CHECKS[guest], "verdict: PASS"]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    // The guest printed through the UART: every byte was a port I/O exit.
    const io = exitRow(r.lines, "port I/O");
    expect(io).not.toBeNull();
    expect(io![0]).toBeGreaterThan(r.guestLines.join("\n").length);
    expect(io![2]).toBe(Math.floor(io![1] / io![0])); // mean = total / count
    expect(r.verdict).toBe("success");
  });

  it("uart-echo: a line typed into COM1 reaches the guest's UART and comes back, by IRQ 4 interrupts at vector 0x24", async () => {
    const r = await bootOn("bochs", { guest: "test:uart-echo", type: UART_ECHO_TYPING });
    expect(r.guestLines).toEqual(UART_ECHO_LINES);
    expect(r.lines).toContain("console input: 14 bytes typed to the guest's UART (overruns: 0)");
    const row = injectedRow(r.lines, 0x24);
    expect(row?.source).toBe("IRQ 4");
    expect(row!.count).toBeGreaterThanOrEqual(1);
    expect(exitRow(r.lines, "HLT")![0]).toBeGreaterThanOrEqual(1);
    expect(r.verdict).toBe("success");
  });

  it("cpuid: the exit table counts exactly the four CPUID instructions", async () => {
    const r = await bootOn("bochs", { guest: "test:cpuid" });
    expect(exitRow(r.lines, "CPUID")?.[0]).toBe(4);
  });

  it("hlt: halting with interrupts disabled stops the VM, and the hypervisor says so", async () => {
    const r = await bootOn("bochs", { guest: "test:hlt" });
    expect(r.guestLines).toEqual(["halting with interrupts disabled"]);
    expect(r.lines).toContainEqual(expect.stringMatching(
      /^VM stopped: the guest halted with interrupts disabled \(nothing can wake it\) at rip 0x7c[0-9a-f]{2}$/));
    expect(r.lines).toContain("the hypervisor is still running");
    expect(exitRow(r.lines, "HLT")?.[0]).toBe(1);
    expect(r.verdict).toBe("failure");
  });

  it("outside-ram: a write at 1 GiB stops the VM with the address and registers", async () => {
    const r = await bootOn("bochs", { guest: "test:outside-ram" });
    expect(r.lines).toContain("VM stopped: guest-physical access at 0x40000000 outside guest RAM (0x1000000 bytes), claimed by no device");
    expect(r.lines).toContainEqual(expect.stringMatching(/^ {2} rip=0x0000000000007c[0-9a-f]{2} /));
    expect(r.lines).toContainEqual(expect.stringMatching(/ cr0=0x[0-9a-f]*[13579bdf] /)); // protected mode: PE set
    expect(r.lines).toContain("the hypervisor is still running");
    expect(exitRow(r.lines, "nested page fault")?.[0]).toBe(1);
    expect(r.verdict).toBe("failure");
  });

  it("triple-fault: the VM stops with a register report; the hypervisor carries on to power off", async () => {
    const r = await bootOn("bochs", { guest: "test:triple-fault" });
    expect(r.guestLines).toEqual(["loading an empty IVT and raising #BP"]);
    expect(r.lines).toContain("VM stopped: triple fault (the guest shut down after a fault it could not handle)");
    expect(r.lines).toContainEqual(expect.stringMatching(/^ {2} rax=0x[0-9a-f]{16} rbx=/));
    expect(r.lines).toContain("the hypervisor is still running");
    expect(r.lines).toContain("exits by reason:");
    expect(r.lines.at(-1)).toBe("power off: status failure");
    expect(r.verdict).toBe("failure");
  });

  it("spin: a guest looping with interrupts off is stopped on its time budget; the preemption timer took control meanwhile", async () => {
    const r = await bootOn("bochs", { guest: "test:spin" });
    expect(r.guestLines).toEqual(["spinning with interrupts disabled"]);
    expect(r.lines).toContain("VM: time budget 1 s (guest_timeout)");
    expect(r.lines).toContain("VM stopped: the guest ran past its time budget (guest_timeout=), stopped by the hypervisor");
    // 1 s of 10 ms slices: about 100 preemption-timer exits (the guest itself never exits).
    const ticks = exitRow(r.lines, "timer tick")![0];
    expect(ticks).toBeGreaterThanOrEqual(90);
    expect(ticks).toBeLessThanOrEqual(110);
    expect(r.lines).toContain("the hypervisor is still running");
    expect(r.verdict).toBe("failure");
  });

  it("bench: the core handles every CPUID and hypercall; under the baseline none reaches it, and both runs report figures", async () => {
    const core = await bootOn("bochs", { guest: "test:bench" });
    const base = await bootOn("bochs", { guest: "test:bench", cmdline: BENCH_BASELINE_CMDLINE });
    // 2000 each: the guest's VMMCALL probe for the vendor raises #UD in a
    // VMX guest, no exit.
    expect(exitRow(core.lines, "CPUID")?.[0]).toBe(2000);
    expect(exitRow(core.lines, "hypercall")?.[0]).toBe(2000);
    expect(exitRow(base.lines, "CPUID")).toBeNull();
    expect(exitRow(base.lines, "hypercall")).toBeNull();
    expect(base.lines).toContain("bench: baseline: CPUID, OUT 0x80 and hypercall exits resume in the assembly stub, not the core");
    const names = (o: string) => parseBenchLines(o).map((f) => [f.name, f.iterations]);
    expect(names(core.output)).toEqual([["cpuid", 2000], ["out-port-0x80", 2000], ["hypercall", 2000]]);
    expect(names(base.output)).toEqual(names(core.output));
  });
});
