// ISA interrupt routing, as every PC wires it: ISA IRQ n drives the 8259
// pair's pin n and the I/O APIC's input n, except IRQ 0 (the PIT), which
// goes to I/O APIC input 2 — the interrupt source override that the MADT
// describes (ACPI 6.5 §5.2.12.5, "Interrupt Source Override Structure":
// bus 0, source 0, GSI 2), since input 0 carries the 8259's INTR on a PC.
// IRQ 2 is the 8259s' cascade: no device drives it, and it reaches neither.
// Devices are handed IrqLines on the router and never know which
// controller the guest programs. Nothing here allocates.
import { IrqSink } from "./irq";

export const ISA_IRQS: u32 = 16;
// The GSI of ISA IRQ 0 (the override); every other ISA IRQ n is GSI n.
export const PIT_GSI: u32 = 2;
const CASCADE_IRQ: u32 = 2;

@inline export function isaIrqToGsi(irq: u32): u32 { return irq == 0 ? PIT_GSI : irq; }

export class IrqRouter extends IrqSink {
  // `pic`: ISA IRQs (drivers/i8259.ts sink); `ioapic`: GSIs (drivers/ioapic.ts inputs).
  constructor(public pic: IrqSink, public ioapic: IrqSink) { super(); }

  setIrq(line: u32, high: bool): void {
    if (line >= ISA_IRQS || line == CASCADE_IRQ) return;
    this.pic.setIrq(line, high);
    this.ioapic.setIrq(isaIrqToGsi(line), high);
  }
}
