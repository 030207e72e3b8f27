// The ACPI power-management registers of tsvisor's PC machine (ACPI 6.4
// §4.8.4, "Fixed Hardware Registers"), the fixed hardware the FADT
// describes (kernel/firmware/acpi-fadt.ts), in one 16-port block at 0x600
// (kernel/firmware/acpi-platform.ts):
//   +0  PM1_STS (16 bits, write 1 to clear)   +2 PM1_EN (16 bits)
//   +4  PM1_CNT (16 bits)                     +8 PM_TMR (32 bits, read-only)
// Any access of 1, 2 or 4 bytes at any offset is served byte by byte, as
// the chipset's decoders would (a 16-bit write at +4 is bytes +4 and +5);
// the reserved bytes (+6, +7, +12 to +15) read 0 and ignore writes. The
// timer is read once per access, so a 32-bit read is one coherent value.
//
// Always in ACPI mode (the FADT's SMI_CMD is 0): SCI_EN reads 1 and cannot
// be cleared. The SCI line is high while a status bit and its enable are
// both set; the only event that sets one is the power button, pressed by
// the host (pressPowerButton) — the fixed-feature power button (FADT
// PWR_BUTTON clear, §4.8.3.2). Writing SLP_EN with SLP_TYP equal to \_S5's
// value powers the VM off, status 0 (§4.8.4.2.1, §7.4.2: soft off); the
// DSDT defines no other sleep state, so an OS asks for no other, and any
// other SLP_TYP with SLP_EN is ignored: the machine keeps running and no
// WAK_STS is ever set.
//
// The PM timer is the guest's TSC scaled to 3.579545 MHz (time-scale.ts,
// exact and free of overflow), so it keeps the guest TSC's pace: Linux's
// clocksource watchdog, which checks the TSC against it, sees them agree.
// Its value starts wherever the guest TSC puts it ("the starting value of
// the timer is undefined", §4.8.4.3) and stands still while the TSC rate
// is unknown. TMR_STS is set whenever the timer's bit 31 has toggled since
// it was last cleared, computed when PM1_STS is read; TMR_EN is kept but
// raises no SCI (no Timer is armed for the toggle every 10 minutes: Linux
// never enables it).
import { PortDevice } from "../kernel/vm/port-bus";
import { Vm, StopReason } from "../kernel/vm/vm";
import { IrqLine } from "../kernel/vm/irq";
import { clocksIn, tscHzOf } from "./time-scale";
import { PM1_EVT_OFFSET, PM1_CNT_OFFSET, PM_TMR_OFFSET, PM_TMR_LEN, PM_TIMER_HZ, PM_TIMER_32BIT, SLP_TYP_S5 }
  from "../kernel/firmware/acpi-platform";

export { ACPI_PM_BASE, ACPI_PM_BYTES, SLP_TYP_S5, SCI_IRQ } from "../kernel/firmware/acpi-platform";

// PM1_STS bits (Table 4.11): write 1 to clear.
export const TMR_STS: u32 = 1 << 0;
export const PWRBTN_STS: u32 = 1 << 8;
export const WAK_STS: u32 = 1 << 15;
// TMR_STS, BM_STS (4), GBL_STS (5), PWRBTN_STS, SLPBTN_STS (9), RTC_STS
// (10), PCIEXP_WAKE_STS (14), WAK_STS.
const STS_DEFINED: u32 = 0xc731;
// PM1_EN bits (Table 4.12): TMR_EN (0), GBL_EN (5), PWRBTN_EN (8),
// SLPBTN_EN (9), RTC_EN (10), PCIEXP_WAKE_DIS (14), kept as written.
export const PWRBTN_EN: u32 = 1 << 8;
const EN_DEFINED: u32 = 0x4721;
// PM1_CNT bits (Table 4.13).
export const SCI_EN: u32 = 1 << 0;
const BM_RLD: u32 = 1 << 1;
const SLP_TYP_SHIFT: u32 = 10;            // SLP_TYPx in bits 12:10
const SLP_TYP_MASK: u32 = 0x7 << SLP_TYP_SHIFT;
export const SLP_EN: u32 = 1 << 13;       // write-only: reads 0
const CNT_KEPT: u32 = BM_RLD | SLP_TYP_MASK; // GBL_RLS (bit 2) is write-only, with no BIOS to signal

