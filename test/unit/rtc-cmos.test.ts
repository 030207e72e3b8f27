// The guest's MC146818A RTC and CMOS RAM (drivers/rtc-cmos.ts), driven
// through real port-I/O exits at 0x70/0x71 while simulated time passes
// (MC146818A datasheet: time, calendar and alarm registers, registers
// A-D), with the memory-size bytes a BIOS leaves (IBM PC/AT CMOS map). The
// VM build starts the guest's RTC at 2000-01-01 00:00:00 (a Saturday).
// Alarm and interrupt timers are seen through the device probe
// (kernel/probes-devices.ts). The simulated TSC runs at 2 GHz: one second
// is 2,000,000,000 ticks.
import { describe, expect, it } from "vitest";
import { runGuest, powerOff, outb, inb, MODULE_PHYS, GUEST_RAM_HOST } from "../sim/scripted-vmx.js";
import { SimExit } from "../sim/hal.js";
import { bootCore } from "../sim/core.js";
import { typicalPc } from "../sim/multiboot2.js";
import { skylakeX } from "../sim/cpu-profiles.js";
import { runDevices, out, inp, advance, runTimers, deadline, now, NONE, Step } from "../sim/devices-probe.js";

const inValue = (r: { hal: { entries: { regs: { rax: bigint } }[] } }, i: number) => Number(r.hal.entries[i + 1].regs.rax & 0xffn);
const insOf = (r: { hal: { entries: { regs: { rax: bigint } }[] } }, exits: SimExit[]) =>
  exits.flatMap((e, i) => ((e.qualification ?? 0n) & 8n ? [inValue(r, i)] : []));
const run = (exits: SimExit[], cmdline = "") => insOf(runGuest([...exits, powerOff], skylakeX, undefined, cmdline), exits);
const after = (ticks: number | bigint, e: SimExit): SimExit => ({ ...e, tscAdvance: BigInt(ticks) });
// Read CMOS register `i`; write `v` to it.
const rd = (i: number): SimExit[] => [outb(0x70, i), inb(0x71)];
const wr = (i: number, v: number): SimExit[] => [outb(0x70, i), outb(0x71, v)];
// Seconds, minutes, hours, day of week, day of month, month, year, century.
const TIME = [0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32];
const readTime = (): SimExit[] => TIME.flatMap(rd);
const SECOND = 2_000_000_000n;

describe("registers A-D and the ports (port-I/O exits)", () => {
  it("register D reads 0x80 (VRT), A the BIOS's 0x26, B 0x02 (24-hour, BCD), C 0x00; port 0x70 reads all-ones", () => {
    expect(run([...rd(0x0d), ...rd(0x0a), ...rd(0x0b), ...rd(0x0c), inb(0x70)])).toEqual([0x80, 0x26, 0x02, 0x00, 0xff]);
  });

  it("bit 7 of the index is the NMI mask, not part of the index; RAM bytes hold what is written", () => {
    expect(run([outb(0x70, 0x80 | 0x0d), inb(0x71), outb(0x70, 0xc0), outb(0x71, 0x5a), ...rd(0x40), ...wr(0x7f, 0xa5), ...rd(0x7f)]))
      .toEqual([0x80, 0x5a, 0xa5]);
  });

  it("register D and C are read-only", () => {
    expect(run([...wr(0x0d, 0x00), ...rd(0x0d), ...wr(0x0c, 0xf0), ...rd(0x0c)])).toEqual([0x80, 0x00]);
  });
});

