// The local APIC timer (Intel SDM Vol. 3A §12.5.4): one-shot, periodic and
// TSC-deadline modes, on the VM clock (kernel/vm/clock.ts). Nothing ticks:
// the current count is derived from clock.now() on each read, and one clock
// Timer is armed for the next interrupt.
//
// The timer counts at the TSC rate / 8 (LAPIC_TIMER_TSC_SHIFT), then by the
// divide configuration. An exact power-of-two ratio keeps the timer and the
// TSC in step with no rounding and no drift (counts are TSC ticks shifted
// right), and the frequency is one a guest can be told exactly: TSC Hz / 8
// is an integer for any TSC rate in kHz, which CPUID 15H will need (the
// crystal clock is the APIC timer's clock there: TSC = crystal × EBX / EAX
// with EAX = 1, EBX = 8). At a few GHz it is a few hundred MHz, the order of
// a real bus clock; tsvisor's CPUID leaf 40000001H gives it in EBX.
import { Clock, Timer, TimerClient } from "../../kernel/vm/clock";
import { SOURCE_LAPIC_TIMER } from "../../kernel/vm/irq";
import { LapicRegisters, LVT_TIMER, LVT_TIMER_MODE_SHIFT } from "./lapic-registers";

export const LAPIC_TIMER_TSC_SHIFT: u32 = 3;

// The timer's input clock in kHz, rounded down (exact where the TSC rate in
// kHz is a multiple of 8).
export function lapicTimerKhz(tscKhz: u32): u32 { return tscKhz >> LAPIC_TIMER_TSC_SHIFT; }

// LVT timer mode, bits 18:17 (SDM §12.5.1, Figure 12-8); 11b is reserved and
// counts as one-shot here.
export const TIMER_ONE_SHOT: u32 = 0;
export const TIMER_PERIODIC: u32 = 1;
export const TIMER_TSC_DEADLINE: u32 = 2;

// Divide configuration register (SDM §12.5.4, Figure 12-10): bits 3, 1, 0
// select 2, 4, 8, 16, 32, 64, 128 or (1011b) 1.
const DIVIDE_BITS: u32 = 0xb;

export class LapicTimer extends TimerClient {
  timer!: Timer;
  initial: u32 = 0;      // initial-count register
  divide: u32 = 0;       // divide configuration register
  shift: u32 = LAPIC_TIMER_TSC_SHIFT + 1; // log2 of TSC ticks per count (divide by 2)
  start: u64 = 0;        // guest TSC from which `counted` goes on
  counted: u64 = 0;      // counts of this period before `start` (a divide change)
  running: bool = false; // one-shot or periodic counting
  tscDeadline: u64 = 0;  // IA32_TSC_DEADLINE (SDM §12.5.4.1)

  constructor(public clock: Clock, public regs: LapicRegisters) {
    super();
    this.timer = clock.add(new Timer(this));
  }

  reset(): void {
    this.clock.cancel(this.timer);
    this.initial = 0;
    this.divide = 0;
    this.shift = LAPIC_TIMER_TSC_SHIFT + 1;
    this.running = false;
    this.counted = 0;
    this.tscDeadline = 0;
  }

  mode(): u32 {
    const m = (unchecked(this.regs.lvt[LVT_TIMER]) >> LVT_TIMER_MODE_SHIFT) & 3;
    return m == 3 ? TIMER_ONE_SHOT : m;
  }

  // Counts of the current period (or of the one-shot count) by `now`.
  private elapsed(now: u64): u64 {
    return this.counted + (now < this.start ? 0 : (now - this.start) >> this.shift);
  }

  // The current-count register (SDM §12.5.4, Figure 12-11): counting down
  // from the initial count; one-shot stops at 0, periodic reloads. Always
  // 0 in TSC-deadline mode (SDM §12.5.4.1).
  current(now: u64): u32 {
    if (!this.running || this.initial == 0 || this.mode() == TIMER_TSC_DEADLINE) return 0;
    const k = this.elapsed(now);
    const n = <u64>this.initial;
    if (this.mode() == TIMER_PERIODIC) return <u32>(n - k % n);
    return k >= n ? 0 : <u32>(n - k);
  }

