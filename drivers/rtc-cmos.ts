// The PC's real-time clock and CMOS RAM: a Motorola MC146818A (datasheet
// "MC146818A Real-Time Clock Plus RAM"), behind the index port 0x70 (bit 7
// masks NMI on the PC/AT) and the data port 0x71. 128 bytes: the time,
// calendar and alarm registers 0x00-0x09, registers A-D at 0x0A-0x0D, and
// RAM, where a BIOS leaves the memory sizes and the century (IBM PC/AT
// CMOS map; the ACPI FADT's CENTURY field names 0x32).
//
// Time is a count of the 32.768 kHz time base since 1600-03-01
// (drivers/calendar.ts) — seconds in the high bits, the divider's phase
// in the low 15 — derived from clock.now() on each access, so the
// registers, UIP and the interrupt flags are right whenever they are read,
// with or without a timer. The update cycle is taken as instantaneous at
// each second; UIP is high for the 244 µs before it (tBUC, datasheet
// "Update Cycle"), as QEMU models it. The flags PF, AF, UF are set as the
// datasheet's Register C says, whatever the enable bits; IRQF and IRQ 8
// follow IRQF = PF·PIE + AF·AIE + UF·UIE, and one Timer is armed for the
// next event that would raise it. The line stays high until register C is
// read. Not modelled: DSE (the 1980s US daylight-saving jumps; the bit is
// kept), the SQW pin (SQWE is kept), the test divider settings (every DV
// value but the reset ones counts at 32.768 kHz), and a guest's own day of
// the week (it is computed from the date). A change of DM or 24/12 shows
// the same time in the new format (the chip would not convert).
import { PortDevice } from "../kernel/vm/port-bus";
import { IrqLine } from "../kernel/vm/irq";
import { Clock, Timer, TimerClient, NEVER } from "../kernel/vm/clock";
import { clocksIn, ticksFor, tscHzOf } from "./time-scale";
import { DateTime, dateOf, secondsOf, nextTimeOfDay, UNIX_EPOCH } from "./calendar";

export const RTC_BASE: u32 = 0x70;
const NMI_DISABLE: u32 = 0x80;       // port 0x70 bit 7 (PC/AT)
const TIME_BASE_HZ: u64 = 32768;
const PHASE_BITS: u64 = 15;
const PHASE_MASK: u64 = 0x7fff;
const HALF_SECOND: u64 = 16384;
// UIP rises this many time-base cycles before the update: 244.140625 µs.
const UIP_CYCLES: u64 = 8;

// Register indices (datasheet "Address Map").
const SECONDS: u32 = 0x00;
const SECONDS_ALARM: u32 = 0x01;
const MINUTES: u32 = 0x02;
const MINUTES_ALARM: u32 = 0x03;
const HOURS: u32 = 0x04;
const HOURS_ALARM: u32 = 0x05;
const DAY_OF_WEEK: u32 = 0x06;
const DAY_OF_MONTH: u32 = 0x07;
const MONTH: u32 = 0x08;
const YEAR: u32 = 0x09;
const REG_A: u32 = 0x0a;
const REG_B: u32 = 0x0b;
const REG_C: u32 = 0x0c;
const REG_D: u32 = 0x0d;
const CENTURY: u32 = 0x32;
// Register A: UIP (read-only), DV2-DV0 (11x holds the divider in reset),
// RS3-RS0 (the periodic rate, datasheet "Periodic Interrupt Rate").
const A_UIP: u32 = 0x80;
// Register B.
const B_SET: u32 = 0x80;
const B_PIE: u32 = 0x40;
const B_AIE: u32 = 0x20;
const B_UIE: u32 = 0x10;
const B_SQWE: u32 = 0x08;
const B_DM_BINARY: u32 = 0x04;
const B_24_HOUR: u32 = 0x02;
// Register C; PF, AF, UF sit where PIE, AIE, UIE sit in register B.
const C_IRQF: u32 = 0x80;
const C_PF: u32 = 0x40;
const C_AF: u32 = 0x20;
const C_UF: u32 = 0x10;
const C_FLAGS: u32 = 0x70;
// Register D: VRT, valid RAM and time (Linux's rtc-cmos warns on anything else).
const D_VRT: u32 = 0x80;
const HOUR_PM: u32 = 0x80;
// An alarm byte of 11xxxxxx matches every value ("don't care").
const ALARM_DONT_CARE: u32 = 0xc0;

