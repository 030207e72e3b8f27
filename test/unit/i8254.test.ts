// The guest's 8254 PIT (drivers/i8254.ts) and port 0x61 (drivers/port-b.ts),
// driven through real port-I/O exits while simulated time passes between
// them (Intel 8254 datasheet: control word, counter latch, read-back,
// status byte, modes 0, 2, 3). IRQ 0 from channel 0's timer is seen
// through the device probe (kernel/probes-devices.ts), which runs the
// clock's timers as the vCPU loop will.
//
// Times: the PIT counts at 1.193182 MHz and the simulated TSC runs at
// 2 GHz, so one PIT clock is 1676.2 TSC ticks; each exit itself costs a few
// thousand ticks, which the windows below allow for.
import { describe, expect, it } from "vitest";
import { runGuest, powerOff, outb, inb } from "../sim/scripted-vmx.js";
import { SimExit } from "../sim/hal.js";
import { runDevices, out, inp, advance, runTimers, deadline, pending, deliver, NONE } from "../sim/devices-probe.js";

const inValue = (r: ReturnType<typeof runGuest>, i: number) => Number(r.hal.entries[i + 1].regs.rax & 0xffn);
// Run the exits; the bytes the INs read, in order.
function run(exits: SimExit[]): number[] {
  const r = runGuest([...exits, powerOff]);
  return exits.flatMap((e, i) => ((e.qualification ?? 0n) & 8n ? [inValue(r, i)] : []));
}
const after = (ticks: number, e: SimExit): SimExit => ({ ...e, tscAdvance: BigInt(ticks) });
const word = (lo: number, hi: number) => lo | (hi << 8);

describe("channel 2 and port 0x61 (port-I/O exits)", () => {
  // Mode 0, count 1193 (0x04a9): OUT2 goes high N + 1 = 1194 PIT clocks after
  // the count is written (datasheet "Mode 0"), 1000.69 µs: 2,001,372 ticks.
  const start = [outb(0x61, 0x01), outb(0x43, 0xb0), outb(0x42, 0xa9), outb(0x42, 0x04)];

  it("mode 0: OUT2 (port 0x61 bit 5) rises 1194 clocks after the count is written, and stays high", () => {
    const r = run([...start, inb(0x61), after(1_980_000, inb(0x61)), after(40_000, inb(0x61)), after(20_000_000, inb(0x61))]);
    expect(r.map((v) => v & 0x23)).toEqual([0x01, 0x01, 0x21, 0x21]);
  });

  it("mode 0: GATE2 low (port 0x61 bit 0) pauses the count", () => {
    const r = run([...start,
      after(1_000_000, outb(0x61, 0x00)),                 // half way: gate off
      after(4_000_000, inb(0x61)),                        // 2 ms later: still low
      outb(0x61, 0x01), after(980_000, inb(0x61)),        // resumed: just short of the rest
      after(40_000, inb(0x61))]);
    expect(r.map((v) => v & 0x20)).toEqual([0x00, 0x00, 0x20]);
  });

  it("bits 0-3 of port 0x61 read back as written; bit 4 (refresh) flips on every read", () => {
    const r = run([outb(0x61, 0x0e), inb(0x61), inb(0x61), inb(0x61), outb(0x61, 0xf3), inb(0x61)]);
    expect(r.map((v) => v & 0x0f)).toEqual([0x0e, 0x0e, 0x0e, 0x03]);
    expect(r.slice(0, 3).map((v) => v & 0x10)).toEqual([r[0] & 0x10, (r[0] & 0x10) ^ 0x10, r[0] & 0x10]);
  });

  it("mode 3, count 1000: OUT2 is a square wave, high for 500 clocks (838,095 ticks), low for 500", () => {
    const r = run([outb(0x61, 0x01), outb(0x43, 0xb6), outb(0x42, 0xe8), outb(0x42, 0x03),
      after(400_000, inb(0x61)), after(800_000, inb(0x61)), after(800_000, inb(0x61)), after(800_000, inb(0x61))]);
    expect(r.map((v) => v & 0x20)).toEqual([0x20, 0x00, 0x20, 0x00]);
  });

  it("LSB-only access: one byte written is the count, one byte read is its low byte", () => {
    // Control 0x90: channel 2, LSB only, mode 0. Count 0x80; 50 µs later (about 60 clocks) it reads about 68.
    const [v] = run([outb(0x61, 0x01), outb(0x43, 0x90), outb(0x42, 0x80), after(100_000, inb(0x42))]);
    expect(v).toBeGreaterThanOrEqual(63);
    expect(v).toBeLessThanOrEqual(69);
  });

  it("MSB-only access: the byte written is the high byte; a read gives the high byte", () => {
    // Control 0xa0: count 0x0200 (512); after about 119 clocks it is about 393 = 0x189.
    const [v] = run([outb(0x61, 0x01), outb(0x43, 0xa0), outb(0x42, 0x02), after(200_000, inb(0x42))]);
    expect(v).toBe(0x01);
  });

  it("BCD counting: count 1000 as 0x1000 reads back in BCD (about 0x0500 after 500 clocks)", () => {
    // Control 0xb1: channel 2, LSB then MSB, mode 0, BCD. 500 clocks are 838,095 ticks.
    const r = run([outb(0x61, 0x01), outb(0x43, 0xb1), outb(0x42, 0x00), outb(0x42, 0x10),
      after(838_095, outb(0x43, 0x80)), inb(0x42), inb(0x42)]);
    const bcd = word(r[0], r[1]);
    expect([bcd >> 12, (bcd >> 8) & 0xf, (bcd >> 4) & 0xf, bcd & 0xf].every((d) => d <= 9)).toBe(true);
    expect(bcd).toBeGreaterThanOrEqual(0x0494);
    expect(bcd).toBeLessThanOrEqual(0x0501);
  });
});