describe("time and date (port-I/O exits)", () => {
  it("from the start time: 2000-01-01 00:00:00, Saturday (day 7), century 20, in BCD", () => {
    expect(run(readTime())).toEqual([0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x20]);
  });

  it("binary (DM = 1) and 12-hour formats; midnight is 12 AM (0x12), noon is 12 PM (0x92 in BCD)", () => {
    expect(run([...wr(0x0b, 0x06), ...readTime(), ...wr(0x0b, 0x00), ...rd(0x04),
      ...wr(0x0b, 0x82), ...wr(0x04, 0x12), ...wr(0x0b, 0x02), ...wr(0x0b, 0x00), ...rd(0x04)]))
      .toEqual([0, 0, 0, 7, 1, 1, 0, 20, 0x12, 0x92]);
  });

  it("SET holds the registers for writing; updates resume from them: 23:59:59 on 2024-02-28 becomes the leap day 2024-02-29 (Thursday)", () => {
    const set = [...wr(0x0b, 0x82), ...wr(0x00, 0x59), ...wr(0x02, 0x59), ...wr(0x04, 0x23), ...wr(0x07, 0x28),
      ...wr(0x08, 0x02), ...wr(0x09, 0x24), ...wr(0x32, 0x20), ...wr(0x0b, 0x02)];
    expect(run([...set, ...readTime(), outb(0x70, 0x00), after(SECOND + SECOND / 2n, inb(0x71)), ...readTime()]))
      .toEqual([0x59, 0x59, 0x23, 0x04, 0x28, 0x02, 0x24, 0x20, 0x00, 0x00, 0x00, 0x00, 0x05, 0x29, 0x02, 0x24, 0x20]);
  });

  it("2100 is no leap year: 2100-02-28 23:59:59 becomes 2100-03-01 (Monday)", () => {
    const set = [...wr(0x0b, 0x82), ...wr(0x00, 0x59), ...wr(0x02, 0x59), ...wr(0x04, 0x23), ...wr(0x07, 0x28),
      ...wr(0x08, 0x02), ...wr(0x09, 0x00), ...wr(0x32, 0x21), ...wr(0x0b, 0x02)];
    expect(run([...set, outb(0x70, 0x07), after(SECOND + SECOND / 2n, inb(0x71)), ...readTime()]))
      .toEqual([0x01, 0x00, 0x00, 0x00, 0x02, 0x01, 0x03, 0x00, 0x21]);
  });

  it("hours written in 12-hour BCD (0x81: 1 PM) read as 13 in 24-hour BCD; in binary 12-hour, 11 PM is 0x8b", () => {
    expect(run([...wr(0x0b, 0x80), ...wr(0x04, 0x81), ...wr(0x0b, 0x02), ...rd(0x04),
      ...wr(0x0b, 0x86), ...wr(0x04, 23), ...wr(0x0b, 0x04), ...rd(0x04)]))
      .toEqual([0x13, 0x8b]);
  });

  it("a write without SET moves the running time (minutes set to 0x30)", () => {
    expect(run([...wr(0x02, 0x30), ...rd(0x02), ...rd(0x04)])).toEqual([0x30, 0x00]);
  });
});

describe("update cycle, UIP and register C (port-I/O exits)", () => {
  // Divider reset (DV = 11x), then DV = 010 again: "the first update cycle
  // begins one-half second later", so the updates fall 1e9 ticks after
  // the release, then every 2e9.
  const release = (rs: number) => [...wr(0x0a, 0x70), outb(0x71, 0x20 | rs)];

  it("UIP (register A bit 7) is set only in the 244 µs (488,281 ticks) before the update; the seconds change after it", () => {
    const r = run([...release(0x6), ...rd(0x00), outb(0x70, 0x0a),
      after(1_000_000_000 - 1_000_000, inb(0x71)),   // 500 µs before the update
      after(800_000, inb(0x71)),                     // 100 µs before
      after(400_000, inb(0x71)),                     // 100 µs after
      ...rd(0x00)]);
    expect(r).toEqual([0x00, 0x26, 0xa6, 0x26, 0x01]);
  });

  it("SET clears UIP even inside the window", () => {
    const r = run([...release(0x6), ...wr(0x0b, 0x82), outb(0x70, 0x0a), after(1_000_000_000 - 200_000, inb(0x71))]);
    expect(r).toEqual([0x26]);
  });

  it("register C: PF after a periodic edge (1024 Hz: every 976.5625 µs), UF after the update, cleared on read", () => {
    const r = run([...release(0x6), outb(0x70, 0x0c),
      after(200_000, inb(0x71)),          // 100 µs: no edge yet
      after(1_800_000, inb(0x71)),        // 1 ms: one periodic edge
      inb(0x71),                          // read again at once: cleared
      after(1_000_000_000, inb(0x71))]);  // past the update
    expect(r).toEqual([0x00, 0x40, 0x00, 0x50]);
  });

  it("with UIE, the update sets IRQF too (0x90); RS = 0 gives no PF", () => {
    const r = run([...release(0x0), ...wr(0x0b, 0x12), outb(0x70, 0x0c), after(1_100_000_000, inb(0x71)), inb(0x71)]);
    expect(r).toEqual([0x90, 0x00]);
  });
});

