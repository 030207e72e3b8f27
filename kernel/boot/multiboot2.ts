// Multiboot2 boot information (Multiboot2 spec §3.6): copied from physical
// memory into a bounded buffer, then walked tag by tag with every size and
// offset checked. A malformed block yields an error code and the offending
// offset and value, never an out-of-bounds read.
import { physRead } from "../hal/imports";

// Spec §3.3: EAX holds this value when a Multiboot2 loader starts us.
export const MB2_BOOTLOADER_MAGIC: u32 = 0x36d76289;
// Bound on the info block we accept (GRUB's is a few KiB).
export const INFO_MAX: u32 = 64 * 1024;

// Tag types (spec §3.6.3 ff.).
const TAG_END: u32 = 0;
const TAG_CMDLINE: u32 = 1;
const TAG_LOADER_NAME: u32 = 2;
const TAG_MODULE: u32 = 3;
const TAG_BASIC_MEMINFO: u32 = 4;
const TAG_MMAP: u32 = 6;
const TAG_FRAMEBUFFER: u32 = 8;
// Framebuffer types (Multiboot2 §3.6.12): 0 indexed colour, 1 direct RGB,
// 2 EGA text (the address is the text buffer, width and height in
// characters, 16 bits per character cell).
export const FB_TYPE_EGA_TEXT: u32 = 2;
export const FB_TYPE_RGB: u32 = 1;
// Memory map entry types (spec §3.6.8).
export const MMAP_AVAILABLE: u32 = 1;
export const MMAP_ACPI_RECLAIMABLE: u32 = 3;
export const MMAP_NVS: u32 = 4;
export const MMAP_BAD: u32 = 5;
const MMAP_ENTRY_MIN: u32 = 24; // base u64, length u64, type u32, reserved u32
// Boot modules kept (spec §3.6.6): a guest kernel, its initrd and its
// command line, with room to spare; more are counted and ignored.
export const MAX_MODULES: u32 = 8;

export enum Mb2Error {
  None = 0,
  BadMagic,          // value: EAX
  Misaligned,        // value: info address
  TooSmall,          // value: total_size
  TooLarge,          // value: total_size
  TagTooSmall,       // offset: tag, value: tag size
  TagOverrun,        // offset: tag, value: tag size
  BadEndTag,         // offset: tag, value: tag size
  NoEndTag,          // offset: where the walk stopped
  BadMmapEntrySize,  // offset: tag, value: entry_size
  NoMemoryMap,
  BadModule,         // offset: tag, value: mod_start (mod_end below it)
}

const buffer = memory.data(INFO_MAX, 8);

// The copied block, for a hex dump (kernel/boot/bootinfo-dump.ts).
export function infoBytes(): usize { return buffer; }

export class Mb2Info {
  error: Mb2Error = Mb2Error.None;
  errorOffset: u32 = 0;
  errorValue: u64 = 0;
  totalSize: u32 = 0;
  tagCount: u32 = 0;
  cmdline: usize = 0; // pointer into the buffer, 0 if absent
  cmdlineLen: u32 = 0;
  loaderName: usize = 0;
  loaderNameLen: u32 = 0;
  memLowerKiB: u32 = 0;
  memUpperKiB: u32 = 0;
  hasBasicMeminfo: bool = false;
  mmap: usize = 0; // first entry, 0 if no memory map tag
  mmapEntrySize: u32 = 0;
  mmapCount: u32 = 0;
  // The boot modules (spec §3.6.6), in the order the loader gave them;
  // each one's string is its role (kernel/boot/modules.ts).
  moduleCount: u32 = 0;
  modulesIgnored: u32 = 0;
  moduleStarts: StaticArray<u32> = new StaticArray<u32>(MAX_MODULES);
  moduleEnds: StaticArray<u32> = new StaticArray<u32>(MAX_MODULES);
  moduleNames: StaticArray<usize> = new StaticArray<usize>(MAX_MODULES);
  moduleNameLens: StaticArray<u32> = new StaticArray<u32>(MAX_MODULES);
  // The framebuffer GRUB left the screen in (tag 8, §3.6.12), if it says:
  // address, bytes per row, width and height (pixels, or characters for
  // EGA text), bits per pixel, type (FB_TYPE_*).
  hasFramebuffer: bool = false;
  fbAddress: u64 = 0;
  fbPitch: u32 = 0;
  fbWidth: u32 = 0;
  fbHeight: u32 = 0;
  fbBpp: u32 = 0;
  fbType: u32 = 0;
  // FB_TYPE_RGB: each colour's bit position and size in a pixel.
  fbRedShift: u32 = 0;
  fbRedBits: u32 = 0;
  fbGreenShift: u32 = 0;
  fbGreenBits: u32 = 0;
  fbBlueShift: u32 = 0;
  fbBlueBits: u32 = 0;

  fail(error: Mb2Error, offset: u32, value: u64): Mb2Info {
    this.error = error;
    this.errorOffset = offset;
    this.errorValue = value;
    return this;
  }

  entryBase(i: u32): u64 { return load<u64>(this.mmap + <usize>(i * this.mmapEntrySize)); }
  entryLength(i: u32): u64 { return load<u64>(this.mmap + <usize>(i * this.mmapEntrySize), 8); }
  entryType(i: u32): u32 { return load<u32>(this.mmap + <usize>(i * this.mmapEntrySize), 16); }
}

