// The TSC's frequency, measured against the 8254 PIT's channel 2 (the
// method Linux's pit_calibrate_tsc uses): gate the channel on, count down
// 10 ms of the PIT's 1.193182 MHz clock in mode 0, and count TSC ticks
// until OUT2 goes high (port 0x61 bit 5). Intel 8254 datasheet; PC/AT
// port 0x61 layout. Guests read the result from CPUID leaf 0x40000001.
import { inb, outb, rdtsc } from "../hal/imports";

const PORT_B: u32 = 0x61;       // bit 0: channel 2 gate, bit 1: speaker, bit 5: OUT2
const PIT_CH2: u32 = 0x42;
const PIT_MODE: u32 = 0x43;
const MODE_CH2_LOHI_MODE0: u32 = 0xb0; // channel 2, lobyte/hibyte, mode 0, binary
const PIT_HZ: u64 = 1193182;
const CALIBRATE_MS: u64 = 10;
const SPIN_LIMIT: i32 = 50000000; // no PIT: give up rather than hang

// TSC kHz, or 0 if the PIT never answered.
export function calibrateTscKhz(): u32 {
  const latch = <u32>(PIT_HZ * CALIBRATE_MS / 1000);
  outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
  outb(PIT_MODE, MODE_CH2_LOHI_MODE0);
  outb(PIT_CH2, latch & 0xff);
  outb(PIT_CH2, latch >> 8);
  const t0 = rdtsc();
  for (let spin = 0; spin < SPIN_LIMIT; spin++) {
    // The latch is a whole number of PIT ticks (11931, 9.9991 ms): scale by
    // the time it really stands for, not the 10 ms asked for.
    if ((inb(PORT_B) & 0x20) != 0) return <u32>((rdtsc() - t0) * PIT_HZ / (<u64>latch * 1000));
  }
  return 0;
}
