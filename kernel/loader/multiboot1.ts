// A multiboot (v1) kernel, loaded as the Multiboot Specification 0.6.96
// says a boot loader must: the header found in the image's first 8192
// bytes (§3.1.1), its flags honoured or the image refused (§3.1.2), the
// image placed by the header's address fields (flags bit 16, §3.1.3: the
// "a.out kludge" of flat and a.out images) or else by its ELF program
// headers (./elf32.ts), the initrd as the one boot module, the
// information structure built (./multiboot1-info.ts), and the vCPU started
// in the §3.2 machine state: flat 32-bit protected mode, paging off,
// EAX = 0x2BADB002, EBX = the information's address.
//
// What it may not be loaded over: the low memory the loader itself fills
// (kernel/loader/low-memory.ts) — the BIOS data area, the command line and
// the information, and the EBDA with the ACPI tables up to 1 MiB.
import { GuestMemory, LEGACY_HOLE_END } from "../vm/guest-memory";
import { InitialState, protectedFlatState } from "../vm/initial-state";
import { begin, endl, puts, putDec, putHex, putSize } from "../console/console";
import { copyToGuest, readModuleHead } from "./module-copy";
import { KernelArgs } from "./kernel-args";
import { lowRamTop } from "./e820";
import { isElf, parseElf32, LoadSegments } from "./elf32";
import { writeMultibootInfo, MODULE_STRING } from "./multiboot1-info";
import { CMDLINE_AT, EBDA_AT, MULTIBOOT_INFO_AT, MULTIBOOT_INFO_MAX, writeBiosDataArea } from "./low-memory";

// §3.1.1: the header, 32-bit aligned, wholly in the first 8192 bytes.
export const MB1_HEADER_MAGIC: u32 = 0x1badb002;
const SEARCH_BYTES: u32 = 8192;
// §3.2: what EAX holds at the kernel's entry.
export const MB1_BOOTLOADER_MAGIC: u32 = 0x2badb002;
// §3.1.1 header layout: magic, flags, checksum; with bit 16 the address
// fields header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr.
const H_FLAGS: u32 = 4;
const H_CHECKSUM: u32 = 8;
const H_HEADER_ADDR: u32 = 12;
const H_LOAD_ADDR: u32 = 16;
const H_LOAD_END_ADDR: u32 = 20;
const H_BSS_END_ADDR: u32 = 24;
const H_ENTRY_ADDR: u32 = 28;
const HEADER_BYTES: u32 = 12;
const HEADER_WITH_ADDRESSES: u32 = 32;
// §3.1.2 flags. Bits 0-15 are requirements: a loader that does not know one
// "must notify the user and fail to load the OS image". Bit 0 (modules page
// aligned) and bit 1 (memory information) tsvisor always gives. Bit 2 (a
// video mode table) it ignores, having no display: the information's flags
// say no video information is there (bits 11, 12 clear). Bits 16-31 are
// optional features; bit 16 is the only one defined.
const F_PAGE_ALIGN: u32 = 1 << 0;
const F_MEMORY_INFO: u32 = 1 << 1;
const F_VIDEO_MODE: u32 = 1 << 2;
const F_REQUIRED: u32 = 0xffff;
const F_ADDRESSES: u32 = 1 << 16;
const F_KNOWN: u32 = F_PAGE_ALIGN | F_MEMORY_INFO | F_VIDEO_MODE;

const PAGE: u64 = 4096;
const FOUR_GIB: u64 = <u64>1 << 32;
// The BIOS data area ends at 0x4ff (IBM PC/AT Technical Reference, BIOS
// data area): the IVT and the BDA, where the loader writes the EBDA pointer.
const BDA_END: u64 = 0x500;
const NOT_FOUND: u32 = 0xffffffff;

const head = memory.data(<i32>SEARCH_BYTES);
const segments = new LoadSegments();

@inline function u32At(off: u32): u32 { return load<u32>(head + off); }

function reject(why: string): bool {
  begin("guest kernel rejected: multiboot: ");
  puts(why);
  endl();
  return false;
}

