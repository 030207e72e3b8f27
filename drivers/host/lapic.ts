// The hypervisor's own local APIC (Intel SDM Vol. 3A §12; AMD APM Vol. 2
// §16): its timer is the one host mechanism that gives the hypervisor
// control on time, whatever the guest does — a guest running (an
// external-interrupt exit under VMX, the INTR intercept under SVM) or the
// vCPU asleep in HLT (the host halts with interrupts on until it fires).
// Its interrupt entry (boot/host-irq.S) only counts; this driver arms the
// timer, calibrates it against the TSC and sends the EOI.
import { rdmsrSafe, rdtsc, mmioRead32, mmioWrite32, HOST_TIMER_VECTOR, HOST_SPURIOUS_VECTOR } from "../../kernel/hal/imports";

const IA32_APIC_BASE: u32 = 0x1b;
const BASE_ENABLE: u64 = 1 << 11;  // APIC global enable (SDM Vol. 3A §12.4.4)
const BASE_X2APIC: u64 = 1 << 10;  // x2APIC mode: registers by MSR only (§12.12.1)
const BASE_ADDRESS: u64 = 0x000ffffffffff000;
// xAPIC register offsets (SDM Vol. 3A §12.4.1, Table 12-1).
const EOI: u64 = 0xb0;
const SVR: u64 = 0xf0;
const LVT_TIMER: u64 = 0x320;
const TIMER_INITIAL: u64 = 0x380;
const TIMER_CURRENT: u64 = 0x390;
const TIMER_DIVIDE: u64 = 0x3e0;
const SVR_ENABLE: u32 = 1 << 8;    // APIC software enable (§12.9)
const LVT_MASKED: u32 = 1 << 16;
const DIVIDE_BY_16: u32 = 0x3;     // divide configuration 0011b (§12.5.4, Figure 12-10)
const CALIBRATE_MS: u64 = 2;
const msrValue = memory.data(8);

export class HostLapic {
  base: u64 = 0;
  // Timer counts per millisecond, and the TSC's kHz it was measured with;
  // 0: no usable timer.
  countsPerMs: u64 = 0;
  tscKhz: u64 = 0;

  // Enable the APIC and measure its timer. False (no host timer) if the
  // CPU has no APIC, it is off or in x2APIC mode (not driven yet), or the
  // TSC frequency is unknown.
  init(hasApic: bool, tscKhz: u32): bool {
    if (!hasApic || tscKhz == 0) return false;
    if (rdmsrSafe(IA32_APIC_BASE, msrValue) == 0) return false;
    const msr = load<u64>(msrValue);
    if ((msr & BASE_ENABLE) == 0 || (msr & BASE_X2APIC) != 0) return false;
    this.base = msr & BASE_ADDRESS;
    this.tscKhz = tscKhz;
    this.write(SVR, SVR_ENABLE | HOST_SPURIOUS_VECTOR);
    this.write(TIMER_DIVIDE, DIVIDE_BY_16);
    this.write(LVT_TIMER, LVT_MASKED | HOST_TIMER_VECTOR);
    this.write(TIMER_INITIAL, 0xffffffff);
    const t0 = rdtsc();
    while (rdtsc() - t0 < <u64>tscKhz * CALIBRATE_MS) {}
    const counted = <u64>(0xffffffff - this.read(TIMER_CURRENT));
    this.write(TIMER_INITIAL, 0);
    this.countsPerMs = counted / CALIBRATE_MS;
    return this.countsPerMs != 0;
  }

  // One interrupt after `tscTicks` TSC ticks (one-shot, §12.5.4); a delay
  // past the counter's range is cut to it (the interrupt comes early and
  // the caller re-arms).
  arm(tscTicks: u64): void {
    let counts = tscTicks * this.countsPerMs / this.tscKhz;
    if (counts == 0) counts = 1;
    if (counts > 0xffffffff) counts = 0xffffffff;
    this.write(LVT_TIMER, HOST_TIMER_VECTOR); // unmasked, one-shot
    this.write(TIMER_INITIAL, <u32>counts);
  }

  disarm(): void { this.write(TIMER_INITIAL, 0); }

  eoi(): void { this.write(EOI, 0); }

  private read(reg: u64): u32 { return mmioRead32(this.base + reg); }
  private write(reg: u64, v: u32): void { mmioWrite32(this.base + reg, v); }
}
