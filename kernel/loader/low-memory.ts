// Where the loaders put what they hand a guest kernel in its first MiB —
// one map, so that nothing overlaps:
//   0x00000  real-mode IVT and BIOS data area (BDA): the EBDA pointer at
//            0x40E and the base-memory size at 0x413 (below)
//   0x01000  identity-mapped page tables for a 64-bit entry, 4 GiB in 2 MiB
//            pages: 6 pages (kernel/vm/identity-paging.ts)
//   0x07000  Linux boot_params, the "zero page" (kernel/loader/boot-params.ts)
//   0x08000  the guest kernel's command line, NUL-terminated
//   0x09000  the multiboot information and what it points at
//            (kernel/loader/multiboot1-info.ts)
//   0x9F000  the extended BIOS data area: the ACPI tables, RSDP first
//            (kernel/firmware/acpi-tables.ts) — reserved in the e820 map
// Test guests linked at 0x7c00 are flat images and use none of this.
import { GuestMemory } from "../vm/guest-memory";

export const IDENTITY_TABLES_AT: u64 = 0x1000;
export const BOOT_PARAMS_AT: u64 = 0x7000;
export const CMDLINE_AT: u64 = 0x8000;
export const CMDLINE_MAX: u32 = 0x1000; // including the NUL
export const MULTIBOOT_INFO_AT: u64 = 0x9000;
export const MULTIBOOT_INFO_MAX: u32 = 0x4000;
export const EBDA_AT: u64 = 0x9f000;
export const EBDA_BYTES: u32 = 0x1000;
// The BDA words a PC BIOS leaves (IBM PC/AT Technical Reference, BIOS data
// area): 40:0E the EBDA's segment, 40:13 the KiB of memory below it. Linux
// reads both to reserve the BIOS regions and to place its 5-level-paging
// trampoline below the EBDA (arch/x86/boot/compressed/pgtable_64.c).
const BDA_EBDA_SEGMENT: u64 = 0x40e;
const BDA_BASE_MEMORY_KIB: u64 = 0x413;
const word = memory.data(2);

export function writeBiosDataArea(mem: GuestMemory): bool {
  store<u16>(word, <u16>(EBDA_AT >> 4));
  if (!mem.write(BDA_EBDA_SEGMENT, word, 2)) return false;
  store<u16>(word, <u16>(EBDA_AT >> 10));
  return mem.write(BDA_BASE_MEMORY_KIB, word, 2);
}
