// The guest's memory map as a PC BIOS reports it through INT 15h E820h
// (ACPI 6.5 §15, "System Address Map Interfaces"; Linux boot protocol,
// boot_params.e820_table), built from the guest's RAM ranges
// (kernel/vm/guest-memory.ts):
//   [0, EBDA)              usable: conventional memory, where Linux puts its
//                          real-mode trampoline
//   [EBDA, 1 MiB)          reserved: the EBDA with the ACPI tables, the VGA
//                          window and the BIOS area
//   [1 MiB, top below 3 GiB)   usable
//   [4 GiB, ...)           usable: RAM above the MMIO window, if any
// The MMIO window is left out, as PC firmware leaves it (Linux then puts
// PCI BARs there).
import { GuestMemory, LEGACY_HOLE_END, FOUR_GIB } from "../vm/guest-memory";
import { EBDA_AT } from "./low-memory";

export const E820_RAM: u32 = 1;      // AddressRangeMemory
export const E820_RESERVED: u32 = 2; // AddressRangeReserved
export const E820_ENTRY_BYTES: u32 = 20; // base u64, length u64, type u32
export const E820_MAX: u32 = 8;

function put(n: u32, out: usize, base: u64, end: u64, type: u32): u32 {
  const at = out + <usize>(n * E820_ENTRY_BYTES);
  store<u64>(at, base);
  store<u64>(at, end - base, 8);
  store<u32>(at, type, 16);
  return n + 1;
}

// Write the map at `out` (E820_MAX entries' room); returns the count.
export function buildE820(mem: GuestMemory, out: usize): u32 {
  let n: u32 = 0;
  const low = mem.bytesFrom(0);
  n = put(n, out, 0, low < EBDA_AT ? low : EBDA_AT, E820_RAM);
  if (low > EBDA_AT) n = put(n, out, EBDA_AT, LEGACY_HOLE_END, E820_RESERVED);
  for (let i = 0; i < mem.count; i++) {
    const s = mem.starts[i];
    if (s < LEGACY_HOLE_END) continue;
    n = put(n, out, s, mem.ends[i], E820_RAM);
  }
  return n;
}

// The end of the RAM below 4 GiB that a loader may place things in.
export function lowRamTop(mem: GuestMemory): u64 {
  let top: u64 = 0;
  for (let i = 0; i < mem.count; i++) {
    if (mem.ends[i] <= FOUR_GIB && mem.ends[i] > top) top = mem.ends[i];
  }
  return top;
}
