// The 8254 programmable interval timer (Intel 8254 datasheet, order
// 231164) at 0x40-0x43, clocked at 1.193182 MHz as on every PC. Channel 0's
// OUT drives IRQ 0 (the IrqLine it is handed), channel 2's gate and OUT
// are wired to port 0x61 (drivers/port-b.ts), channel 1 (DRAM refresh on
// the PC) is there with nothing attached. A channel keeps only when its
// count was loaded and how many clocks it had counted before a pause; its
// count and OUT are derived from clock.now() on each read (the clock's
// guest TSC, kernel/vm/clock.ts), so nothing ticks. Channel 0 arms one
// Timer for its next OUT edge: at terminal count in modes 0, 1, 4, 5, and
// every period in modes 2 and 3 (late edges are merged into one pulse).
//
// Modes 0-5 as the datasheet's "Mode Definitions" (6 and 7 are 2 and 3:
// M2 is "don't care" there), binary and BCD counting, LSB/MSB/LSB-then-MSB
// access, the counter latch command and the read-back command with its
// status byte. Two simplifications: a new count always restarts the
// counter at once (in modes 2 and 3 the datasheet defers it to the end of
// the current period; QEMU's 8254 does the same), and a count of 1 in
// modes 2 and 3 is counted as 2. Before the first control word a channel
// reads as if 0x30 (mode 0, LSB then MSB, binary) had been written with no
// count: OUT low, count 0.
import { PortDevice } from "../kernel/vm/port-bus";
import { IrqLine } from "../kernel/vm/irq";
import { Clock, Timer, TimerClient } from "../kernel/vm/clock";
import { clocksIn, ticksFor, tscHzOf } from "./time-scale";

export const PIT_BASE: u32 = 0x40;
export const PIT_HZ: u64 = 1193182;

// Control word at A1 A0 = 11 (datasheet "Control Word Format"): SC1 SC0
// select the counter (11: read-back), RW1 RW0 the access (00: counter
// latch command), M2-M0 the mode, BCD.
const SC_READ_BACK: u32 = 3;
const RW_LATCH: u32 = 0;
const RW_LSB: u32 = 1;
const RW_MSB: u32 = 2;
const RW_LSB_MSB: u32 = 3;
// Read-back command (datasheet "Read-Back Command"): 1 1 COUNT# STATUS#
// CNT2 CNT1 CNT0 0; COUNT# and STATUS# are active low.
const RB_NO_COUNT: u32 = 0x20;
const RB_NO_STATUS: u32 = 0x10;
// Status byte (datasheet "Status Byte"): OUTPUT, NULL COUNT, then the
// programmed RW, M and BCD bits exactly as written.
const STATUS_OUTPUT: u32 = 0x80;
const STATUS_NULL_COUNT: u32 = 0x40;

