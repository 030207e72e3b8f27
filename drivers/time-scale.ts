// Conversions between guest-TSC ticks and a device's own clock (the PIT's
// 1.193182 MHz, the RTC's 32.768 kHz time base), exact and safe from
// overflow: the plain product ticks × hz passes 2^64 after about two and a
// half hours at 2 GHz, so whole seconds are split off first. Devices keep
// their state as "counted since `start`" and derive it from the clock on
// each access (kernel/vm/clock.ts); they never need a tick. No floats.

// Whole periods of a `hz` clock in `ticks` TSC ticks (rounded down); 0 if
// the TSC frequency is unknown (the device then stands still).
export function clocksIn(ticks: u64, hz: u64, tscHz: u64): u64 {
  if (tscHz == 0) return 0;
  return (ticks / tscHz) * hz + (ticks % tscHz) * hz / tscHz;
}

// The fewest TSC ticks in which `clocks` periods of `hz` have passed
// (rounded up), so that clocksIn(ticksFor(n)) == n whenever hz <= tscHz:
// a timer armed this many ticks after `start` finds the device's state
// already at n when it fires.
export function ticksFor(clocks: u64, hz: u64, tscHz: u64): u64 {
  return (clocks / hz) * tscHz + ((clocks % hz) * tscHz + hz - 1) / hz;
}

// The TSC frequency in Hz from the clock's kHz.
@inline export function tscHzOf(tscKhz: u32): u64 {
  return <u64>tscKhz * 1000;
}
