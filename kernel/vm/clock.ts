// Time for one VM, in one place: the guest's TSC, and every device timer's
// next deadline on it. Devices (PIT, RTC, local APIC timer) arm their
// Timer here and ask the clock for the time; they never read the TSC
// themselves. The vCPU loop runs what has expired on every exit and
// programs the one host mechanism (the host's local APIC timer, or the VMX
// preemption timer) for the earliest deadline, so timers fire on time
// whatever the guest does.
import { rdtsc } from "../hal/imports";

export const NEVER: u64 = 0xffffffffffffffff;

export abstract class TimerClient {
  // `timer` reached its deadline (now >= deadline); it is disarmed first,
  // so a periodic client re-arms it here.
  abstract expire(timer: Timer, now: u64): void;
}

export class Timer {
  deadline: u64 = NEVER;
  constructor(public client: TimerClient) {}
}

export class Clock {
  private timers: Array<Timer> = new Array<Timer>();
  // The earliest deadline, kept up to date by arm/cancel so that the exit
  // path neither scans the timers nor fires any while nothing is due;
  // `stale` when the earliest timer moved later or went away.
  private earliest: u64 = NEVER;
  private stale: bool = false;
  // Guest TSC = host TSC + offset (SDM Vol. 3C §26.6.5 "TSC offsetting";
  // the guest's WRMSR to IA32_TSC moves it).
  offset: u64 = 0;

  constructor(public tscKhz: u32) {}

  now(): u64 { return rdtsc() + this.offset; }

  // Register a device's timer once, when the device is made.
  add(timer: Timer): Timer {
    this.timers.push(timer);
    return timer;
  }
  arm(timer: Timer, deadline: u64): void {
    if (timer.deadline == this.earliest && deadline > timer.deadline) this.stale = true;
    timer.deadline = deadline;
    if (deadline < this.earliest) this.earliest = deadline;
  }
  cancel(timer: Timer): void {
    if (timer.deadline == this.earliest) this.stale = true;
    timer.deadline = NEVER;
  }

  // TSC ticks for `count` periods of a `hz` clock (e.g. PIT counts at
  // 1193182 Hz), rounded down; 0 if the TSC frequency is unknown.
  ticksFor(count: u64, hz: u64): u64 {
    return count * <u64>this.tscKhz * 1000 / hz;
  }
  // The inverse: whole periods of a `hz` clock in `ticks` TSC ticks.
  periodsIn(ticks: u64, hz: u64): u64 {
    return this.tscKhz == 0 ? 0 : ticks * hz / (<u64>this.tscKhz * 1000);
  }

  nextDeadline(): u64 {
    if (!this.stale) return this.earliest;
    let next = NEVER;
    for (let i = 0; i < this.timers.length; i++) {
      const d = unchecked(this.timers[i]).deadline;
      if (d < next) next = d;
    }
    this.earliest = next;
    this.stale = false;
    return next;
  }

  // Fire every timer whose deadline has passed; returns how many fired.
  runExpired(): u32 {
    const now = this.now();
    if (this.nextDeadline() > now) return 0;
    let fired: u32 = 0;
    for (let i = 0; i < this.timers.length; i++) {
      const t = unchecked(this.timers[i]);
      if (t.deadline > now) continue;
      t.deadline = NEVER;
      this.stale = true;
      t.client.expire(t, now);
      fired++;
    }
    return fired;
  }
}
