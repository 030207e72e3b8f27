// One PCI function's configuration space (PCI Local Bus Specification 3.0,
// chapter 6): 256 bytes, the first 64 the predefined header every function
// has (§6.1, Figure 6-1, header type 00h), the rest the device's own.
// Every byte has two masks beside its value: the bits software may write,
// and the bits a write of 1 clears (the Status register's error bits,
// §6.2.3: "Reads to this register behave normally. Writes are slightly
// different in that bits can be reset, but not set"); all other bits are
// read-only, and unimplemented registers read 0 (§6.1). A device builds
// its space once at VM build with the setters below; the bus then reads
// and writes it only through the masks, so a guest cannot change what a
// device declared read-only (its IDs, its class, a BAR's size bits).
//
// A device whose registers do something when written (a BAR moved, memory
// decode switched on in the Command register) overrides configWritten(),
// which runs after the masked bytes are stored. Functions other than 0 of a
// multi-function device need function 0's header type bit 7 set (§6.2.1);
// the device's constructor sets it.
export const CONFIG_SPACE_BYTES: u32 = 256;

// Header offsets (§6.1, Figure 6-1) and their widths in bytes.
export const PCI_VENDOR_ID: u32 = 0x00;           // 2
export const PCI_DEVICE_ID: u32 = 0x02;           // 2
export const PCI_COMMAND: u32 = 0x04;             // 2 (§6.2.2)
export const PCI_STATUS: u32 = 0x06;              // 2 (§6.2.3)
export const PCI_REVISION_ID: u32 = 0x08;         // 1
export const PCI_CLASS_CODE: u32 = 0x09;          // 3: programming interface, sub-class, base class
export const PCI_CACHE_LINE_SIZE: u32 = 0x0c;     // 1
export const PCI_LATENCY_TIMER: u32 = 0x0d;       // 1
export const PCI_HEADER_TYPE: u32 = 0x0e;         // 1: bit 7 multi-function, 6:0 layout
export const PCI_BAR0: u32 = 0x10;                // 6 × 4 (§6.2.5.1)
export const PCI_SUBSYSTEM_VENDOR_ID: u32 = 0x2c; // 2
export const PCI_SUBSYSTEM_ID: u32 = 0x2e;        // 2
export const PCI_CAPABILITIES_POINTER: u32 = 0x34; // 1 (§6.7)
export const PCI_INTERRUPT_LINE: u32 = 0x3c;      // 1 (§6.2.4)
export const PCI_INTERRUPT_PIN: u32 = 0x3d;       // 1

// Header type bit 7 (§6.2.1): the device has functions beyond 0.
export const HEADER_MULTI_FUNCTION: u32 = 0x80;

export class PciFunction {
  private value: StaticArray<u8> = new StaticArray<u8>(<i32>CONFIG_SPACE_BYTES);
  private writable: StaticArray<u8> = new StaticArray<u8>(<i32>CONFIG_SPACE_BYTES);
  private clearable: StaticArray<u8> = new StaticArray<u8>(<i32>CONFIG_SPACE_BYTES);

  // The identity every function has (§6.2.1): IDs, revision, and the class
  // code as one 24-bit value (base class in bits 23:16, e.g. 0x060000 for a
  // host bridge, PCI Code and ID Assignment Specification). Header type 00h.
  constructor(vendorId: u32, deviceId: u32, classCode: u32, revision: u32) {
    this.init(PCI_VENDOR_ID, 2, vendorId);
    this.init(PCI_DEVICE_ID, 2, deviceId);
    this.init(PCI_REVISION_ID, 1, revision);
    this.init(PCI_CLASS_CODE, 3, classCode);
  }

  // For the hypervisor's reports.
  name(): string { return "pci-function"; }

  // The device's side, at VM build: `size` bytes at `offset`, little-endian
  // as configuration space is (§6.1). The initial (or hardwired) value,
  // then which of its bits software may write, and which a 1 clears.
  init(offset: u32, size: u32, value: u32): void {
    for (let i: u32 = 0; i < size; i++) this.value[offset + i] = <u8>(value >> (i * 8));
  }
  allowWrite(offset: u32, size: u32, mask: u32): void {
    for (let i: u32 = 0; i < size; i++) this.writable[offset + i] = <u8>(mask >> (i * 8));
  }
  allowClear(offset: u32, size: u32, mask: u32): void {
    for (let i: u32 = 0; i < size; i++) this.clearable[offset + i] = <u8>(mask >> (i * 8));
  }

  // The bus's side: a 1-, 2- or 4-byte access that the caller keeps inside
  // the 256 bytes (configuration mechanism #1 never crosses a dword).
  read(offset: u32, size: u32): u32 {
    let v: u32 = 0;
    for (let i: u32 = 0; i < size; i++) v |= <u32>this.value[offset + i] << (i * 8);
    return v;
  }

  write(offset: u32, size: u32, value: u32): void {
    for (let i: u32 = 0; i < size; i++) {
      const at = offset + i;
      const b = (value >> (i * 8)) & 0xff;
      const w = <u32>this.writable[at];
      const kept = (<u32>this.value[at] & ~w) | (b & w);
      this.value[at] = <u8>(kept & ~(b & <u32>this.clearable[at]));
    }
    this.configWritten(offset, size);
  }

  // After a guest's write of `size` bytes at `offset` is stored: nothing,
  // unless the device acts on its registers.
  configWritten(offset: u32, size: u32): void {}
}
