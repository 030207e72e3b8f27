// The simulated CPU's own local APIC, as far as the hypervisor uses it
// (drivers/host/lapic.ts): register reads and writes by MMIO at its base,
// and the timer in one-shot mode (Intel SDM Vol. 3A §12.5.4), counting at
// the simulated TSC's rate / 2 (a 1 GHz bus clock) / the divide value.
const TIMER_LVT = 0x320, TIMER_INITIAL = 0x380, TIMER_CURRENT = 0x390, TIMER_DIVIDE = 0x3e0;
const DIVIDES = [2, 4, 8, 16, 32, 64, 128, 1]; // divide configuration bits 3, 1:0 (Figure 12-10)

export class SimHostLapic {
  readonly base = 0xfee00000n;
  private regs = new Map<number, number>();
  private start = 0n;       // TSC when the initial count was written
  private initial = 0;
  interrupts = 0;           // host interrupts taken (boot/host-irq.S's count)

  constructor(private readonly tsc: () => bigint) {}

  private ticksPerCount(): bigint {
    const d = this.regs.get(TIMER_DIVIDE) ?? 0;
    return 2n * BigInt(DIVIDES[((d >> 1) & 4) | (d & 3)]);
  }

  // TSC at which the armed one-shot fires, or null.
  expiry(): bigint | null {
    const lvt = this.regs.get(TIMER_LVT) ?? 0x10000;
    if (this.initial === 0 || (lvt & 0x10000) !== 0) return null;
    return this.start + BigInt(this.initial) * this.ticksPerCount();
  }

  contains(phys: bigint): boolean {
    return phys >= this.base && phys < this.base + 0x1000n;
  }

  read(phys: bigint): number {
    const reg = Number(phys - this.base);
    if (reg === TIMER_CURRENT) {
      if (this.initial === 0) return 0;
      const elapsed = (this.tsc() - this.start) / this.ticksPerCount();
      return elapsed >= BigInt(this.initial) ? 0 : this.initial - Number(elapsed);
    }
    return this.regs.get(reg) ?? 0;
  }

  write(phys: bigint, v: number): void {
    const reg = Number(phys - this.base);
    this.regs.set(reg, v >>> 0);
    if (reg === TIMER_INITIAL) {
      this.initial = v >>> 0;
      this.start = this.tsc();
    }
  }

  // An interrupt is delivered if the timer has expired by `now`.
  deliverIfDue(now: bigint): void {
    const at = this.expiry();
    if (at !== null && now >= at) {
      this.interrupts++;
      this.initial = 0; // one-shot
    }
  }
}
