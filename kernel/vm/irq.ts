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
// which vector. The local APIC answers this (drivers/lapic/lapic.ts, and it
// consults the 8259 behind LINT0 in ExtINT mode); with no APIC model, the
// 8259 answers directly, as a PC's virtual-wire mode does.
export abstract class InterruptController {
  // The vector of the highest-priority interrupt ready for the vCPU, or -1.
  abstract pending(): i32;
  // The vCPU is delivering `vector` now (the INTA cycle): put it in service.
  abstract acknowledge(vector: u32): void;
  // Where `vector` came from, for the statistics: an ISA IRQ (0-15), or one
  // of the SOURCE_* codes below; -1 if none or unknown.
  source(vector: u32): i32 { return -1; }
  // An NMI is waiting for the vCPU (SDM Vol. 3A §12.6.1 and §12.5.1: NMI
  // delivery ignores the vector and the task priority, and is edge-
  // triggered: requests before the vCPU takes one make one NMI). The
  // vCPU loop injects it ahead of any maskable interrupt (SDM Vol. 3A
  // §7.9, Table 7-2: NMI is priority 5, maskable interrupts 6).
  nmiPending(): bool { return false; }
  // The vCPU is delivering it now.
  acknowledgeNmi(): void {}
  // CR8, the task-priority class in 64-bit mode (SDM Vol. 3A §12.8.6.1: a
  // read gives TPR[7:4], a write sets TPR[7:4] and clears TPR[3:0]). With
  // no local APIC it holds nothing and reads 0.
  cr8(): u32 { return 0; }
  setCr8(value: u32): void {}
}

// Sources of an interrupt beyond the ISA IRQs, as the statistics name them
// (kernel/vm/stats.ts).
export const SOURCE_NONE: i32 = -1;
export const SOURCE_GSI: i32 = 0x100;         // | the GSI: an I/O APIC input
export const SOURCE_LAPIC_TIMER: i32 = 0x200; // the local APIC's LVT timer
export const SOURCE_IPI: i32 = 0x201;         // an IPI (ICR or x2APIC SELF IPI)
export const SOURCE_LAPIC_ERROR: i32 = 0x202; // the local APIC's LVT error
export const SOURCE_MSI: i32 = 0x203;
export const SOURCE_NMI: i32 = 0x204;         // an NMI (ICR, I/O APIC or MSI in NMI delivery mode)         // a PCI function's MSI-X message (a virtio device)

// Delivery modes, numbered alike in the local APIC's LVT entries and ICR
// (Intel SDM Vol. 3A §12.5.1 Figure 12-8, §12.6.1 Figure 12-12) and the I/O
// APIC's redirection entries (82093AA datasheet §3.2.4, DELMOD).
export const DELIVERY_FIXED: u32 = 0;
export const DELIVERY_LOWEST: u32 = 1;
export const DELIVERY_SMI: u32 = 2;
export const DELIVERY_NMI: u32 = 4;
export const DELIVERY_INIT: u32 = 5;
export const DELIVERY_STARTUP: u32 = 6;
export const DELIVERY_EXTINT: u32 = 7;

// An interrupt message to the local APICs, as an I/O APIC sends it (82093AA
// datasheet §3.2.4: destination, destination mode, delivery mode, vector,
// trigger mode), and later an MSI (SDM Vol. 3A §12.11). `dest` is the
// message's 8-bit xAPIC-format destination. True if a local APIC accepted
// it (a level-triggered message then holds the entry's remote IRR).
export abstract class ApicBus {
  abstract deliver(dest: u32, logical: bool, mode: u32, vector: u32, level: bool, source: i32): bool;
}

// Where a local APIC's EOI of a level-triggered vector goes: the EOI
// broadcast to the I/O APICs (SDM Vol. 3A §12.8.5), which clear the remote
// IRR of the entries with that vector.
export abstract class EoiListener {
  abstract eoi(vector: u32): void;
}
