// The guest's PCI bus 0: up to 32 devices of up to 8 functions each, named
// by device and function number (the 5- and 3-bit fields of a type 0
// configuration address, PCI Local Bus Specification 3.0 §3.2.2.3.1). There
// is no PCI-to-PCI bridge, so no other bus exists. An access to a function
// that is not there reads all-ones, which is how a host bridge reports a
// master abort, and which software takes as "no device" since 0xFFFF is no
// valid Vendor ID (§6.1); a write to one is dropped.
import { PciFunction, CONFIG_SPACE_BYTES } from "./pci-function";

export const PCI_DEVICES: u32 = 32;
export const PCI_FUNCTIONS: u32 = 8;

export class PciBus {
  private functions: StaticArray<PciFunction | null> =
    new StaticArray<PciFunction | null>(<i32>(PCI_DEVICES * PCI_FUNCTIONS));

  // Put `f` at `device`.`fn` on bus 0; false if the numbers are out of
  // range or the slot is taken. The caller gives 00:00.0 to the host bridge.
  add(device: u32, fn: u32, f: PciFunction): bool {
    if (device >= PCI_DEVICES || fn >= PCI_FUNCTIONS) return false;
    const devfn = <i32>(device << 3 | fn);
    if (this.functions[devfn] !== null) return false;
    this.functions[devfn] = f;
    return true;
  }

  find(bus: u32, device: u32, fn: u32): PciFunction | null {
    if (bus != 0 || device >= PCI_DEVICES || fn >= PCI_FUNCTIONS) return null;
    return this.functions[<i32>(device << 3 | fn)];
  }

  // `size` bytes (1, 2 or 4) at `offset`, which the caller keeps inside the
  // function's 256 bytes.
  read(bus: u32, device: u32, fn: u32, offset: u32, size: u32): u32 {
    const f = this.find(bus, device, fn);
    if (f === null || offset + size > CONFIG_SPACE_BYTES) return size == 4 ? 0xffffffff : (<u32>1 << (size * 8)) - 1;
    return f.read(offset, size);
  }

  write(bus: u32, device: u32, fn: u32, offset: u32, size: u32, value: u32): void {
    const f = this.find(bus, device, fn);
    if (f === null || offset + size > CONFIG_SPACE_BYTES) return;
    f.write(offset, size, value);
  }
}