const PM1_STS_AT: u32 = PM1_EVT_OFFSET;
const PM1_EN_AT: u32 = PM1_EVT_OFFSET + 2; // the second half of the event block (§4.8.4.1)
const TIMER_BITS: u32 = PM_TIMER_32BIT ? 32 : 24;
const TIMER_MASK: u64 = (<u64>1 << TIMER_BITS) - 1;

export class AcpiPm extends PortDevice {
  sts: u32 = 0;          // latched status bits (TMR_STS is derived from the timer)
  en: u32 = 0;
  cnt: u32 = 0;          // BM_RLD and SLP_TYP as last written
  sciLevel: bool = false;
  private timerAck: u64; // MSB toggles of the timer counted when TMR_STS was last cleared

  constructor(public vm: Vm, public sci: IrqLine) {
    super();
    this.timerAck = this.toggles();
  }

  name(): string { return "acpi-pm"; }

  // PM timer clocks since the guest TSC was 0.
  private clocks(): u64 {
    return clocksIn(this.vm.clock.now(), PM_TIMER_HZ, tscHzOf(this.vm.clock.tscKhz));
  }
  private toggles(): u64 { return this.clocks() >> (TIMER_BITS - 1); }

  status(): u32 {
    return this.sts | (this.toggles() > this.timerAck ? TMR_STS : 0);
  }

  // The host's power button: PWRBTN_STS, and the SCI if PWRBTN_EN.
  pressPowerButton(): void {
    this.sts |= PWRBTN_STS;
    this.updateSci();
  }

  read(offset: u32, size: u32): u32 {
    const touchesTimer = offset < PM_TMR_OFFSET + PM_TMR_LEN && offset + size > PM_TMR_OFFSET;
    const timer = touchesTimer ? <u32>(this.clocks() & TIMER_MASK) : 0;
    let v: u32 = 0;
    for (let i: u32 = 0; i < size; i++) v |= this.byteAt(offset + i, timer) << (8 * i);
    return v;
  }

  write(offset: u32, size: u32, value: u32): void {
    for (let i: u32 = 0; i < size; i++) this.writeByte(offset + i, (value >> (8 * i)) & 0xff);
    this.updateSci();
  }

  private byteAt(at: u32, timer: u32): u32 {
    if (at == PM1_STS_AT || at == PM1_STS_AT + 1) return (this.status() >> (8 * (at - PM1_STS_AT))) & 0xff;
    if (at == PM1_EN_AT || at == PM1_EN_AT + 1) return (this.en >> (8 * (at - PM1_EN_AT))) & 0xff;
    if (at == PM1_CNT_OFFSET || at == PM1_CNT_OFFSET + 1) return ((this.cnt | SCI_EN) >> (8 * (at - PM1_CNT_OFFSET))) & 0xff;
    if (at >= PM_TMR_OFFSET && at < PM_TMR_OFFSET + PM_TMR_LEN) return (timer >> (8 * (at - PM_TMR_OFFSET))) & 0xff;
    return 0;
  }

  private writeByte(at: u32, b: u32): void {
    if (at == PM1_STS_AT || at == PM1_STS_AT + 1) {
      const clear = (b << (8 * (at - PM1_STS_AT))) & STS_DEFINED;
      if ((clear & TMR_STS) != 0) this.timerAck = this.toggles();
      this.sts &= ~clear;
    } else if (at == PM1_EN_AT || at == PM1_EN_AT + 1) {
      const shift = 8 * (at - PM1_EN_AT);
      this.en = (this.en & ~(<u32>0xff << shift)) | ((b << shift) & EN_DEFINED);
    } else if (at == PM1_CNT_OFFSET || at == PM1_CNT_OFFSET + 1) {
      const shift = 8 * (at - PM1_CNT_OFFSET);
      const v = b << shift;
      this.cnt = (this.cnt & ~(<u32>0xff << shift)) | (v & CNT_KEPT);
      if ((v & SLP_EN) != 0) this.sleep((v & SLP_TYP_MASK) >> SLP_TYP_SHIFT);
    }
  }

  // SLP_EN written with `type` in SLP_TYP: soft off stops the VM; any other
  // type is not offered (the DSDT has only \_S5) and is ignored.
  private sleep(type: u32): void {
    if (type == SLP_TYP_S5) this.vm.stop(StopReason.PowerOff, 0);
  }

  private updateSci(): void {
    const level = (this.sts & this.en) != 0;
    if (level == this.sciLevel) return;
    this.sciLevel = level;
    if (level) this.sci.raise();
    else this.sci.lower();
  }
}