@inline function toBcd(v: u32): u32 { return (v / 10) << 4 | v % 10; }
@inline function fromBcd(v: u32): u32 { return (v >> 4) * 10 + (v & 0xf); }

// The RTC's Timer calls back here.
class RtcTimer extends TimerClient {
  rtc: RtcCmos | null = null;
  expire(timer: Timer, now: u64): void {
    const rtc = this.rtc;
    if (rtc !== null) rtc.expire(now);
  }
}

export class RtcCmos extends PortDevice {
  ram: StaticArray<u8> = new StaticArray<u8>(128);
  index: u32 = 0;
  nmiDisabled: bool = false;
  regA: u32 = 0x26;          // DV 010 (32.768 kHz), RS 0110 (1024 Hz): what a PC BIOS leaves
  regB: u32 = B_24_HOUR;     // BCD, 24-hour, no interrupts
  regC: u32 = 0;
  // The time base: `anchorCycles` at guest TSC `anchorTsc`, and counting
  // unless the divider is held in reset.
  anchorCycles: u64 = 0;
  anchorTsc: u64 = 0;
  dividerReset: bool = false;
  seenCycles: u64 = 0;       // events up to here are in register C
  held: DateTime = new DateTime();   // the registers while SET stops updates
  scratch: DateTime = new DateTime();
  timer: Timer;

  constructor(public clock: Clock, public irq: IrqLine, unixSeconds: u64) {
    super();
    const client = new RtcTimer();
    this.timer = clock.add(new Timer(client));
    client.rtc = this;
    this.setTime(unixSeconds);
  }

  name(): string { return "rtc-cmos"; }

  // Port 0x70 takes the index (a write-only register: a read floats) and
  // the NMI mask; 0x71 is the data of the indexed register.
  read(offset: u32, size: u32): u32 {
    if (offset == 0) return 0xff;
    return this.readData(this.clock.now());
  }

  write(offset: u32, size: u32, value: u32): void {
    if (offset == 0) {
      this.index = value & 0x7f;
      this.nmiDisabled = (value & NMI_DISABLE) != 0;
    } else {
      this.writeData(value, this.clock.now());
    }
  }

  // Start the clock at `unixSeconds` (seconds since 1970-01-01 00:00:00 in
  // the time zone the guest expects the RTC in; PCs keep local time or
  // UTC), at the start of a second.
  // Events not yet seen in register C are dropped.
  setTime(unixSeconds: u64): void {
    const now = this.clock.now();
    this.rebase((unixSeconds + UNIX_EPOCH) << PHASE_BITS, now);
    this.rearm(now);
  }

  // The machine was reset (the guest rebooted in place, kernel/run-guest.ts)
  // and this RTC, the next boot's, takes over `old`'s battery-backed state:
  // the time and calendar, with the divider's phase, registers A and B,
  // and the RAM with the alarm — what the chip's RESET leaves alone. What
  // RESET clears (datasheet "RESET": PIE, AIE, UIE and SQWE in register B,
  // IRQF, PF, AF and UF in register C) is clear, so IRQ 8 stays low and no
  // timer is armed until the new boot enables an interrupt (as QEMU's RTC
  // resets). The index and the NMI mask at port 0x70 start over.
  takeOver(old: RtcCmos): void {
    for (let i = 0; i < 128; i++) this.ram[i] = old.ram[i];
    this.regA = old.regA;
    this.regB = old.regB & ~(B_PIE | B_AIE | B_UIE | B_SQWE);
    this.regC = 0;
    this.dividerReset = old.dividerReset;
    this.held = old.held;
    // The time base counts on across the reset: `old` reads its own clock,
    // whose offset the last boot may have moved.
    const now = this.clock.now();
    this.rebase(old.cycles(old.clock.now()), now);
    this.rearm(now);
  }