describe("counter latch and read-back (port-I/O exits)", () => {
  // Channel 0, mode 2, count 0 (65536). 5 ms is 5965.9 clocks: the count
  // falls from 65536 to about 59571, and another 5965.9 clocks later to about 53605.
  const mode2 = [outb(0x43, 0x34), outb(0x40, 0x00), outb(0x40, 0x00)];

  it("latched counts fall by the elapsed clocks, and a latch holds its value until read", () => {
    const r = run([...mode2,
      after(10_000_000, outb(0x43, 0x00)), inb(0x40), inb(0x40),
      after(10_000_000, outb(0x43, 0x00)), after(2_000_000, inb(0x40)), inb(0x40), // read 1 ms after the latch
      inb(0x40), inb(0x40)]);                                                      // unlatched: the count now
    const [first, second, now] = [word(r[0], r[1]), word(r[2], r[3]), word(r[4], r[5])];
    // Slack: every TSC read the hypervisor makes between two exits (the vCPU
    // loop's timers, the statistics) moves the simulated TSC by 1000 ticks,
    // 0.6 PIT clocks; a few dozen clocks cover them.
    expect(first).toBeGreaterThanOrEqual(59571 - 30);
    expect(first).toBeLessThanOrEqual(59571);
    expect(second).toBeGreaterThanOrEqual(53605 - 60);
    expect(second).toBeLessThanOrEqual(53605);
    expect(first - second).toBeGreaterThanOrEqual(5966 - 30);
    expect(first - second).toBeLessThanOrEqual(5966 + 30);
    // The unlatched read is about 1193 clocks (1 ms) further on than the held value.
    expect(second - now).toBeGreaterThanOrEqual(1193);
    expect(second - now).toBeLessThanOrEqual(1193 + 30);
  });

  it("a second latch before the first is read is ignored", () => {
    const r = run([...mode2, after(10_000_000, outb(0x43, 0x00)), after(10_000_000, outb(0x43, 0x00)), inb(0x40), inb(0x40)]);
    expect(word(r[0], r[1])).toBeGreaterThanOrEqual(59571 - 8);
    expect(word(r[0], r[1])).toBeLessThanOrEqual(59571);
  });

  it("read-back 0xC2 latches status then count: 0xB4 is OUT high, count loaded, LSB-MSB, mode 2, binary", () => {
    const r = run([...mode2, after(10_000_000, outb(0x43, 0xc2)), inb(0x40), inb(0x40), inb(0x40)]);
    expect(r[0]).toBe(0xb4);
    expect(word(r[1], r[2])).toBeGreaterThanOrEqual(59571 - 8);
    expect(word(r[1], r[2])).toBeLessThanOrEqual(59571);
  });

  it("status after a control word and before any count: NULL COUNT set; OUT low in mode 0, high in mode 2", () => {
    const r = run([outb(0x43, 0x30), outb(0x43, 0xe2), inb(0x40), outb(0x43, 0x34), outb(0x43, 0xe2), inb(0x40),
      outb(0x40, 0x10), outb(0x40, 0x00), after(10_000, outb(0x43, 0xe2)), inb(0x40)]);
    expect(r).toEqual([0x70, 0xf4, 0xb4]);
  });

  it("read-back of status only for channels 0 and 2 (0xEA) with different modes", () => {
    const r = run([outb(0x43, 0x34), outb(0x43, 0xb0), outb(0x43, 0xea), inb(0x40), inb(0x42)]);
    expect(r).toEqual([0xf4, 0x70]);
  });

  it("port 0x43 reads nothing (all-ones: the control register is write-only)", () => {
    expect(run([inb(0x43)])).toEqual([0xff]);
  });
});

