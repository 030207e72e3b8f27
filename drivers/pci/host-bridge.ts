// The host bridge at 00:00.0: the PCI side of the Intel 82441FX PCI and
// Memory Controller (PMC) of the 440FX PCIset, the bridge QEMU's "pc"
// machine shows and every PC operating system knows. An OS needs it there
// to trust bus 0: Linux's configuration-mechanism #1 probe
// (arch/x86/pci/direct.c, pci_sanity_check) accepts the bus only if some
// function reads class 0x0600 (host bridge) or VGA, or an Intel or Compaq
// Vendor ID, and this one is all three kinds of proof at once.
//
// Only the header is modelled (82441FX datasheet, "PCI Configuration
// Registers", device 0): the memory controller's own registers from 0x40
// (DRAM rows, PAM shadowing, SMRAM) read 0, since guest RAM and the BIOS
// area are laid out by the hypervisor's nested paging, not by them.
import {
  PciFunction, PCI_COMMAND, PCI_STATUS, PCI_LATENCY_TIMER,
} from "./pci-function";

export const I440FX_VENDOR_ID: u32 = 0x8086;   // Intel
export const I440FX_DEVICE_ID: u32 = 0x1237;   // 82441FX PMC
const I440FX_REVISION: u32 = 0x02;
// Base class 06h bridge, sub-class 00h host bridge, interface 00h (PCI Code
// and ID Assignment Specification, "Base Class 06h").
export const CLASS_HOST_BRIDGE: u32 = 0x060000;

// PCICMD (datasheet default 0006h): memory space (bit 1) and bus master
// (bit 2) are hardwired on, as a host bridge always decodes memory and
// masters the bus for the CPU; parity error response (bit 6) and SERR#
// enable (bit 8) are the bits software may set (PCI 3.0 §6.2.2).
const PCICMD_DEFAULT: u32 = 0x0006;
const PCICMD_WRITABLE: u32 = 0x0140;
// PCISTS (datasheet default 0280h): fast back-to-back capable (bit 7) and
// medium DEVSEL timing (bits 10:9 = 01); the error bits (8 data parity
// reported, 12 and 13 target and master abort received, 14 SERR#
// signalled, 15 parity error detected) are cleared by writing 1 (§6.2.3).
// Nothing here ever sets them.
const PCISTS_DEFAULT: u32 = 0x0280;
const PCISTS_CLEARABLE: u32 = 0xf100;
// MLT, the master latency timer: bits 7:3 are read/write, in units of 8 PCI
// clocks (§6.2.4: "the low order three bits may be hardwired to 0").
const MLT_WRITABLE: u32 = 0xf8;

export class I440fxHostBridge extends PciFunction {
  constructor() {
    super(I440FX_VENDOR_ID, I440FX_DEVICE_ID, CLASS_HOST_BRIDGE, I440FX_REVISION);
    this.init(PCI_COMMAND, 2, PCICMD_DEFAULT);
    this.allowWrite(PCI_COMMAND, 2, PCICMD_WRITABLE);
    this.init(PCI_STATUS, 2, PCISTS_DEFAULT);
    this.allowClear(PCI_STATUS, 2, PCISTS_CLEARABLE);
    this.allowWrite(PCI_LATENCY_TIMER, 1, MLT_WRITABLE);
  }

  name(): string { return "i440fx-host-bridge"; }
}