describe("memory-size bytes (IBM PC/AT CMOS map)", () => {
  const SIZES = [0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35, 0x5b, 0x5c, 0x5d];

  it("16 MiB: base 640 KiB (0x0280), extended 15360 KiB (0x3c00), nothing above 16 MiB", () => {
    expect(run(SIZES.flatMap(rd))).toEqual([0x80, 0x02, 0x00, 0x3c, 0x00, 0x3c, 0x00, 0x00, 0, 0, 0]);
  });

  it("64 MiB: extended 64512 KiB (0xfc00), 48 MiB above 16 MiB in 64 KiB units (0x0300)", () => {
    expect(run(SIZES.flatMap(rd), "guest_ram=64")).toEqual([0x80, 0x02, 0x00, 0xfc, 0x00, 0xfc, 0x00, 0x03, 0, 0, 0]);
  });

  it("1 GiB: extended capped at 0xffff KiB, 1008 MiB above 16 MiB in 64 KiB units (0x3f00)", () => {
    // A machine with 2 GiB, so that 1 GiB of guest RAM fits (all of it backed: the core zeroes it).
    const exits = [...SIZES.flatMap(rd), powerOff];
    const r = bootCore(skylakeX, {
      info: typicalPc(2048, "guest_ram=1024", { start: MODULE_PHYS, end: MODULE_PHYS + 1, name: "scripted.bin" }),
      setup: (h) => {
        h.mapPhysical(BigInt(MODULE_PHYS), new Uint8Array([0xf4]));
        h.mapPhysical(GUEST_RAM_HOST, new Uint8Array(1024 << 20));
        h.exits = [...exits];
      },
    });
    expect(r.error).toBeNull();
    expect(r.lines).toContain("VM: 1024 MiB RAM at host 0x2200000, entry 0000:7c00 (real mode)");
    expect(insOf(r, exits)).toEqual([0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0x3f, 0, 0, 0]);
  });

  // As guest RAM is laid out (kernel/vm/guest-memory.ts): 3 GiB below the MMIO window, the rest above 4 GiB.
  it("6 GiB (probe): 0xbf00 units of 64 KiB between 16 MiB and the MMIO window at 3 GiB, 3 GiB above 4 GiB (0x00c000)", () => {
    const r = runDevices(SIZES.flatMap((i): Step[] => [out(0x70, i), inp(0x71)]), { ramMiB: 6144 });
    expect(r.map(Number)).toEqual([0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0xbf, 0x00, 0xc0, 0x00]);
  });
});

describe("start time, alarm and interrupt timers (probe)", () => {
  const read = (i: number): Step[] => [out(0x70, i), inp(0x71)];
  const write = (i: number, v: number): Step[] => [out(0x70, i), out(0x71, v)];
  const time = TIME.flatMap(read);

  it("a start time of 1700000000 reads 2023-11-14 22:13:20, Tuesday (day 3), in BCD and in binary", () => {
    const r = runDevices([...time, ...write(0x0b, 0x06), ...time], { rtcStart: 1700000000n });
    expect(r.map(Number)).toEqual([0x20, 0x13, 0x22, 0x03, 0x14, 0x11, 0x23, 0x20, 20, 13, 22, 3, 14, 11, 23, 20]);
  });

  it("the alarm at 00:00:05 fires its timer 5 s after the start, raising IRQ 8 (slave IRR bit 0); register C shows AF", () => {
    const r = runDevices([now, ...write(0x01, 0x05), ...write(0x03, 0x00), ...write(0x05, 0x00), ...write(0x0b, 0x22), deadline,
      advance(4n * SECOND), runTimers, out(0xa0, 0x0a), inp(0xa0),
      advance(SECOND + 10_000_000n), runTimers, out(0xa0, 0x0a), inp(0xa0), ...read(0x0c), deadline]);
    const [t0, d, fired0, irr0, fired1, irr1, c, d2] = r;
    expect(d - t0).toBeGreaterThanOrEqual(5n * SECOND - 100_000n);
    expect(d - t0).toBeLessThanOrEqual(5n * SECOND);
    // IRQF | PF | AF | UF: PF is set at the rate register A selects (RS 6,
    // the reset value) whether or not PIE is set (datasheet "Register C").
    expect([fired0, irr0, fired1, irr1, c]).toEqual([0n, 0n, 1n, 1n, 0xf0n]);
    // Read, register C rearms for the next day's 00:00:05.
    expect(d2 - d).toBeGreaterThanOrEqual(86400n * SECOND - 100_000n);
    expect(d2 - d).toBeLessThanOrEqual(86400n * SECOND + 100_000n);
  });

  it("an alarm of don't-care bytes (0xc0-0xff) matches every second", () => {
    const r = runDevices([now, ...write(0x01, 0xc0), ...write(0x03, 0xff), ...write(0x05, 0xc0), ...write(0x0b, 0x22), deadline]);
    expect(r[1] - r[0]).toBeLessThanOrEqual(SECOND);
    expect(r[1] - r[0]).toBeGreaterThan(0n);
  });

  it("the periodic interrupt (PIE, RS 6: 1024 Hz) arms the next edge after each read of register C, 1,953,125 ticks apart", () => {
    const r = runDevices([...write(0x0a, 0x70), ...write(0x0a, 0x26), ...write(0x0b, 0x42), deadline,
      advance(2_000_000), runTimers, deadline, ...read(0x0c), deadline]);
    const [d1, fired, none, c, d2] = r;
    expect([fired, none, c]).toEqual([1n, NONE, 0xc0n]);
    expect(d2 - d1).toBe(1_953_125n);
  });

  it("without enables nothing is armed, whatever the flags", () => {
    expect(runDevices([deadline, ...write(0x0a, 0x23), deadline, advance(SECOND), ...read(0x0c), deadline]))
      .toEqual([NONE, NONE, 0x50n, NONE]);
  });
});
