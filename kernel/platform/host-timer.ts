// The hypervisor's hold on time: one host timer (the host's local APIC,
// drivers/host/lapic.ts) armed for the earliest of the VM clock's next
// deadline and the hypervisor's own slice, so that device timers fire on
// time and a guest that never exits on its own (a spin with interrupts
// off) still gives the hypervisor control every slice. Re-armed only when
// an earlier deadline comes up or the last one fired, not on every exit.
import { rdtsc, haltWithInterrupts, takeInterrupts } from "../hal/imports";
import { HostLapic } from "../../drivers/host/lapic";
import { NEVER } from "../vm/clock";

// The longest the hypervisor lets a guest run without control: 10 ms.
const SLICE_MS: u64 = 10;

export class HostTimer {
  lapic: HostLapic = new HostLapic();
  usable: bool = false;
  private armedUntil: u64 = NEVER; // host TSC of the pending interrupt
  private seen: u64 = 0;           // host interrupts taken so far (boot/host-irq.S)
  slice: u64 = 0;                  // SLICE_MS in TSC ticks
  fired: u64 = 0;

  init(hasApic: bool, tscKhz: u32): bool {
    this.slice = <u64>tscKhz * SLICE_MS;
    this.usable = this.lapic.init(hasApic, tscKhz);
    return this.usable;
  }

  // The earliest of `deadline` and one slice from `now` (host TSC).
  limit(now: u64, deadline: u64): u64 {
    const until = now + this.slice;
    return deadline < until ? deadline : until;
  }

  // Before entering the guest: an interrupt no later than `deadline` (host
  // TSC) and no later than one slice from now.
  prepare(deadline: u64): void {
    if (!this.usable) return;
    const now = rdtsc();
    const until = this.limit(now, deadline);
    if (this.armedUntil != NEVER && this.armedUntil <= until) return;
    this.armedUntil = until;
    this.lapic.arm(until > now ? until - now : 1);
  }

  // After a guest exit for a host interrupt: take it, and EOI if it was ours.
  takePending(): void {
    this.account(takeInterrupts());
  }

  // Halt the processor until the host timer fires at `deadline` (host TSC)
  // or sooner; false if there is no host timer to wake it (the caller must
  // not sleep then).
  sleepUntil(deadline: u64): bool {
    if (!this.usable) return false;
    this.prepare(deadline);
    this.account(haltWithInterrupts());
    return true;
  }

  private account(count: u64): void {
    if (count == this.seen) return;
    this.fired += count - this.seen;
    this.seen = count;
    this.armedUntil = NEVER;
    this.lapic.eoi();
  }
}

// One per physical processor; tsvisor runs on the bootstrap processor.
export const hostTimer = new HostTimer();
