// Interrupt lines as values devices are handed (vm-superio's Trigger): a
// device raises and lowers its line and never knows whether an 8259 pin or
// an I/O APIC redirection entry is behind it. Edge-triggered devices pulse.
export abstract class IrqSink {
  // The level of input `line` (an ISA IRQ or a GSI, as the sink numbers them).
  abstract setIrq(line: u32, high: bool): void;
}

export class IrqLine {
  constructor(public sink: IrqSink, public line: u32) {}
  raise(): void { this.sink.setIrq(this.line, true); }
  lower(): void { this.sink.setIrq(this.line, false); }
  // An edge: low → high → low (an edge-triggered input latches the rise).
  pulse(): void {
    this.sink.setIrq(this.line, true);
    this.sink.setIrq(this.line, false);
  }
}

// What the vCPU loop asks before each entry: is an interrupt waiting, and
// which vector. The local APIC answers this (and consults the 8259 behind
// LINT0 in ExtINT mode); with no APIC model, the 8259 answers directly, as
// a PC's virtual-wire mode does.
export abstract class InterruptController {
  // The vector of the highest-priority interrupt ready for the vCPU, or -1.
  abstract pending(): i32;
  // The vCPU is delivering `vector` now (the INTA cycle): put it in service.
  abstract acknowledge(vector: u32): void;
  // The input (ISA IRQ or GSI) behind `vector`, for the statistics; -1 if
  // none or unknown.
  source(vector: u32): i32 { return -1; }
}