function bcdToBinary(v: u32): u32 {
  return (v >> 12 & 0xf) * 1000 + (v >> 8 & 0xf) * 100 + (v >> 4 & 0xf) * 10 + (v & 0xf);
}
function binaryToBcd(v: u32): u32 {
  return (v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10;
}

export class PitChannel extends TimerClient {
  control: u32 = 0x30;     // RW, M and BCD bits as last programmed
  mode: u32 = 0;           // M2-M0 with 6 and 7 folded onto 2 and 3
  count: u32 = 0;          // the count register, in binary (0: the full range)
  loaded: bool = false;    // a count was written since the control word
  start: u64 = 0;          // guest TSC at which counting (re)started
  counted: u64 = 0;        // clocks counted before `start` (a pause in modes 0 and 4)
  running: bool = false;
  gate: bool = true;       // channels 0 and 1 have GATE tied high on the PC
  triggered: bool = false; // modes 1 and 5: a gate rising edge has started the count
  lsbWritten: bool = false;// LSB-then-MSB: the write flip-flop
  lsb: u32 = 0;
  readMsb: bool = false;   // LSB-then-MSB: the read flip-flop
  latchState: u32 = 0;     // latched count: 0 none, 1 LSB next, 2 MSB next
  latched: u32 = 0;
  statusLatched: bool = false;
  status: u32 = 0;
  timer: Timer | null = null;

  constructor(public clock: Clock, public irq: IrqLine | null) {
    super();
    if (irq !== null) this.timer = clock.add(new Timer(this));
  }

  @inline private rw(): u32 { return (this.control >> 4) & 3; }
  @inline private bcd(): bool { return (this.control & 1) != 0; }
  @inline private range(): u32 { return this.bcd() ? 10000 : 65536; }
  // The count as a number of clocks (0 stands for the full range).
  @inline private full(): u32 { return this.count == 0 ? this.range() : this.count; }
  @inline private period(): u32 { const n = this.full(); return n < 2 ? 2 : n; }
  @inline private hardwareTriggered(): bool { return this.mode == 1 || this.mode == 5; }

  // Clocks since the count was loaded: 0 until the first CLK after the
  // write, which moves the count register into the counting element
  // (datasheet "Mode Definitions": "CLK pulse ... loads CE").
  elapsed(now: u64): u64 {
    if (!this.running || now < this.start) return this.counted;
    return this.counted + clocksIn(now - this.start, PIT_HZ, tscHzOf(this.clock.tscKhz));
  }

  // OUT, per mode (datasheet "Mode Definitions" and "Gate Pin Operations
  // Summary"): mode 0 goes high N + 1 clocks after the count is written
  // and stays high; mode 1 goes low on the clock after a trigger, high at
  // terminal count; mode 2 is low for the one clock where the count is 1;
  // mode 3 is high for the first (N + 1) / 2 clocks of each period, low for
  // the rest; modes 4 and 5 are low for the one clock after terminal count.
  // GATE low holds OUT high in modes 2 and 3.
  out(now: u64): bool {
    const m = this.mode;
    if (m == 0) return this.loaded && !this.lsbWritten && this.elapsed(now) > <u64>this.full();
    if (m == 2 || m == 3) {
      if (!this.loaded || !this.gate) return true;
      const k = this.elapsed(now);
      if (k == 0) return true;
      const p = <u64>this.period();
      const phase = (k - 1) % p;
      return m == 2 ? phase != p - 1 : phase < (p + 1) / 2;
    }
    if (!this.loaded || (this.hardwareTriggered() && !this.triggered)) return true;
    const k = this.elapsed(now);
    const n = <u64>this.full();
    if (m == 1) return k == 0 || k > n;
    return k != n + 1;
  }

  // The counting element now, in binary: modes 0, 1, 4, 5 count down from
  // N and wrap; mode 2 counts N..1; mode 3 counts down by two, from N for
  // an even N, from N - 1 in each half for an odd one (datasheet "Mode 3").
  current(now: u64): u32 {
    if (!this.loaded) return 0;
    const k = this.elapsed(now);
    if (k == 0) return this.count;
    const range = <u64>this.range();
    let v: u64;
    if (this.mode == 2) {
      const p = <u64>this.period();
      v = p - (k - 1) % p;
    } else if (this.mode == 3) {
      const p = <u64>this.period();
      const phase = (k - 1) % p;
      if ((p & 1) == 0) v = p - 2 * (phase % (p / 2));
      else {
        const high = (p + 1) / 2;
        v = (p - 1) - 2 * (phase < high ? phase : phase - high);
      }
    } else {
      v = (<u64>this.full() + range - (k - 1) % range) % range;
    }
    return <u32>(v % range);
  }

  @inline private encoded(now: u64): u32 {
    const v = this.current(now);
    return this.bcd() ? binaryToBcd(v) : v;
  }

  nullCount(now: u64): bool {
    if (!this.loaded || (this.hardwareTriggered() && !this.triggered)) return true;
    return this.elapsed(now) == 0;
  }

  // A control word for this channel: the mode is set, every latch and
  // flip-flop resets, and the channel waits for a count (datasheet
  // "Programming the 8254": "all Control Logic is immediately reset").
  program(value: u32, now: u64): void {
    this.control = value & 0x3f;
    const m = (value >> 1) & 7;
    this.mode = m >= 6 ? m - 4 : m;
    this.loaded = false;
    this.running = false;
    this.counted = 0;
    this.triggered = false;
    this.lsbWritten = false;
    this.readMsb = false;
    this.latchState = 0;
    this.statusLatched = false;
    this.rearm(now);
  }

  writeCount(value: u32, now: u64): void {
    value &= 0xff;
    const rw = this.rw();
    if (rw == RW_LSB) this.load(value, now);
    else if (rw == RW_MSB) this.load(value << 8, now);
    else if (!this.lsbWritten) {
      this.lsb = value;
      this.lsbWritten = true;
      // Mode 0: "writing the first byte disables counting", OUT goes low.
      if (this.mode == 0) {
        this.counted = this.elapsed(now);
        this.running = false;
        this.rearm(now);
      }
    } else {
      this.lsbWritten = false;
      this.load(this.lsb | value << 8, now);
    }
  }

  // A whole count is in the count register: counting starts over on the
  // next clock (modes 0, 2, 3, 4 with GATE high), or waits for a trigger
  // (modes 1 and 5).
  private load(raw: u32, now: u64): void {
    this.count = this.bcd() ? bcdToBinary(raw) : raw;
    this.loaded = true;
    this.counted = 0;
    this.start = now;
    this.triggered = false;
    this.running = !this.hardwareTriggered() && this.gate;
    this.rearm(now);
  }

  // GATE (datasheet "Gate Pin Operations Summary"): low pauses counting in
  // modes 0 and 4; in modes 2 and 3 low stops it (OUT high) and the rising
  // edge reloads the count; in modes 1 and 5 the rising edge triggers.
  setGate(high: bool, now: u64): void {
    if (high == this.gate) return;
    this.gate = high;
    const m = this.mode;
    if (m == 0 || m == 4) {
      if (high) {
        this.start = now;
        this.running = this.loaded && !(m == 0 && this.lsbWritten);
      } else {
        this.counted = this.elapsed(now);
        this.running = false;
      }
    } else if (m == 2 || m == 3) {
      this.counted = high ? 0 : this.elapsed(now);
      this.start = now;
      this.running = high && this.loaded;
    } else if (high && this.loaded) {
      this.counted = 0;
      this.start = now;
      this.running = true;
      this.triggered = true;
    }
    this.rearm(now);
  }

  // Counter latch command: the count is held for reading until it has been
  // read; a second latch before that is ignored (datasheet "Counter Latch
  // Command").
  latchCount(now: u64): void {
    if (this.latchState != 0) return;
    this.latched = this.encoded(now);
    this.latchState = this.rw() == RW_MSB ? 2 : 1;
  }

  latchStatus(now: u64): void {
    if (this.statusLatched) return;
    this.status = (this.out(now) ? STATUS_OUTPUT : 0) | (this.nullCount(now) ? STATUS_NULL_COUNT : 0) | this.control;
    this.statusLatched = true;
  }

  // A read: a latched status first, then a latched count, else the count
  // as it stands (datasheet "Read Operations").
  read(now: u64): u32 {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.status;
    }
    const rw = this.rw();
    if (this.latchState == 1) {
      this.latchState = rw == RW_LSB_MSB ? 2 : 0;
      return this.latched & 0xff;
    }
    if (this.latchState == 2) {
      this.latchState = 0;
      return this.latched >> 8;
    }
    const v = this.encoded(now);
    if (rw == RW_LSB) return v & 0xff;
    if (rw == RW_MSB) return v >> 8;
    this.readMsb = !this.readMsb;
    return this.readMsb ? v & 0xff : v >> 8;
  }

  // Channel 0: drive IRQ 0 from OUT and arm the timer for the next edge.
  // In modes 0 and 1 the line follows OUT (high from terminal count until
  // the channel is reprogrammed); in the others it rests low and pulses
  // where OUT rises, which is all an edge-triggered IRQ 0 sees.
  private rearm(now: u64): void {
    const irq = this.irq;
    const timer = this.timer;
    if (irq === null || timer === null) return;
    this.clock.cancel(timer);
    const m = this.mode;
    let target: u64 = 0; // the clock count of the next edge; 0: none
    if (m == 0 || m == 1) {
      if (this.out(now)) irq.raise();
      else {
        irq.lower();
        if (this.running && !this.lsbWritten) target = <u64>this.full() + 1;
      }
    } else {
      irq.lower();
    }
    if (m != 0 && m != 1 && this.running) {
      const k = this.elapsed(now);
      if (m == 2 || m == 3) {
        const p = <u64>this.period();
        target = (k == 0 ? 1 : (k - 1) / p + 1) * p + 1;
      } else if (k <= <u64>this.full()) {
        target = <u64>this.full() + 1;
      }
    }
    const tscHz = tscHzOf(this.clock.tscKhz);
    if (target == 0 || tscHz == 0) return;
    this.clock.arm(timer, this.start + ticksFor(target - this.counted, PIT_HZ, tscHz));
  }

  expire(timer: Timer, now: u64): void {
    const irq = this.irq;
    if (irq !== null && this.mode != 0 && this.mode != 1) irq.pulse();
    this.rearm(now);
  }
}

