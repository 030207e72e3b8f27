// The Multiple APIC Description Table, "APIC" (ACPI 6.4 §5.2.12):
// revision 5. After the header: the local APICs' physical address
// (4 bytes) and flags (4), then interrupt controller structures, each
// opening with its type and length bytes. Debian's cloud kernel has no MP
// table parser: this is how it finds its CPUs and its I/O APIC at all.
//
// On this machine (kernel/run-guest.ts): one local APIC per vCPU, APIC ID
// = ACPI processor UID = vCPU index; the I/O APIC at 0xFEC00000 with its
// 24 inputs from GSI 0 (drivers/ioapic.ts); ISA IRQ n on GSI n but IRQ 0,
// on GSI 2 (kernel/vm/irq-router.ts); the 8259 pair behind LINT0 and NMI
// on LINT1, as on every PC.
import { writeHeader, sealTable, HEADER_BYTES } from "./acpi-header";
import { SCI_IRQ } from "./acpi-platform";
import { IOAPIC_BASE } from "../../drivers/ioapic";
import { LAPIC_DEFAULT_BASE } from "../../drivers/lapic/lapic";
import { PIT_GSI } from "../vm/irq-router";

const MADT_REVISION: u32 = 5;
// The local APICs' address: their default base after reset (SDM Vol. 3A
// §12.4.4), where drivers/lapic/ serves the xAPIC page.
const LOCAL_APIC_ADDRESS: u32 = <u32>LAPIC_DEFAULT_BASE;
const PCAT_COMPAT: u32 = 1 << 0;    // there are 8259s too: the OS must mask them (§5.2.12)
const FIXED_BYTES: u32 = HEADER_BYTES + 8;

// Structure types and lengths (§5.2.12 and each structure's section).
const PROCESSOR_LOCAL_APIC: u32 = 0;       // §5.2.12.2
const PROCESSOR_LOCAL_APIC_LEN: u32 = 8;
const IO_APIC: u32 = 1;                    // §5.2.12.3
const IO_APIC_LEN: u32 = 12;
const INTERRUPT_SOURCE_OVERRIDE: u32 = 2;  // §5.2.12.5
const INTERRUPT_SOURCE_OVERRIDE_LEN: u32 = 10;
const LOCAL_APIC_NMI: u32 = 4;             // §5.2.12.7
const LOCAL_APIC_NMI_LEN: u32 = 6;

const LOCAL_APIC_ENABLED: u32 = 1 << 0;    // Local APIC Flags: Enabled (§5.2.12.2)
// The I/O APIC's ID: what IOAPICID reads after reset (drivers/ioapic.ts,
// `id` 0), which the OS checks the MADT against.
export const MADT_IOAPIC_ID: u32 = 0;
const ISA_BUS: u32 = 0;                    // the override's Bus: 0, ISA (§5.2.12.5)
// MPS INTI flags (§5.2.12.5): polarity in bits 1:0 (0 conforms to the
// bus, 1 active high, 3 active low), trigger mode in bits 3:2 (0 conforms,
// 1 edge, 3 level). The PIT's override conforms to ISA (edge, high).
const INTI_CONFORMS: u32 = 0;
const INTI_ACTIVE_HIGH_LEVEL: u32 = 0x1 | (0x3 << 2);
const ALL_PROCESSORS: u32 = 0xff;          // a Local APIC NMI for every processor (§5.2.12.7)
const LINT1: u32 = 1;
// One Processor Local APIC structure holds an 8-bit APIC ID; 0xFF is
// the broadcast ID, so 255 vCPUs at most (more need x2APIC structures).
export const MADT_MAX_CPUS: u32 = 255;

export function madtBytes(cpus: u32): u32 {
  return FIXED_BYTES + cpus * PROCESSOR_LOCAL_APIC_LEN + IO_APIC_LEN + 2 * INTERRUPT_SOURCE_OVERRIDE_LEN + LOCAL_APIC_NMI_LEN;
}

// Write the MADT for `cpus` (1 to MADT_MAX_CPUS) at `t`, zeroed
// beforehand; its length.
export function writeMadt(t: usize, cpus: u32): u32 {
  const length = madtBytes(cpus);
  writeHeader(t, "APIC", length, MADT_REVISION);
  store<u32>(t + <usize>HEADER_BYTES, LOCAL_APIC_ADDRESS);
  store<u32>(t + <usize>HEADER_BYTES + 4, PCAT_COMPAT);
  let p = t + <usize>FIXED_BYTES;
  for (let i: u32 = 0; i < cpus; i++) {
    // Processor Local APIC: ACPI Processor UID, APIC ID, flags (4).
    entry(p, PROCESSOR_LOCAL_APIC, PROCESSOR_LOCAL_APIC_LEN);
    store<u8>(p, i, 2);
    store<u8>(p, i, 3);
    store<u32>(p, LOCAL_APIC_ENABLED, 4);
    p += PROCESSOR_LOCAL_APIC_LEN;
  }
  // I/O APIC: ID, reserved, address (4), Global System Interrupt Base (4).
  entry(p, IO_APIC, IO_APIC_LEN);
  store<u8>(p, MADT_IOAPIC_ID, 2);
  store<u32>(p, <u32>IOAPIC_BASE, 4);
  store<u32>(p, 0, 8);
  p += IO_APIC_LEN;
  sourceOverride(p, 0, PIT_GSI, INTI_CONFORMS);
  p += INTERRUPT_SOURCE_OVERRIDE_LEN;
  sourceOverride(p, SCI_IRQ, SCI_IRQ, INTI_ACTIVE_HIGH_LEVEL);
  p += INTERRUPT_SOURCE_OVERRIDE_LEN;
  // Local APIC NMI: ACPI Processor UID, flags (2), Local APIC LINT#.
  entry(p, LOCAL_APIC_NMI, LOCAL_APIC_NMI_LEN);
  store<u8>(p, ALL_PROCESSORS, 2);
  store<u16>(p, INTI_CONFORMS, 3);
  store<u8>(p, LINT1, 5);
  sealTable(t);
  return length;
}

// A structure's type and length bytes at `p`.
function entry(p: usize, type: u32, len: u32): void {
  store<u8>(p, type);
  store<u8>(p, len, 1);
}

// Interrupt Source Override (§5.2.12.5): Bus, Source (the ISA IRQ), Global
// System Interrupt (4), Flags (2).
function sourceOverride(p: usize, irq: u32, gsi: u32, flags: u32): void {
  entry(p, INTERRUPT_SOURCE_OVERRIDE, INTERRUPT_SOURCE_OVERRIDE_LEN);
  store<u8>(p, ISA_BUS, 2);
  store<u8>(p, irq, 3);
  store<u32>(p, gsi, 4);
  store<u16>(p, flags, 8);
}
