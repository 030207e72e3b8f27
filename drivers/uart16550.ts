// A 16550 UART served to the guest (PC16550D datasheet, §8): enough of it
// for a polling driver — divisor latch, line/modem control, scratch, line
// status that always says "ready". What the guest transmits goes to the
// output it is given (kernel/console/guest-console.ts in the hypervisor): the
// model itself touches no hardware.
import { PortDevice } from "../kernel/vm/port-bus";
import { ByteSink } from "./byte-sink";

// Register offsets (datasheet Table 2), DLAB = LCR bit 7.
const RBR_THR_DLL: u32 = 0;
const IER_DLM: u32 = 1;
const IIR_FCR: u32 = 2;
const LCR: u32 = 3;
const MCR: u32 = 4;
const LSR: u32 = 5;
const MSR: u32 = 6;
const SCR: u32 = 7;
const LCR_DLAB: u32 = 0x80;
const LSR_THRE_TEMT: u32 = 0x60; // transmitter always empty: output is immediate
const IIR_NO_INTERRUPT: u32 = 0x01;

export class Uart16550 extends PortDevice {
  ier: u32 = 0;
  lcr: u32 = 0x03;
  mcr: u32 = 0;
  scr: u32 = 0;
  dll: u32 = 1;
  dlm: u32 = 0;
  transmitted: u64 = 0;

  constructor(public output: ByteSink) { super(); }

  name(): string { return "uart16550"; }

  read(offset: u32, size: u32): u32 {
    const dlab = (this.lcr & LCR_DLAB) != 0;
    if (offset == RBR_THR_DLL) return dlab ? this.dll : 0; // no input yet
    if (offset == IER_DLM) return dlab ? this.dlm : this.ier;
    if (offset == IIR_FCR) return IIR_NO_INTERRUPT;
    if (offset == LCR) return this.lcr;
    if (offset == MCR) return this.mcr;
    if (offset == LSR) return LSR_THRE_TEMT;
    if (offset == MSR) return 0;
    return this.scr;
  }

  write(offset: u32, size: u32, value: u32): void {
    value &= 0xff;
    const dlab = (this.lcr & LCR_DLAB) != 0;
    if (offset == RBR_THR_DLL) {
      if (dlab) this.dll = value;
      else this.transmit(value);
    } else if (offset == IER_DLM) {
      if (dlab) this.dlm = value;
      else this.ier = value & 0x0f;
    } else if (offset == LCR) this.lcr = value;
    else if (offset == MCR) this.mcr = value;
    else if (offset == SCR) this.scr = value;
  }

  transmit(c: u32): void {
    this.transmitted++;
    this.output.putc(c);
  }
}