  // A write to the initial-count register starts counting from it; 0 stops
  // the timer. Ignored in TSC-deadline mode (SDM §12.5.4, §12.5.4.1).
  writeInitial(value: u32, now: u64): void {
    if (this.mode() == TIMER_TSC_DEADLINE) return;
    this.initial = value;
    this.start = now;
    this.counted = 0;
    this.running = value != 0;
    this.arm();
  }

  // A new divide value: the count goes on from where it is, at the new rate.
  writeDivide(value: u32, now: u64): void {
    this.divide = value & DIVIDE_BITS;
    const n = (this.divide & 3) | ((this.divide >> 1) & 4);
    const newShift = LAPIC_TIMER_TSC_SHIFT + ((n + 1) & 7);
    if (this.running && this.initial != 0) {
      let k = this.elapsed(now);
      if (this.mode() == TIMER_PERIODIC) k %= <u64>this.initial;
      else if (k > <u64>this.initial) k = <u64>this.initial;
      this.counted = k;
      this.start = now;
    }
    this.shift = newShift;
    this.arm();
  }

  // The LVT timer entry changed from `oldLvt`. Moving into or out of
  // TSC-deadline mode disarms the timer (SDM §12.5.4.1), clearing the
  // initial count and IA32_TSC_DEADLINE; one-shot and periodic go on
  // counting in the new mode.
  lvtChanged(oldLvt: u32): void {
    const was = (oldLvt >> LVT_TIMER_MODE_SHIFT) & 3;
    const wasDeadline = was == TIMER_TSC_DEADLINE;
    if (wasDeadline != (this.mode() == TIMER_TSC_DEADLINE)) {
      this.clock.cancel(this.timer);
      this.initial = 0;
      this.running = false;
      this.tscDeadline = 0;
    }
  }

  // IA32_TSC_DEADLINE (SDM §12.5.4.1): outside TSC-deadline mode reads are 0
  // and writes ignored; a write of 0 disarms; a deadline already past
  // fires at once (the next run of the clock's timers).
  readDeadline(): u64 { return this.mode() == TIMER_TSC_DEADLINE ? this.tscDeadline : 0; }
  writeDeadline(value: u64): void {
    if (this.mode() != TIMER_TSC_DEADLINE) return;
    this.tscDeadline = value;
    if (value == 0) this.clock.cancel(this.timer);
    else this.clock.arm(this.timer, value);
  }

  private arm(): void {
    if (!this.running || this.initial == 0) {
      this.clock.cancel(this.timer);
      return;
    }
    const n = <u64>this.initial;
    // The end of the current period (periodic) or of the count (one-shot).
    const left = this.counted >= n ? (this.mode() == TIMER_PERIODIC ? n - this.counted % n : 0) : n - this.counted;
    this.clock.arm(this.timer, this.start + (left << this.shift));
  }

  // The count reached 0, or the TSC the deadline: the LVT timer interrupt
  // (unless masked; the timer counts on regardless, SDM §12.5.1). Periodic
  // reloads for the next period; periods missed while the vCPU could not
  // take them are merged into this one interrupt. One-shot stops, and
  // TSC-deadline clears IA32_TSC_DEADLINE (SDM §12.5.4.1).
  expire(timer: Timer, now: u64): void {
    const mode = this.mode();
    if (mode == TIMER_TSC_DEADLINE) {
      this.tscDeadline = 0;
    } else if (mode == TIMER_PERIODIC && this.running && this.initial != 0) {
      // The next period starts where this one ended, or at the last period
      // boundary before now.
      const period = <u64>this.initial << this.shift;
      const n = <u64>this.initial;
      let end = this.start + ((n - this.counted % n) << this.shift);
      if (now > end) end += (now - end) / period * period;
      this.start = end;
      this.counted = 0;
      this.clock.arm(this.timer, end + period);
    } else {
      this.running = false;
    }
    this.regs.acceptLvt(LVT_TIMER, SOURCE_LAPIC_TIMER);
  }
}
