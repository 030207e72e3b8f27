// The hypervisor's hold on time (kernel/platform/host-timer.ts,
// drivers/host/lapic.ts, the VMX preemption timer), driven through the
// simulated CPU: its local APIC timer counts at the 2 GHz simulated TSC / 2
// / 16 (test/sim/host-lapic.ts), i.e. 62,500 counts per millisecond.
import { describe, expect, it } from "vitest";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { VMCS } from "../sim/hal.js";
import { runGuest, powerOff, R } from "../sim/scripted-vmx.js";
import { runSvmGuest, svmPowerOff, X } from "../sim/scripted-svm.js";

describe("the host's local APIC timer", () => {
  it("is calibrated against the TSC at boot: 62500 counts per ms at divide-by-16, within the TSC reads' grain", () => {
    const r = runGuest([powerOff]);
    const m = /^host timer: local APIC timer, (\d+) counts per ms \(divide by 16\), vector 0xef$/.exec(
      r.lines.find((l) => l.startsWith("host timer: "))!);
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m![1]) - 62_500)).toBeLessThanOrEqual(100);
  });

  it("is armed, unmasked and one-shot, before an SVM guest runs: at most one 10 ms slice (625,000 counts) away", () => {
    const r = runSvmGuest(qemuTcgSvm, [svmPowerOff]);
    const lapic = r.hal.lapic;
    expect(lapic.read(lapic.base + 0x320n)).toBe(0xef);      // LVT timer: vector 0xEF, not masked, one-shot
    expect(lapic.read(lapic.base + 0x3e0n)).toBe(0x3);       // divide by 16
    expect(Math.abs(lapic.read(lapic.base + 0x380n) - 625_000)).toBeLessThanOrEqual(2_000);
  });

  it("an external-interrupt exit takes the host interrupt and the VM goes on (counted as its own kind)", () => {
    const r = runSvmGuest(qemuTcgSvm, [{ code: X.INTR }, svmPowerOff]);
    expect(r.lines.find((l) => l.startsWith("  external interrupt "))?.trim().split(/\s+/)[2]).toBe("1");
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
  });
});

describe("the VMX preemption timer", () => {
  it("is on where the capability MSR allows it, and loaded with one slice (TSC >> 0) before entry", () => {
    const r = runGuest([powerOff]);
    const vmcs = r.hal.entries[0].vmcs;
    expect(vmcs.get(VMCS.PIN_BASED)! & (1n << 6n)).toBe(1n << 6n);
    const value = vmcs.get(VMCS.VMX_PREEMPTION_TIMER_VALUE)!;
    // 10 ms at 2 GHz, within the calibration's grain (kernel/platform/tsc-calibrate.ts).
    expect(value >= 19_990_000n && value <= 20_010_000n).toBe(true);
  });

  it("its exit (reason 52) resumes the guest and is counted as a timer tick", () => {
    const r = runGuest([{ reason: 52 }, powerOff]);
    expect(r.lines.find((l) => l.startsWith("  timer tick "))?.trim().split(/\s+/)[2]).toBe("1");
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
  });
});

describe("guest_timeout=", () => {
  it("sets the VM's time budget", () => {
    const r = runGuest([powerOff], undefined, undefined, "guest_timeout=5");
    expect(r.lines).toContain("VM: time budget 5 s (guest_timeout)");
  });

  it.each(["0", "86401", "x"])("refuses guest_timeout=%s before entering the guest", (v) => {
    const r = runGuest([], undefined, undefined, `guest_timeout=${v}`);
    expect(r.lines).toContain("bad guest_timeout: give a number of seconds from 1 to 86400");
    expect(r.hal.entries).toEqual([]);
  });

  it("a VM past its budget stops with the report, the hypervisor alive", () => {
    // The guest runs 3 s of simulated time (6e9 TSC ticks) before its next exit.
    const r = runGuest([{ reason: R.CPUID, instructionLength: 2, regs: { rax: 0n, rcx: 0n }, tscAdvance: 6_000_000_000n }],
      undefined, undefined, "guest_timeout=1");
    expect(r.lines).toContain("VM stopped: the guest ran past its time budget (guest_timeout=), stopped by the hypervisor");
    expect(r.lines).toContain("the hypervisor is still running");
    expect(r.poweredOff).toBe("failure");
  });
});
