// One interrupt line that several devices drive, as PCI INTx lines are
// shared (PCI 3.0 §2.2.6: INTx# are open-drain, "wire-ORed" — the line is
// asserted while any device asserts it). Each device gets its own input
// (an IrqLine on this sink, numbered by device); the line's level is the OR
// of them, so one device's deassert cannot hide another's assert.
import { IrqSink } from "./irq";

export class SharedIrq extends IrqSink {
  private asserted: u32 = 0; // bit n: input n is high

  // `target`'s input `line` is what the OR drives.
  constructor(public target: IrqSink, public line: u32) { super(); }

  // `input` is the device's number on this line (0-31).
  setIrq(input: u32, high: bool): void {
    const before = this.asserted;
    const bit = <u32>1 << (input & 31);
    this.asserted = high ? before | bit : before & ~bit;
    if ((before != 0) != (this.asserted != 0) || high) this.target.setIrq(this.line, this.asserted != 0);
  }
}
