// The Differentiated System Description Table (ACPI 6.4 §5.2.11.1): the
// header, then an AML definition block. Ours holds only what an OS needs
// from the namespace on this machine:
//
//   Name (\_S5, Package (4) { 5, 5, 0, 0 })   soft off: SLP_TYPa, SLP_TYPb
//   Scope (_SB) {                              from the root: \_SB
//     Device (PCI0) {                          the PCI host bridge, bus 0
//       Name (_HID, EisaId ("PNP0A03"))        PCI bus (not PCIe: no MCFG)
//       Name (_ADR, 0)  Name (_UID, 0)  Name (_SEG, 0)  Name (_BBN, 0)
//       Name (_CRS, ResourceTemplate () {
//         WordBusNumber  0x00-0xFF
//         IO             0xCF8, 8 ports         configuration mechanism 1
//         WordIO         0x0000-0x0CF7
//         WordIO         0x0D00-0xFFFF
//         DWordMemory    0xC0000000-0xFEBFFFFF  the MMIO window below the I/O APIC
//       })
//     }
//   }
//
// Linux enumerates PCI only through a PNP0A03 (or PNP0A08) device when
// ACPI is on, taking the bus range and windows from its _CRS. No processor
// objects: the MADT alone brings the CPUs up, and without them the OS
// simply uses no ACPI processor power states. Only \_S5 is defined, so an
// OS offers no sleep state but soft off (drivers/acpi-pm.ts).
import { Aml } from "./aml";
import { wordAddress, dwordAddress, ioPorts, endTag, RESOURCE_BUS_NUMBER, RESOURCE_IO, RESOURCE_MEMORY,
  IO_ENTIRE_RANGE, MEMORY_READ_WRITE_NONCACHEABLE } from "./aml-resources";
import { writeHeader, sealTable, HEADER_BYTES } from "./acpi-header";
import { SLP_TYP_S5 } from "./acpi-platform";
import { MMIO_WINDOW_START } from "../vm/guest-memory";
import { IOAPIC_BASE } from "../../drivers/ioapic";

// Revision 2: the AML interpreter uses 64-bit integers (§5.2.11.1).
const DSDT_REVISION: u32 = 2;
// PCI configuration mechanism 1's address and data ports (PCI Local Bus
// Specification 3.0 §3.2.2.3.2), which the bridge itself decodes.
const PCI_CONFIG_PORTS: u32 = 0xcf8;
const PCI_CONFIG_PORTS_LEN: u32 = 8;
const PCI_BUS_MAX: u32 = 0xff;
const IO_SPACE_MAX: u32 = 0xffff;

// Write the DSDT at `t`, in at most `capacity` bytes: its length, or 0 if
// it does not fit.
export function writeDsdt(t: usize, capacity: u32): u32 {
  if (capacity < HEADER_BYTES) return 0;
  const aml = new Aml(t + HEADER_BYTES, capacity - HEADER_BYTES);
  sleepStates(aml);
  aml.scope("_SB_");
  pciHostBridge(aml);
  aml.end();
  if (aml.overflow) return 0;
  const length = HEADER_BYTES + aml.pos;
  writeHeader(t, "DSDT", length, DSDT_REVISION);
  sealTable(t);
  return length;
}

// \_S5: Package { SLP_TYPa, SLP_TYPb, reserved, reserved } (ACPI 6.4
// §7.4.2): the values the OS writes to PM1a_CNT.SLP_TYP and
// PM1b_CNT.SLP_TYP for soft off (there is no PM1b block; the copy is the
// custom).
function sleepStates(aml: Aml): void {
  aml.name("_S5_");
  aml.package(4);
  aml.integer(SLP_TYP_S5);
  aml.integer(SLP_TYP_S5);
  aml.integer(0);
  aml.integer(0);
  aml.end();
}

// The PCI host bridge (ACPI 6.4 §6.1.5 _HID, §6.1.1 _ADR, §6.1.12 _UID,
// §6.5.6 _SEG: segment group 0, §6.5.5 _BBN: its bus is 0, §6.2.2 _CRS).
function pciHostBridge(aml: Aml): void {
  aml.device("PCI0");
  aml.name("_HID");
  aml.eisaId("PNP0A03");
  aml.name("_ADR");
  aml.integer(0);
  aml.name("_UID");
  aml.integer(0);
  aml.name("_SEG");
  aml.integer(0);
  aml.name("_BBN");
  aml.integer(0);
  aml.name("_CRS");
  aml.buffer();
  wordAddress(aml, RESOURCE_BUS_NUMBER, 0, 0, PCI_BUS_MAX);
  ioPorts(aml, PCI_CONFIG_PORTS, PCI_CONFIG_PORTS_LEN);
  wordAddress(aml, RESOURCE_IO, IO_ENTIRE_RANGE, 0, PCI_CONFIG_PORTS - 1);
  wordAddress(aml, RESOURCE_IO, IO_ENTIRE_RANGE, PCI_CONFIG_PORTS + PCI_CONFIG_PORTS_LEN, IO_SPACE_MAX);
  dwordAddress(aml, RESOURCE_MEMORY, MEMORY_READ_WRITE_NONCACHEABLE, <u32>MMIO_WINDOW_START, <u32>IOAPIC_BASE - 1);
  endTag(aml);
  aml.end();
  aml.end();
}
