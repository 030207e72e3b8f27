// The guest's local APIC timer (drivers/lapic/lapic-timer.ts) through the
// real exit path (test/sim/apic-script.ts): one-shot, periodic and
// TSC-deadline modes, the divide configuration, and HLT woken by the timer
// (Intel SDM Vol. 3A §12.5.4). The APIC's registers, priority and x2APIC:
// lapic.test.ts.
import { describe, expect, it } from "vitest";
import { ApicScript } from "../sim/apic-script.js";

// Register offsets (SDM Table 12-1).
const EOI = 0xb0, SVR = 0xf0, LVT_TIMER = 0x320, INITIAL = 0x380, CURRENT = 0x390, DIVIDE = 0x3e0;
const IA32_TSC = 0x10, IA32_TSC_DEADLINE = 0x6e0;
const enable = (s: ApicScript) => s.lapicWrite(SVR, 0x1ff); // software enable, spurious vector 0xFF (SDM §12.9)

// The timer counts at the TSC's rate / 8, then by the divide value (SDM
// §12.5.4, Figure 12-10; drivers/lapic/lapic-timer.ts). The simulated TSC
// runs at 2 GHz and moves a thousand ticks on each of the core's own RDTSCs,
// a few thousand per exit: the windows below allow for it.
describe("the timer (SDM §12.5.4)", () => {
  it("one-shot, divide by 1 (1011b): 1,000,000 counts are 8,000,000 TSC ticks; one interrupt, then the count stays 0", () => {
    const s = new ApicScript();
    enable(s);
    s.lapicWrite(DIVIDE, 0xb);
    s.lapicWrite(LVT_TIMER, 0x40);             // vector 0x40, one-shot, unmasked
    s.lapicWrite(INITIAL, 1_000_000);
    const early = s.wait(7_900_000);
    const cur = s.lapicRead(CURRENT);
    const fired = s.wait(200_000);
    s.lapicWrite(EOI, 0);
    const after = s.wait(20_000_000);
    const cur2 = s.lapicRead(CURRENT);
    const init = s.lapicRead(INITIAL);
    const r = s.run();
    expect(r.injected(early)).toBeNull();
    expect(r.value(cur)).toBeGreaterThan(0);
    expect(r.value(cur)).toBeLessThan(12_500);   // 100,000 ticks left at most
    expect(r.injected(fired)).toBe(0x40);
    expect(r.injected(after)).toBeNull();
    expect([r.value(cur2), r.value(init)]).toEqual([0, 1_000_000]);
    expect(r.lines).toContainEqual(expect.stringMatching(/^ {2}0x40 {4}timer {13}1$/));
  });

  it("the current count at half time, divide by 128 (1010b): 1024 ticks a count", () => {
    const s = new ApicScript();
    s.lapicWrite(DIVIDE, 0xa);
    s.lapicWrite(INITIAL, 100_000);            // 102,400,000 ticks
    const cur = s.wait(51_200_000);
    const read = s.lapicRead(CURRENT);
    const r = s.run();
    expect(r.injected(cur)).toBeNull();        // software-disabled: the timer counts, its LVT stays masked
    expect(r.value(read)).toBeGreaterThanOrEqual(49_950);
    expect(r.value(read)).toBeLessThanOrEqual(50_000);
  });

  it("periodic: an interrupt every period, the count reloaded; periods the vCPU missed merge into one", () => {
    const s = new ApicScript();
    enable(s);
    s.lapicWrite(DIVIDE, 0xb);
    s.lapicWrite(LVT_TIMER, 0x20045);          // vector 0x45, periodic (01b in bits 18:17)
    s.lapicWrite(INITIAL, 1_000_000);          // 8,000,000 ticks a period
    const ticks: number[] = [];
    for (let i = 0; i < 3; i++) {
      ticks.push(s.wait(8_000_000));
      s.lapicWrite(EOI, 0);
    }
    const half = s.wait(3_000_000);
    const cur = s.lapicRead(CURRENT);
    const late = s.wait(40_000_000);           // five periods at once
    s.lapicWrite(EOI, 0);
    const next = s.wait(1_000_000);
    const r = s.run();
    expect(ticks.map(r.injected)).toEqual([0x45, 0x45, 0x45]);
    expect(r.injected(half)).toBeNull();
    expect(r.value(cur)).toBeGreaterThan(400_000);
    expect(r.value(cur)).toBeLessThan(700_000);
    expect(r.injected(late)).toBe(0x45);
    expect(r.injected(next)).toBeNull();
  });

  it("a new divide value goes on from the current count at the new rate", () => {
    const s = new ApicScript();
    s.lapicWrite(DIVIDE, 0xb);                 // 8 ticks a count
    s.lapicWrite(INITIAL, 1_000_000);
    s.wait(4_000_000);                         // half: about 500,000 left
    s.lapicWrite(DIVIDE, 0x3);                 // divide by 16: 128 ticks a count
    const cur = s.wait(12_800_000);            // 100,000 counts more
    const read = s.lapicRead(CURRENT);
    const r = s.run();
    expect(r.injected(cur)).toBeNull();
    expect(r.value(read)).toBeGreaterThan(395_000);
    expect(r.value(read)).toBeLessThanOrEqual(400_000);
  });

  it("a masked timer counts but does not interrupt; initial count 0 stops it", () => {
    const s = new ApicScript();
    enable(s);
    s.lapicWrite(DIVIDE, 0xb);
    s.lapicWrite(LVT_TIMER, 0x10040);
    s.lapicWrite(INITIAL, 1_000);
    const masked = s.wait(1_000_000);
    s.lapicWrite(LVT_TIMER, 0x40);
    s.lapicWrite(INITIAL, 1_000_000);
    s.wait(1_000_000);
    s.lapicWrite(INITIAL, 0);
    const stopped = s.wait(20_000_000);
    const cur = s.lapicRead(CURRENT);
    const r = s.run();
    expect(r.injected(masked)).toBeNull();
    expect(r.injected(stopped)).toBeNull();
    expect(r.value(cur)).toBe(0);
  });

  it("TSC-deadline (10b in bits 18:17): IA32_TSC_DEADLINE fires at its TSC, is cleared then, and the count registers read 0", () => {
    const s = new ApicScript();
    enable(s);
    s.lapicWrite(LVT_TIMER, 0x40046);
    const tsc = s.rdmsr(IA32_TSC);
    const write = s.wrmsr(IA32_TSC_DEADLINE, 0n); // the deadline, patched in below
    s.lapicWrite(INITIAL, 5);                  // ignored in TSC-deadline mode
    const readBack = s.rdmsr(IA32_TSC_DEADLINE);
    const early = s.wait(1_000_000);
    const fired = s.wait(3_000_000);
    const cleared = s.rdmsr(IA32_TSC_DEADLINE);
    const counts = [s.lapicRead(INITIAL), s.lapicRead(CURRENT)];
    // First run to learn the TSC the guest read, then the real run with the deadline 4,000,000 ticks later.
    const probe = s.run();
    const deadline = probe.msr(tsc) + 4_000_000n;
    s.patchWrmsr(write, deadline);
    const r = s.run();
    expect(r.msr(tsc)).toBe(probe.msr(tsc));
    expect(r.msr(readBack)).toBe(deadline);
    expect(r.injected(early)).toBeNull();
    expect(r.injected(fired)).toBe(0x46);
    expect(r.msr(cleared)).toBe(0n);
    expect(counts.map(r.value)).toEqual([0, 0]);
  });

  it("TSC-deadline: a deadline already past fires at once; 0 disarms; outside the mode the MSR reads 0 and ignores writes", () => {
    const s = new ApicScript();
    enable(s);
    const oneShot = [s.wrmsr(IA32_TSC_DEADLINE, 5n), s.rdmsr(IA32_TSC_DEADLINE)];
    s.lapicWrite(LVT_TIMER, 0x40046);
    const past = s.wrmsr(IA32_TSC_DEADLINE, 1n);
    s.lapicWrite(EOI, 0);
    s.wrmsr(IA32_TSC_DEADLINE, 0xffffffffffffn);
    const armed = s.rdmsr(IA32_TSC_DEADLINE);
    s.wrmsr(IA32_TSC_DEADLINE, 0n);
    const disarmed = s.wait(1_000_000);
    s.lapicWrite(LVT_TIMER, 0x40046);
    s.wrmsr(IA32_TSC_DEADLINE, 0xffffffffffffn);
    s.lapicWrite(LVT_TIMER, 0x00046);          // back to one-shot: disarmed, the MSR cleared
    s.lapicWrite(LVT_TIMER, 0x40046);
    const gone = s.rdmsr(IA32_TSC_DEADLINE);
    const r = s.run();
    expect(r.msr(oneShot[1])).toBe(0n);
    expect(r.injected(past)).toBe(0x46);
    expect(r.msr(armed)).toBe(0xffffffffffffn);
    expect(r.injected(disarmed)).toBeNull();
    expect(r.msr(gone)).toBe(0n);
  });
});

describe("HLT woken by the timer", () => {
  it("STI; HLT: the vCPU sleeps until the timer's interrupt, which is injected past the HLT with the STI shadow ended", () => {
    const s = new ApicScript();
    enable(s);
    s.lapicWrite(DIVIDE, 0xb);
    s.lapicWrite(LVT_TIMER, 0x40);
    s.lapicWrite(INITIAL, 5_000_000);          // 40,000,000 ticks: 20 ms
    const hlt = s.hlt();
    const r = s.run();
    expect(r.injected(hlt)).toBe(0x40);
    expect(r.windowAsked(hlt)).toBe(false);
    expect(r.interruptibility(hlt)).toBe(0n);  // the shadow covered the HLT only (SDM Vol. 2B STI)
    expect(r.rip(hlt)).toBe(0x7c09n);          // four 2-byte MOVs, then the HLT
    expect(r.lines).toContainEqual(expect.stringMatching(/^interrupt windows: 0, events re-injected: 0, HLT sleeps: 1 /));
  });
});

