// The ACPI tables of tsvisor's PC machine, built into guest RAM for an OS
// that finds its hardware through ACPI alone (DESIGN.md: Debian's cloud
// kernel has no MP table parser). Laid out in one block, the RSDP first so
// that a scan of the EBDA's first 1 KiB finds it (ACPI 6.4 §5.2.5.1):
//
//   +0     RSDP (36)   → RSDT, XSDT
//   +64    FACS (64, 64-byte aligned)
//   +128   XSDT        → FADT, MADT
//          RSDT        → FADT, MADT
//          FADT (276)  → FACS, DSDT; the PM registers (kernel/firmware/acpi-platform.ts)
//          MADT        the local APICs, the I/O APIC, the overrides, LINT1 NMI
//          DSDT        \_S5 and \_SB.PCI0
//
// each table on a 16-byte boundary. The tables are built in a static
// scratch buffer, then copied into guest RAM through GuestMemory in one write.
import { GuestMemory } from "../vm/guest-memory";
import { writeRsdp, writeXsdt, writeRsdt, xsdtBytes, rsdtBytes, RSDP_BYTES } from "./acpi-root";
import { writeFacs, FACS_BYTES, FACS_ALIGN } from "./acpi-facs";
import { writeFadt, FADT_BYTES } from "./acpi-fadt";
import { writeMadt, madtBytes, MADT_MAX_CPUS } from "./acpi-madt";
import { writeDsdt } from "./acpi-dsdt";

export { SLP_TYP_S5 } from "./acpi-platform";

// One page holds the tables of up to 255 vCPUs with room to spare.
const SCRATCH_BYTES: u32 = 4096;
const scratch = memory.data(<i32>SCRATCH_BYTES, 64);
const TABLE_ALIGN: u32 = 16;        // RSDP: a 16-byte boundary (§5.2.5.1); the rest: tidy
const FOUR_GIB: u64 = <u64>1 << 32; // the RSDT's and FADT's 32-bit pointers must reach every table
const ROOT_ENTRIES: u32 = 2;        // FADT, MADT

@inline function align(v: u32, a: u32): u32 { return (v + a - 1) & ~(a - 1); }

// Write the tables for `cpus` vCPUs into guest RAM [base, base + bytes);
// the guest-physical address of the RSDP (= base), or 0 if they do not
// fit in `bytes`, `base` is not 16-byte aligned, the block reaches past
// 4 GiB, the bytes written are not all guest RAM, or `cpus` is not 1 to 255.
export function buildAcpiTables(mem: GuestMemory, base: u64, bytes: u32, cpus: u32): u64 {
  if (cpus == 0 || cpus > MADT_MAX_CPUS || (base & <u64>(TABLE_ALIGN - 1)) != 0) return 0;
  if (base + <u64>bytes > FOUR_GIB) return 0;
  const room = bytes < SCRATCH_BYTES ? bytes : SCRATCH_BYTES;
  memory.fill(scratch, 0, SCRATCH_BYTES);

  const facs = align(RSDP_BYTES, FACS_ALIGN);
  const xsdt = align(facs + FACS_BYTES, TABLE_ALIGN);
  const rsdt = align(xsdt + xsdtBytes(ROOT_ENTRIES), TABLE_ALIGN);
  const fadt = align(rsdt + rsdtBytes(ROOT_ENTRIES), TABLE_ALIGN);
  const madt = align(fadt + FADT_BYTES, TABLE_ALIGN);
  const dsdt = align(madt + madtBytes(cpus), TABLE_ALIGN);
  if (dsdt >= room) return 0;
  const dsdtLength = writeDsdt(scratch + <usize>dsdt, room - dsdt);
  if (dsdtLength == 0) return 0;

  writeFacs(scratch + <usize>facs);
  writeFadt(scratch + <usize>fadt, base + facs, base + dsdt);
  writeMadt(scratch + <usize>madt, cpus);
  const roots = new StaticArray<u64>(<i32>ROOT_ENTRIES);
  roots[0] = base + fadt;
  roots[1] = base + madt;
  writeXsdt(scratch + <usize>xsdt, roots);
  writeRsdt(scratch + <usize>rsdt, roots);
  writeRsdp(scratch, base + rsdt, base + xsdt);

  if (!mem.write(base, scratch, dsdt + dsdtLength)) return 0;
  return base;
}