describe("channel 0 and IRQ 0 (probe, timers run as the vCPU loop will)", () => {
  // 8259 pair initialized as Linux does, IRQ 0 unmasked, vectors at 0x20.
  const pic = [out(0x20, 0x11), out(0x21, 0x20), out(0x21, 0x04), out(0x21, 0x01), out(0x21, 0xfe),
    out(0xa0, 0x11), out(0xa1, 0x28), out(0xa1, 0x02), out(0xa1, 0x01)];
  const irr = [out(0x20, 0x0a), inp(0x20)];

  it("mode 2, count 1193: IRQ 0 every 1193 clocks (1,999,695 ticks), the first 1194 clocks after the count", () => {
    const r = runDevices([...pic, out(0x43, 0x34), out(0x40, 0xa9), out(0x40, 0x04), deadline, runTimers, ...irr,
      advance(2_100_000), runTimers, ...irr, deadline, deliver, out(0x20, 0x20),
      advance(2_000_000), runTimers, ...irr, deadline, pending]);
    const [d1, fired0, irr0, fired1, irr1, d2, vector, fired2, irr2, d3, next] = r;
    expect([fired0, irr0, fired1, irr1, vector, fired2, irr2, next]).toEqual([0n, 0n, 1n, 1n, 0x20n, 1n, 1n, 0x20n]);
    expect(d2 - d1).toBeGreaterThanOrEqual(1_999_694n);
    expect(d2 - d1).toBeLessThanOrEqual(1_999_696n);
    expect(d3 - d2).toBeGreaterThanOrEqual(1_999_694n);
    expect(d3 - d2).toBeLessThanOrEqual(1_999_696n);
  });

  it("mode 0 is one-shot: IRQ 0 once at terminal count, the line held high until the channel is reprogrammed", () => {
    const r = runDevices([...pic, out(0x43, 0x30), out(0x40, 0xa9), out(0x40, 0x04), advance(2_100_000), runTimers, deadline,
      deliver, out(0x20, 0x20), advance(10_000_000), runTimers, pending,
      out(0x43, 0x30), out(0x40, 0xa9), out(0x40, 0x04), advance(2_100_000), runTimers, pending]);
    expect(r).toEqual([1n, NONE, 0x20n, 0n, NONE, 1n, 0x20n]);
  });

  it("mode 4 (Linux's one-shot clockevent, control 0x38): IRQ 0 once per count written, no control word in between", () => {
    const r = runDevices([...pic, out(0x43, 0x38), out(0x40, 0xa9), out(0x40, 0x04), advance(1_900_000), runTimers,
      advance(200_000), runTimers, deadline, deliver, out(0x20, 0x20),
      out(0x40, 0xa9), out(0x40, 0x04), advance(2_100_000), runTimers, pending]);
    expect(r).toEqual([0n, 1n, NONE, 0x20n, 1n, 0x20n]);
  });

  it("mode 3, count 0: the BIOS's 18.2 Hz tick, 65536 clocks (109,850,802 ticks) apart", () => {
    const r = runDevices([...pic, out(0x43, 0x36), out(0x40, 0x00), out(0x40, 0x00), deadline, advance(110_000_000), runTimers, deadline]);
    expect(r[1]).toBe(1n);
    expect(r[2] - r[0]).toBeGreaterThanOrEqual(109_850_801n);
    expect(r[2] - r[0]).toBeLessThanOrEqual(109_850_803n);
  });
});
