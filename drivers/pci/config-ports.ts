// PCI configuration mechanism #1 (PCI Local Bus Specification 3.0
// §3.2.2.3.2), the I/O ports through which a PC's software reaches
// configuration space: CONFIG_ADDRESS at 0xCF8 and CONFIG_DATA at 0xCFC.
//   CONFIG_ADDRESS, a dword: bit 31 enable, 30:24 reserved (read 0), 23:16
//   bus, 15:11 device, 10:8 function, 7:2 register (dword), 1:0 read 0.
//   Only a full dword access to 0xCF8 is CONFIG_ADDRESS: a write latches
//   it, a read returns it; any other access there leaves it alone and is
//   ordinary I/O (same section). Of those byte and word accesses, the
//   byte at 0xCF9 is the chipset's Reset Control register
//   (drivers/reset-control.ts); the rest reach nothing: reads all-ones,
//   writes dropped.
//   CONFIG_DATA, 0xCFC-0xCFF: while the enable bit is set, a 1-, 2- or
//   4-byte access there is a configuration access to the addressed dword,
//   the low two port bits choosing its first byte (an `inw` at 0xCFE reads
//   bytes 2-3); bytes of the access past 0xCFF are not configuration space
//   and read 0xFF. While the bit is clear, CONFIG_DATA is ordinary I/O too.
// Linux's probe (arch/x86/pci/direct.c, pci_check_type1) writes
// 0x80000000 to CONFIG_ADDRESS and needs it back as written; its
// mechanism #2 probe then finds no byte register at 0xCF8 or 0xCFA. The
// functions sit on `bus` (drivers/pci/pci-bus.ts), with the host bridge at
// 00:00.0; a VM's further devices are added there.
import { PortDevice } from "../../kernel/vm/port-bus";
import { Vm } from "../../kernel/vm/vm";
import { PciBus } from "./pci-bus";
import { I440fxHostBridge } from "./host-bridge";
import { ResetControl } from "../reset-control";

export const PCI_CONFIG_BASE: u32 = 0xcf8;
export const PCI_CONFIG_BYTES: u32 = 8;
// Offsets in the range.
const CONFIG_ADDRESS: u32 = 0;
const RESET_CONTROL: u32 = 1;
const CONFIG_DATA: u32 = 4;

export const CONFIG_ENABLE: u32 = 0x80000000;
// The bits of CONFIG_ADDRESS that hold what was written: enable, bus,
// device, function, register.
const ADDRESS_BITS: u32 = 0x80fffffc;
const REGISTER_BITS: u32 = 0xfc;

function allOnes(size: u32): u32 {
  return size >= 4 ? 0xffffffff : (<u32>1 << (size * 8)) - 1;
}

export class PciConfigPorts extends PortDevice {
  bus: PciBus = new PciBus();
  reset: ResetControl;
  address: u32 = 0;

  constructor(public vm: Vm) {
    super();
    this.reset = new ResetControl(vm);
    this.bus.add(0, 0, new I440fxHostBridge());
  }

  name(): string { return "pci-config"; }

  read(offset: u32, size: u32): u32 {
    if (offset == CONFIG_ADDRESS && size == 4) return this.address;
    if (offset == RESET_CONTROL && size == 1) return this.reset.read();
    if (offset < CONFIG_DATA || (this.address & CONFIG_ENABLE) == 0) return allOnes(size);
    const n = this.dataBytes(offset, size);
    const a = this.address;
    const v = this.bus.read(a >> 16 & 0xff, a >> 11 & 0x1f, a >> 8 & 0x7, (a & REGISTER_BITS) + offset - CONFIG_DATA, n);
    return n == size ? v : v | (allOnes(size) & ~allOnes(n));
  }

  write(offset: u32, size: u32, value: u32): void {
    if (offset == CONFIG_ADDRESS && size == 4) {
      this.address = value & ADDRESS_BITS;
      return;
    }
    if (offset == RESET_CONTROL && size == 1) {
      this.reset.write(value & 0xff);
      return;
    }
    if (offset < CONFIG_DATA || (this.address & CONFIG_ENABLE) == 0) return;
    const a = this.address;
    this.bus.write(a >> 16 & 0xff, a >> 11 & 0x1f, a >> 8 & 0x7, (a & REGISTER_BITS) + offset - CONFIG_DATA,
      this.dataBytes(offset, size), value);
  }

  // How many bytes of an access at `offset` fall inside CONFIG_DATA.
  private dataBytes(offset: u32, size: u32): u32 {
    const room = PCI_CONFIG_BYTES - offset;
    return size < room ? size : room;
  }
}