export class I8254 extends PortDevice {
  ch0: PitChannel;
  ch1: PitChannel;
  ch2: PitChannel;

  constructor(public clock: Clock, irq0: IrqLine) {
    super();
    this.ch0 = new PitChannel(clock, irq0);
    this.ch1 = new PitChannel(clock, null);
    this.ch2 = new PitChannel(clock, null);
  }

  name(): string { return "i8254"; }

  channel(i: u32): PitChannel {
    return i == 0 ? this.ch0 : i == 1 ? this.ch1 : this.ch2;
  }

  // A1 A0 = 11 reads nothing: the control word register is write-only
  // (datasheet "Read/Write Operations Summary": no-operation, 3-state),
  // and an undriven bus reads all-ones.
  read(offset: u32, size: u32): u32 {
    if (offset == 3) return 0xff;
    return this.channel(offset).read(this.clock.now());
  }

  write(offset: u32, size: u32, value: u32): void {
    const now = this.clock.now();
    value &= 0xff;
    if (offset != 3) {
      this.channel(offset).writeCount(value, now);
      return;
    }
    const sc = value >> 6;
    if (sc == SC_READ_BACK) {
      for (let i: u32 = 0; i < 3; i++) {
        if ((value & (2 << i)) == 0) continue;
        const ch = this.channel(i);
        if ((value & RB_NO_COUNT) == 0) ch.latchCount(now);
        if ((value & RB_NO_STATUS) == 0) ch.latchStatus(now);
      }
    } else if (((value >> 4) & 3) == RW_LATCH) {
      this.channel(sc).latchCount(now);
    } else {
      this.channel(sc).program(value, now);
    }
  }

  // Channel 2's GATE and OUT, for port 0x61.
  setGate2(high: bool): void { this.ch2.setGate(high, this.clock.now()); }
  out2(): bool { return this.ch2.out(this.clock.now()); }
}