  // What a BIOS leaves in CMOS RAM for the guest's memory (IBM PC/AT CMOS
  // map, as SeaBIOS and QEMU fill it): base memory in KiB (0x15-0x16, 640),
  // extended memory above 1 MiB in KiB up to 64 MiB (0x17-0x18 and
  // 0x30-0x31, at most 0xFFFF), memory above 16 MiB below 4 GiB in 64 KiB
  // units (0x34-0x35), and above 4 GiB in 64 KiB units (0x5b-0x5d).
  setMemorySize(below4g: u64, above4g: u64): void {
    const base: u64 = below4g < (640 << 10) ? below4g >> 10 : 640;
    let ext: u64 = below4g > (1 << 20) ? (below4g - (1 << 20)) >> 10 : 0;
    if (ext > 0xffff) ext = 0xffff;
    let high: u64 = below4g > (16 << 20) ? (below4g - (16 << 20)) >> 16 : 0;
    if (high > 0xffff) high = 0xffff;
    const above: u64 = above4g >> 16;
    this.put16(0x15, base);
    this.put16(0x17, ext);
    this.put16(0x30, ext);
    this.put16(0x34, high);
    this.put16(0x5b, above);
    this.ram[0x5d] = <u8>(above >> 16);
  }

  @inline private put16(at: i32, v: u64): void {
    this.ram[at] = <u8>v;
    this.ram[at + 1] = <u8>(v >> 8);
  }

  // ---- the time base ----

  cycles(now: u64): u64 {
    if (this.dividerReset || now < this.anchorTsc) return this.anchorCycles;
    return this.anchorCycles + clocksIn(now - this.anchorTsc, TIME_BASE_HZ, tscHzOf(this.clock.tscKhz));
  }

  private rebase(cycles: u64, now: u64): void {
    this.anchorCycles = cycles;
    this.anchorTsc = now;
    this.seenCycles = cycles;
  }

  @inline private updating(): bool {
    return (this.regB & B_SET) == 0 && !this.dividerReset;
  }

  // Time-base cycles per periodic interrupt: RS 1 and 2 give 256 and 128 Hz,
  // RS 3-15 give 65536 >> RS Hz, RS 0 none (datasheet "Periodic Interrupt
  // Rate and Square-Wave Output Frequency", 32.768 kHz time base).
  private periodCycles(): u64 {
    const rs = this.regA & 0x0f;
    if (rs == 0) return 0;
    if (rs <= 2) return <u64>1 << (rs + 6);
    return <u64>1 << (rs - 1);
  }

