// The multiboot information structure (Multiboot Specification 0.6.96
// §3.3, "Boot information format") a multiboot kernel finds at EBX, and
// what it points at, in the low-memory area reserved for it
// (kernel/loader/low-memory.ts):
//
//   MULTIBOOT_INFO_AT + 0x000  the structure, 116 bytes; flags:
//                              bit 0 mem_lower/mem_upper, bit 2 cmdline,
//                              bit 3 mods (only with a module), bit 6 mmap,
//                              bit 9 boot_loader_name
//                     + 0x080  the module list: 16 bytes a module
//                              (mod_start, mod_end, string, reserved 0)
//                     + 0x0c0  the module's string, "initrd"
//                     + 0x0e0  the boot loader's name, "tsvisor"
//                     + 0x100  the memory map: the e820 map (./e820.ts),
//                              each entry its size (20) first, then base,
//                              length and type — 24 bytes an entry
//   CMDLINE_AT                 the command line, NUL-terminated
//
// No boot_device (bit 1: there is no BIOS disk), no symbols (bits 4-5), no
// drives, ROM configuration, APM or video information (bits 7, 8, 10-12):
// the kernel sees from the flags that they are absent.
import { GuestMemory, LEGACY_HOLE_END } from "../vm/guest-memory";
import { buildE820, E820_ENTRY_BYTES, E820_MAX } from "./e820";
import { KernelArgs } from "./kernel-args";
import { CMDLINE_AT, EBDA_AT, MULTIBOOT_INFO_AT } from "./low-memory";

// §3.3 flags.
export const MBI_MEMORY: u32 = 1 << 0;
export const MBI_CMDLINE: u32 = 1 << 2;
export const MBI_MODS: u32 = 1 << 3;
export const MBI_MMAP: u32 = 1 << 6;
export const MBI_LOADER_NAME: u32 = 1 << 9;
// §3.3 field offsets.
const FLAGS: u32 = 0;
const MEM_LOWER: u32 = 4;        // KiB from 0 (at most 640)
const MEM_UPPER: u32 = 8;        // KiB from 1 MiB to the first hole above it
const CMDLINE: u32 = 16;
const MODS_COUNT: u32 = 20;
const MODS_ADDR: u32 = 24;
const MMAP_LENGTH: u32 = 44;
const MMAP_ADDR: u32 = 48;
const BOOT_LOADER_NAME: u32 = 64;
export const MBI_BYTES: u32 = 116; // through the framebuffer fields (bit 12)
// Where the pieces sit after the structure (the layout above).
export const MODS_AT: u32 = 0x80;
export const MODULE_STRING_AT: u32 = 0xc0;
export const LOADER_NAME_AT: u32 = 0xe0;
export const MMAP_AT: u32 = 0x100;
// §3.3 "mmap_*": each entry's `size` (of the rest of it, at offset -4 from
// base_addr) and the 20 bytes after it: base_addr, length, type — the
// types are the e820 ones (1 available, 2 reserved, ...).
const MMAP_ENTRY_BYTES: u32 = 4 + E820_ENTRY_BYTES;
const INFO_BYTES: u32 = MMAP_AT + E820_MAX * MMAP_ENTRY_BYTES;

export const MODULE_STRING: string = "initrd";
export const LOADER_NAME: string = "tsvisor";

const info = memory.data(<i32>INFO_BYTES);
const e820 = memory.data(<i32>(E820_MAX * E820_ENTRY_BYTES));

function putString(at: usize, s: string): void {
  for (let i = 0; i < s.length; i++) store<u8>(at + <usize>i, <u8>s.charCodeAt(i));
  store<u8>(at + <usize>s.length, 0);
}

// Write the structure, its memory map and strings at MULTIBOOT_INFO_AT and
// the command line at CMDLINE_AT. `moduleAt`: where the initrd was copied
// (args.initrdSize bytes), if there is one. False if guest RAM lacks them.
export function writeMultibootInfo(mem: GuestMemory, args: KernelArgs, moduleAt: u64): bool {
  memory.fill(info, 0, INFO_BYTES);
  const base = <u32>MULTIBOOT_INFO_AT;
  let flags = MBI_MEMORY | MBI_CMDLINE | MBI_MMAP | MBI_LOADER_NAME;

  // Lower memory: what the e820 map calls RAM below the EBDA; upper: the
  // RAM that runs on from 1 MiB (below the MMIO window).
  const low = mem.bytesFrom(0);
  store<u32>(info + MEM_LOWER, <u32>((low < EBDA_AT ? low : EBDA_AT) >> 10));
  store<u32>(info + MEM_UPPER, <u32>(mem.bytesFrom(LEGACY_HOLE_END) >> 10));

  store<u32>(info + CMDLINE, <u32>CMDLINE_AT);
  if (!mem.write(CMDLINE_AT, args.cmdline, args.cmdlineLen + 1)) return false;

  if (args.initrdSize != 0) {
    flags |= MBI_MODS;
    store<u32>(info + MODS_COUNT, 1);
    store<u32>(info + MODS_ADDR, base + MODS_AT);
    const m = info + MODS_AT;
    store<u32>(m, <u32>moduleAt);                        // mod_start
    store<u32>(m + 4, <u32>(moduleAt + args.initrdSize)); // mod_end: the first byte after it, as GRUB gives it
    store<u32>(m + 8, base + MODULE_STRING_AT);           // string
    putString(info + MODULE_STRING_AT, MODULE_STRING);
  }

  const n = buildE820(mem, e820);
  for (let i: u32 = 0; i < n; i++) {
    const to = info + MMAP_AT + i * MMAP_ENTRY_BYTES;
    store<u32>(to, E820_ENTRY_BYTES);
    memory.copy(to + 4, e820 + i * E820_ENTRY_BYTES, E820_ENTRY_BYTES);
  }
  store<u32>(info + MMAP_LENGTH, n * MMAP_ENTRY_BYTES);
  store<u32>(info + MMAP_ADDR, base + MMAP_AT);

  putString(info + LOADER_NAME_AT, LOADER_NAME);
  store<u32>(info + BOOT_LOADER_NAME, base + LOADER_NAME_AT);

  store<u32>(info + FLAGS, flags);
  return mem.write(MULTIBOOT_INFO_AT, info, MMAP_AT + n * MMAP_ENTRY_BYTES);
}