export const bootInfo = new Mb2Info();

// Length of a NUL-terminated string at `p`, at most `max` bytes.
function strnlen(p: usize, max: u32): u32 {
  let n: u32 = 0;
  while (n < max && load<u8>(p + n) != 0) n++;
  return n;
}

// Copy the block at `infoPhys` into the buffer and parse it.
export function parseMultiboot2(magic: u32, infoPhys: u64): Mb2Info {
  const info = bootInfo;
  if (magic != MB2_BOOTLOADER_MAGIC) return info.fail(Mb2Error.BadMagic, 0, magic);
  // Spec §3.6.1: the block is 8-byte aligned.
  if ((infoPhys & 7) != 0 || infoPhys == 0) return info.fail(Mb2Error.Misaligned, 0, infoPhys);
  physRead(buffer, infoPhys, 8);
  const total = load<u32>(buffer);
  // Smallest well-formed block: the 8-byte header and an 8-byte end tag.
  if (total < 16) return info.fail(Mb2Error.TooSmall, 0, total);
  if (total > INFO_MAX) return info.fail(Mb2Error.TooLarge, 0, total);
  physRead(buffer, infoPhys, total);
  return parseBuffer(info, total);
}

function parseBuffer(info: Mb2Info, total: u32): Mb2Info {
  info.totalSize = total;
  let off: u32 = 8; // after total_size and reserved
  while (off + 8 <= total) {
    const type = load<u32>(buffer + off);
    const size = load<u32>(buffer + off, 4);
    if (size < 8) return info.fail(Mb2Error.TagTooSmall, off, size);
    if (size > total - off) return info.fail(Mb2Error.TagOverrun, off, size);
    info.tagCount++;
    const body = buffer + off + 8;
    const bodyLen = size - 8;
    if (type == TAG_END) {
      if (size != 8) return info.fail(Mb2Error.BadEndTag, off, size);
      return info.mmap == 0 ? info.fail(Mb2Error.NoMemoryMap, off, 0) : info;
    } else if (type == TAG_CMDLINE) {
      info.cmdline = body;
      info.cmdlineLen = strnlen(body, bodyLen);
    } else if (type == TAG_LOADER_NAME) {
      info.loaderName = body;
      info.loaderNameLen = strnlen(body, bodyLen);
    } else if (type == TAG_MODULE) {
      // Body: mod_start u32, mod_end u32, then a NUL-terminated string.
      if (bodyLen < 8) return info.fail(Mb2Error.TagTooSmall, off, size);
      const start = load<u32>(body);
      const end = load<u32>(body, 4);
      if (end < start) return info.fail(Mb2Error.BadModule, off, start);
      const m = info.moduleCount;
      if (m < MAX_MODULES) {
        info.moduleStarts[m] = start;
        info.moduleEnds[m] = end;
        info.moduleNames[m] = body + 8;
        info.moduleNameLens[m] = strnlen(body + 8, bodyLen - 8);
        info.moduleCount = m + 1;
      } else {
        info.modulesIgnored++;
      }
    } else if (type == TAG_BASIC_MEMINFO && bodyLen >= 8) {
      info.hasBasicMeminfo = true;
      info.memLowerKiB = load<u32>(body);
      info.memUpperKiB = load<u32>(body, 4);
    } else if (type == TAG_FRAMEBUFFER && bodyLen >= 22) {
      // Body: addr u64, pitch u32, width u32, height u32, bpp u8, type u8.
      info.hasFramebuffer = true;
      info.fbAddress = load<u64>(body);
      info.fbPitch = load<u32>(body, 8);
      info.fbWidth = load<u32>(body, 12);
      info.fbHeight = load<u32>(body, 16);
      info.fbBpp = <u32>load<u8>(body, 20);
      info.fbType = <u32>load<u8>(body, 21);
      // RGB: after a reserved u16, red, green and blue as (position, size).
      if (info.fbType == FB_TYPE_RGB && bodyLen >= 30) {
        info.fbRedShift = <u32>load<u8>(body, 24);
        info.fbRedBits = <u32>load<u8>(body, 25);
        info.fbGreenShift = <u32>load<u8>(body, 26);
        info.fbGreenBits = <u32>load<u8>(body, 27);
        info.fbBlueShift = <u32>load<u8>(body, 28);
        info.fbBlueBits = <u32>load<u8>(body, 29);
      }
    } else if (type == TAG_MMAP) {
      // Body: entry_size u32, entry_version u32, then entries (spec §3.6.8).
      if (bodyLen < 8) return info.fail(Mb2Error.TagTooSmall, off, size);
      const entrySize = load<u32>(body);
      if (entrySize < MMAP_ENTRY_MIN || (entrySize & 7) != 0) {
        return info.fail(Mb2Error.BadMmapEntrySize, off, entrySize);
      }
      info.mmap = body + 8;
      info.mmapEntrySize = entrySize;
      info.mmapCount = (bodyLen - 8) / entrySize;
    }
    // Tags start on 8-byte boundaries (spec §3.6.2).
    off = (off + size + 7) & ~7;
  }
  return info.fail(Mb2Error.NoEndTag, off, 0);
}