// Read the image's first bytes into `head`; how many (the rest is zeroed).
function readHead(start: u64, size: u64): u32 {
  return readModuleHead(head, SEARCH_BYTES, start, size);
}

// The offset of the first aligned magic in `head`, wanting a good checksum
// or not; NOT_FOUND if none.
function findHeader(n: u32, checked: bool): u32 {
  for (let off: u32 = 0; off + HEADER_BYTES <= n; off += 4) {
    if (u32At(off) != MB1_HEADER_MAGIC) continue;
    if (!checked || MB1_HEADER_MAGIC + u32At(off + H_FLAGS) + u32At(off + H_CHECKSUM) == 0) return off;
  }
  return NOT_FOUND;
}

// True if the image carries the multiboot magic where a header may be
// (a bad checksum is the loader's to report).
export function isMultiboot(start: u64, size: u64): bool {
  return findHeader(readHead(start, size), false) != NOT_FOUND;
}

// Whether [base, base + len) may take a piece of the kernel: guest RAM
// below 4 GiB, clear of the loader's own low memory; reported if not.
function placeable(mem: GuestMemory, base: u64, len: u64): bool {
  let clash: string | null = null;
  if (base < BDA_END) clash = "the real-mode IVT and BIOS data area";
  else if (base < MULTIBOOT_INFO_AT + <u64>MULTIBOOT_INFO_MAX && base + len > CMDLINE_AT) clash = "the command line and multiboot information";
  else if (base < LEGACY_HOLE_END && base + len > EBDA_AT) clash = "the EBDA (ACPI tables) and the BIOS area below 1 MiB";
  if (clash === null && base + len <= FOUR_GIB && mem.contains(base, len)) return true;
  begin("guest kernel rejected: multiboot: it loads at ");
  putHex(base);
  puts("-");
  putHex(base + len);
  if (clash !== null) {
    puts(", over ");
    puts(clash);
    puts(" that the loader fills");
  } else {
    puts(", outside guest RAM (RAM below 4 GiB ends at ");
    putHex(lowRamTop(mem));
    puts("): give more guest_ram");
  }
  endl();
  return false;
}

// The address fields (flags bit 16, §3.1.3) as one segment of the file:
// from the header's offset less (header_addr - load_addr), load_end_addr -
// load_addr bytes (0: the rest of the file), zero to bss_end_addr (0: no bss).
function addressFields(h: u32, headBytes: u32, size: u64, out: LoadSegments): bool {
  out.count = 0;
  if (h + HEADER_WITH_ADDRESSES > headBytes) return reject("its address fields (flags bit 16) run past the first 8192 bytes or the end of the file");
  const headerAddr = <u64>u32At(h + H_HEADER_ADDR);
  const loadAddr = <u64>u32At(h + H_LOAD_ADDR);
  const loadEnd = <u64>u32At(h + H_LOAD_END_ADDR);
  const bssEnd = <u64>u32At(h + H_BSS_END_ADDR);
  const entry = <u64>u32At(h + H_ENTRY_ADDR);
  if (loadAddr > headerAddr || headerAddr - loadAddr > <u64>h) {
    return reject("its load_addr is above header_addr, or before the start of the file (header_addr - load_addr exceeds the header's offset)");
  }
  const offset = <u64>h - (headerAddr - loadAddr);
  if (loadEnd != 0 && loadEnd < loadAddr) return reject("its load_end_addr is below load_addr");
  const bytes = loadEnd == 0 ? size - offset : loadEnd - loadAddr;
  if (offset + bytes > size) {
    begin("guest kernel rejected: multiboot: truncated: its address fields load ");
    putDec(bytes);
    puts(" bytes from file offset ");
    putDec(offset);
    puts(", the file has ");
    putDec(size);
    endl();
    return false;
  }
  if (bssEnd != 0 && bssEnd < loadAddr + bytes) return reject("its bss_end_addr is below the end of what it loads");
  const memBytes = bssEnd != 0 ? bssEnd - loadAddr : bytes;
  if (memBytes == 0) return reject("its address fields load nothing");
  if (entry < loadAddr || entry >= loadAddr + memBytes) {
    begin("guest kernel rejected: multiboot: its entry_addr ");
    putHex(entry);
    puts(" is outside what it loads, ");
    putHex(loadAddr);
    puts("-");
    putHex(loadAddr + memBytes);
    endl();
    return false;
  }
  out.add(offset, bytes, loadAddr, memBytes, loadAddr);
  out.entry = entry;
  return true;
}

