// MSI-X for one PCI function (PCI Local Bus Specification 3.0 §6.8.2): the
// capability in configuration space — Message Control with the table size,
// Function Mask and MSI-X Enable (§6.8.2.3) — and the table of message
// address/data/vector-control entries (§6.8.2.6-§6.8.2.9) with its
// Pending Bit Array (§6.8.2.10), both in one of the function's memory BARs
// (the function's BAR device serves them through tableRead/tableWrite).
//
// A message is an interrupt to the local APICs (Intel SDM Vol. 3A §12.11,
// "Message Signalled Interrupts"): address 0xFEExxxxx with the destination
// ID in bits 19:12 and the destination mode in bit 2 (§12.11.1), data with
// the vector in 7:0, the delivery mode in 10:8 and the trigger mode in
// bit 15 (§12.11.2). A message whose entry or function is masked sets its
// pending bit and is sent when unmasked (§6.8.2.9); one to an address that
// is not the APICs' is dropped, as no memory write by a device can reach
// anything else here (counted).
import { ApicBus, SOURCE_MSI } from "../../kernel/vm/irq";
import { PciFunction } from "./pci-function";

export const CAP_ID_MSIX: u32 = 0x11;
export const MSIX_CAP_BYTES: u32 = 12;
export const MSIX_ENTRY_BYTES: u32 = 16;
// At most 64 vectors, so that the pending bits fit one u64.
export const MSIX_MAX_VECTORS: u32 = 64;
// Message Control (§6.8.2.3): table size − 1 in 10:0 (read-only).
const CTRL_FUNCTION_MASK: u32 = 1 << 14;
const CTRL_ENABLE: u32 = 1 << 15;
// Vector Control (§6.8.2.9): bit 0 masks the entry; every entry is masked
// after reset.
const ENTRY_MASKED: u32 = 1;
const MSI_ADDRESS_MASK: u32 = 0xfff00000;
const MSI_ADDRESS_APIC: u32 = 0xfee00000;
const MSI_ADDRESS_LOGICAL: u32 = 1 << 2;
const MSI_DATA_LEVEL_TRIGGER: u32 = 1 << 15;

export class MsiX {
  // Four dwords per entry: address low, address high, data, vector control.
  private table: StaticArray<u32>;
  private pending: u64 = 0;
  bus: ApicBus | null = null;
  sent: u64 = 0;
  dropped: u64 = 0;

  // The capability at `capOffset` of `fn`'s configuration space, `vectors`
  // entries, the table at `tableOffset` and the PBA at `pbaOffset` of BAR `bar`.
  constructor(public fn: PciFunction, public capOffset: u32, public vectors: u32, bar: u32, tableOffset: u32, pbaOffset: u32) {
    this.table = new StaticArray<u32>(<i32>(vectors * 4));
    fn.init(capOffset, 1, CAP_ID_MSIX);
    fn.init(capOffset + 2, 2, vectors - 1);
    fn.allowWrite(capOffset + 2, 2, CTRL_FUNCTION_MASK | CTRL_ENABLE);
    fn.init(capOffset + 4, 4, tableOffset | bar);
    fn.init(capOffset + 8, 4, pbaOffset | bar);
    this.reset();
  }

  reset(): void {
    for (let v: u32 = 0; v < this.vectors; v++) {
      for (let k: u32 = 0; k < 4; k++) this.table[<i32>(v * 4 + k)] = k == 3 ? ENTRY_MASKED : 0;
    }
    this.pending = 0;
  }

  // Drop every pending message (the function's device was reset).
  clearPending(): void { this.pending = 0; }

  private control(): u32 { return this.fn.read(this.capOffset + 2, 2); }
  enabled(): bool { return (this.control() & CTRL_ENABLE) != 0; }

  // The function's configuration space changed at `offset`: an unmask of
  // the whole function may release pending messages.
  configWritten(offset: u32, size: u32): void {
    if (offset + size > this.capOffset + 2 && offset < this.capOffset + 4) this.flush();
  }

  // Send entry `vector`'s message, or hold it pending while masked. False
  // if there is no such entry.
  send(vector: u32): bool {
    if (vector >= this.vectors) return false;
    if ((this.control() & CTRL_FUNCTION_MASK) != 0 || (this.entry(vector, 3) & ENTRY_MASKED) != 0) {
      this.pending |= <u64>1 << vector;
      return true;
    }
    this.deliver(vector);
    return true;
  }

  private entry(v: u32, k: u32): u32 { return unchecked(this.table[<i32>(v * 4 + k)]); }

  private deliver(v: u32): void {
    const address = this.entry(v, 0);
    const data = this.entry(v, 2);
    const bus = this.bus;
    if ((address & MSI_ADDRESS_MASK) != MSI_ADDRESS_APIC || this.entry(v, 1) != 0 || bus === null) {
      this.dropped++;
      return;
    }
    this.sent++;
    bus.deliver((address >> 12) & 0xff, (address & MSI_ADDRESS_LOGICAL) != 0, (data >> 8) & 7, data & 0xff,
      (data & MSI_DATA_LEVEL_TRIGGER) != 0, SOURCE_MSI);
  }

  private flush(): void {
    if (this.pending == 0 || !this.enabled() || (this.control() & CTRL_FUNCTION_MASK) != 0) return;
    for (let v: u32 = 0; v < this.vectors; v++) {
      const bit = <u64>1 << v;
      if ((this.pending & bit) != 0 && (this.entry(v, 3) & ENTRY_MASKED) == 0) {
        this.pending &= ~bit;
        this.deliver(v);
      }
    }
  }

  // The table, as dword registers (§6.8.2: software accesses it by aligned
  // dwords or qwords); `offset` from the table's start.
  tableRead(offset: u32, size: u32): u64 {
    const i = offset >> 2;
    if (i >= this.vectors * 4) return 0;
    let v = <u64>unchecked(this.table[<i32>i]);
    if (size == 8 && i + 1 < this.vectors * 4) v |= <u64>unchecked(this.table[<i32>(i + 1)]) << 32;
    return v;
  }

  tableWrite(offset: u32, size: u32, value: u64): void {
    const i = offset >> 2;
    if (i >= this.vectors * 4 || (offset & 3) != 0) return;
    this.store(i, <u32>value);
    if (size == 8 && i + 1 < this.vectors * 4) this.store(i + 1, <u32>(value >> 32));
    this.flush();
  }

  private store(i: u32, v: u32): void {
    // Vector Control: only the mask bit is defined (§6.8.2.9).
    unchecked(this.table[<i32>i] = (i & 3) == 3 ? v & ENTRY_MASKED : v);
  }

  // The Pending Bit Array (read-only, §6.8.2.10).
  pbaRead(offset: u32, size: u32): u64 {
    if (offset >= 8) return 0;
    const v = this.pending >> (<u64>offset * 8);
    return size == 8 ? v : v & ((<u64>1 << (<u64>size * 8)) - 1);
  }
}