  // Bring register C up to `now`: a periodic edge, an update and an alarm
  // match since the last look set PF, UF and AF (datasheet "Register C").
  private catchUp(now: u64): void {
    const c = this.cycles(now);
    const seen = this.seenCycles;
    if (c > seen) {
      const p = this.periodCycles();
      if (p != 0 && c / p != seen / p) this.regC |= C_PF;
      if (this.updating() && (c >> PHASE_BITS) != (seen >> PHASE_BITS)) {
        this.regC |= C_UF;
        if (this.nextAlarm(seen >> PHASE_BITS) <= (c >> PHASE_BITS)) this.regC |= C_AF;
      }
      this.seenCycles = c;
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    const irqf = (this.regC & this.regB & C_FLAGS) != 0;
    if (irqf == ((this.regC & C_IRQF) != 0)) return;
    if (irqf) {
      this.regC |= C_IRQF;
      this.irq.raise();
    } else {
      this.regC &= ~C_IRQF;
      this.irq.lower();
    }
  }

  // Arm the timer for the first event that would raise IRQ 8; none while
  // it is raised already (register C must be read first).
  private rearm(now: u64): void {
    this.clock.cancel(this.timer);
    const tscHz = tscHzOf(this.clock.tscKhz);
    if ((this.regC & C_IRQF) != 0 || this.dividerReset || tscHz == 0) return;
    const c = this.cycles(now);
    let target = NEVER;
    const p = this.periodCycles();
    if ((this.regB & B_PIE) != 0 && p != 0) target = (c / p + 1) * p;
    if (this.updating()) {
      const second = c >> PHASE_BITS;
      if ((this.regB & B_UIE) != 0) {
        const next = (second + 1) << PHASE_BITS;
        if (next < target) target = next;
      }
      if ((this.regB & B_AIE) != 0) {
        const a = this.nextAlarm(second);
        if (a != NEVER && (a << PHASE_BITS) < target) target = a << PHASE_BITS;
      }
    }
    if (target == NEVER) return;
    this.clock.arm(this.timer, this.anchorTsc + ticksFor(target - this.anchorCycles, TIME_BASE_HZ, tscHz));
  }

  expire(now: u64): void {
    this.catchUp(now);
    this.rearm(now);
  }

  // ---- the alarm ----

  // An alarm byte as a value, -1 for "don't care", -2 if it can never match.
  private alarmField(at: i32, limit: u32, hours: bool): i32 {
    const raw = <u32>this.ram[at];
    if ((raw & ALARM_DONT_CARE) == ALARM_DONT_CARE) return -1;
    let v = raw;
    let pm = false;
    if (hours && (this.regB & B_24_HOUR) == 0) {
      pm = (v & HOUR_PM) != 0;
      v &= ~HOUR_PM;
    }
    if ((this.regB & B_DM_BINARY) == 0) {
      if ((v & 0xf) > 9) return -2;
      v = fromBcd(v);
    }
    if (hours && (this.regB & B_24_HOUR) == 0) {
      if (v < 1 || v > 12) return -2;
      v = v % 12 + (pm ? 12 : 0);
    }
    return v < limit ? <i32>v : -2;
  }

  // The first second after `after` whose time of day matches the alarm
  // registers (datasheet "Alarm": an update that makes the time equal the
  // alarm, a don't-care byte matching anything), or NEVER.
  private nextAlarm(after: u64): u64 {
    const s = this.alarmField(SECONDS_ALARM, 60, false);
    const m = this.alarmField(MINUTES_ALARM, 60, false);
    const h = this.alarmField(HOURS_ALARM, 24, true);
    if (s == -2 || m == -2 || h == -2) return NEVER;
    return nextTimeOfDay(after, h, m, s);
  }

  // ---- registers ----

  private encode(v: u32): u32 { return (this.regB & B_DM_BINARY) != 0 ? v : toBcd(v); }
  private decode(v: u32): u32 { return (this.regB & B_DM_BINARY) != 0 ? v : fromBcd(v); }

  // The time as the registers show it: held while SET stops updates.
  private shown(now: u64): DateTime {
    if ((this.regB & B_SET) != 0) return this.held;
    dateOf(this.cycles(now) >> PHASE_BITS, this.scratch);
    return this.scratch;
  }

  private readTime(index: u32, now: u64): u32 {
    const t = this.shown(now);
    if (index == SECONDS) return this.encode(t.second);
    if (index == MINUTES) return this.encode(t.minute);
    if (index == HOURS) {
      if ((this.regB & B_24_HOUR) != 0) return this.encode(t.hour);
      const h12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
      return this.encode(h12) | (t.hour >= 12 ? HOUR_PM : 0);
    }
    if (index == DAY_OF_WEEK) return this.encode(t.weekday);
    if (index == DAY_OF_MONTH) return this.encode(t.day);
    if (index == MONTH) return this.encode(t.month);
    if (index == YEAR) return this.encode(t.year % 100);
    return this.encode(t.year / 100);   // CENTURY
  }

  // A write to a time register: into the held registers under SET, else
  // into the running time, keeping the divider's phase.
  private writeTime(index: u32, value: u32, now: u64): void {
    const setMode = (this.regB & B_SET) != 0;
    const c = this.cycles(now);
    const t = this.held;
    if (!setMode) dateOf(c >> PHASE_BITS, t);
    if (index == SECONDS) t.second = this.decode(value);
    else if (index == MINUTES) t.minute = this.decode(value);
    else if (index == HOURS) {
      if ((this.regB & B_24_HOUR) != 0) t.hour = this.decode(value);
      else t.hour = this.decode(value & ~HOUR_PM) % 12 + ((value & HOUR_PM) != 0 ? 12 : 0);
    } else if (index == DAY_OF_MONTH) t.day = this.decode(value);
    else if (index == MONTH) t.month = this.decode(value);
    else if (index == YEAR) t.year = t.year / 100 * 100 + this.decode(value) % 100;
    else if (index == CENTURY) t.year = this.decode(value) * 100 + t.year % 100;
    // DAY_OF_WEEK: computed from the date.
    if (!setMode) this.rebase((secondsOf(t) << PHASE_BITS) | (c & PHASE_MASK), now);
  }

  private writeA(value: u32, now: u64): void {
    const reset = (value & 0x60) == 0x60;   // DV2 DV1 = 11: divider reset
    if (reset && !this.dividerReset) {
      // The divider chain stops and its phase clears.
      this.rebase((this.cycles(now) >> PHASE_BITS) << PHASE_BITS, now);
      this.dividerReset = true;
    } else if (!reset && this.dividerReset) {
      // "The first update cycle begins one-half second later" (datasheet
      // "Divider Control").
      this.dividerReset = false;
      this.rebase(this.anchorCycles + HALF_SECOND, now);
    }
    this.regA = value & 0x7f;
    this.seenCycles = this.cycles(now);
  }

  private writeB(value: u32, now: u64): void {
    const was = this.regB;
    if ((value & B_SET) != 0) {
      // SET stops the updates and clears UIE (datasheet "Register B").
      value &= ~B_UIE;
      if ((was & B_SET) == 0) dateOf(this.cycles(now) >> PHASE_BITS, this.held);
    } else if ((was & B_SET) != 0) {
      // Updates resume from the registers as written, in the divider's phase.
      this.rebase((secondsOf(this.held) << PHASE_BITS) | (this.cycles(now) & PHASE_MASK), now);
    }
    this.regB = value;
  }

  readData(now: u64): u32 {
    this.catchUp(now);
    const i = this.index;
    let v: u32;
    if (i == REG_A) {
      const phase = this.cycles(now) & PHASE_MASK;
      v = this.regA | (this.updating() && phase >= (1 << PHASE_BITS) - UIP_CYCLES ? A_UIP : 0);
    } else if (i == REG_B) v = this.regB;
    else if (i == REG_C) {
      // Reading register C clears it, and IRQ 8 with it.
      v = this.regC;
      this.regC = 0;
      this.irq.lower();
    } else if (i == REG_D) v = D_VRT;
    else if (i == SECONDS_ALARM || i == MINUTES_ALARM || i == HOURS_ALARM) v = this.ram[i];
    else if (i <= YEAR || i == CENTURY) v = this.readTime(i, now);
    else v = this.ram[i];
    this.rearm(now);
    return v;
  }

  writeData(value: u32, now: u64): void {
    this.catchUp(now);
    const i = this.index;
    value &= 0xff;
    if (i == REG_A) this.writeA(value, now);
    else if (i == REG_B) this.writeB(value, now);
    else if (i == REG_C || i == REG_D) {
      // read-only
    } else if (i == SECONDS_ALARM || i == MINUTES_ALARM || i == HOURS_ALARM) this.ram[i] = <u8>value;
    else if (i <= YEAR || i == CENTURY) this.writeTime(i, value, now);
    else this.ram[i] = <u8>value;
    this.updateIrq();
    this.rearm(now);
  }
}