// Load it (isMultiboot must have said yes) and fill the vCPU's start.
export function loadMultiboot(mem: GuestMemory, args: KernelArgs, state: InitialState): bool {
  const size = args.imageSize;
  const n = readHead(args.imageStart, size);
  const h = findHeader(n, true);
  if (h == NOT_FOUND) {
    begin("guest kernel rejected: multiboot: the header at offset ");
    putHex(findHeader(n, false));
    puts(" has a wrong checksum (magic + flags + checksum must be 0 mod 2^32)");
    endl();
    return false;
  }
  const flags = u32At(h + H_FLAGS);
  const unknown = flags & F_REQUIRED & ~F_KNOWN;
  if (unknown != 0) {
    begin("guest kernel rejected: multiboot: its header requires features tsvisor does not know (flags bits ");
    putHex(unknown);
    puts(" of the required 0-15)");
    endl();
    return false;
  }
  const kludge = (flags & F_ADDRESSES) != 0;
  if (kludge) {
    if (!addressFields(h, n, size, segments)) return false;
  } else if (!isElf(head, n)) {
    return reject("neither an ELF file nor a header with address fields (flags bit 16): nothing says where to load it");
  } else if (!parseElf32(args.imageStart, size, head, n, segments)) {
    return false;
  }

  for (let i = 0; i < segments.count; i++) {
    if (!placeable(mem, segments.addr[i], segments.memBytes[i])) return false;
  }
  // The bss past each segment's file bytes is already zero: guest RAM is
  // zeroed before any loader runs (kernel/run-guest.ts), and the segments
  // do not overlap.
  for (let i = 0; i < segments.count; i++) {
    if (!copyToGuest(mem, segments.addr[i], args.imageStart + segments.fileOffset[i], segments.fileBytes[i])) return false;
  }
  const low = segments.low();
  const high = segments.high();

  // The initrd, page-aligned (flags bit 0) above the kernel and 1 MiB.
  let moduleAt: u64 = 0;
  if (args.initrdSize != 0) {
    moduleAt = ((high > LEGACY_HOLE_END ? high : LEGACY_HOLE_END) + PAGE - 1) & ~(PAGE - 1);
    if (moduleAt + args.initrdSize > FOUR_GIB || !mem.contains(moduleAt, args.initrdSize)) {
      begin("the initrd (");
      putSize(args.initrdSize);
      puts(") does not fit above the multiboot kernel's ");
      putHex(moduleAt);
      puts(", guest RAM below 4 GiB ends at ");
      putHex(lowRamTop(mem));
      puts(": give more guest_ram");
      endl();
      return false;
    }
    if (!copyToGuest(mem, moduleAt, args.initrdStart, args.initrdSize)) return false;
  }
  if (!writeMultibootInfo(mem, args, moduleAt)) return false;
  if (!writeBiosDataArea(mem)) return false;

  protectedFlatState(state, segments.entry);
  state.rax = MB1_BOOTLOADER_MAGIC;
  state.rbx = MULTIBOOT_INFO_AT;

  begin("multiboot: ");
  if (kludge) puts("address fields, ");
  else {
    puts("ELF32, ");
    putDec(segments.count);
    puts(segments.count == 1 ? " segment, " : " segments, ");
  }
  puts("kernel at ");
  putHex(low);
  puts("-");
  putHex(high);
  puts(", entry ");
  putHex(segments.entry);
  puts(", information at ");
  putHex(MULTIBOOT_INFO_AT);
  endl();
  if (args.initrdSize != 0) {
    begin("multiboot: module ");
    puts(MODULE_STRING);
    puts(" ");
    putSize(args.initrdSize);
    puts(" at ");
    putHex(moduleAt);
    endl();
  }
  return true;
}
