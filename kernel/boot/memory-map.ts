// What the firmware's memory map (via Multiboot2) says about RAM: the usable
// total, and whether the core's own linear memory lies in usable RAM.
import { Mb2Info, Mb2Error, MMAP_AVAILABLE, MMAP_ACPI_RECLAIMABLE, MMAP_NVS, MMAP_BAD } from "./multiboot2";
import { begin, endl, line, puts, putHex, putDec, putSize } from "../console/console";

export function usableBytes(info: Mb2Info): u64 {
  let sum: u64 = 0;
  for (let i: u32 = 0; i < info.mmapCount; i++) {
    if (info.entryType(i) == MMAP_AVAILABLE) sum += info.entryLength(i);
  }
  return sum;
}

// True if [base, base+len) lies inside one available region.
export function isUsable(info: Mb2Info, base: u64, len: u64): bool {
  for (let i: u32 = 0; i < info.mmapCount; i++) {
    if (info.entryType(i) != MMAP_AVAILABLE) continue;
    const start = info.entryBase(i);
    const end = start + info.entryLength(i);
    if (base >= start && base + len <= end && base + len >= base) return true;
  }
  return false;
}

function typeName(t: u32): string {
  if (t == MMAP_AVAILABLE) return "available";
  if (t == MMAP_ACPI_RECLAIMABLE) return "ACPI reclaimable";
  if (t == MMAP_NVS) return "ACPI NVS";
  if (t == MMAP_BAD) return "bad RAM";
  return "reserved";
}

export function printMemoryMap(info: Mb2Info): void {
  for (let i: u32 = 0; i < info.mmapCount; i++) {
    const base = info.entryBase(i);
    const len = info.entryLength(i);
    begin("  ");
    putHex(base, 16);
    puts("-");
    putHex(base + len - 1, 16);
    puts(" ");
    puts(typeName(info.entryType(i)));
    endl();
  }
  begin("RAM: ");
  putSize(usableBytes(info));
  puts(" usable (");
  putDec(info.mmapCount);
  puts(" memory map entries)");
  endl();
}

export function printMb2Error(info: Mb2Info): void {
  begin("boot information rejected: ");
  const e = info.error;
  if (e == Mb2Error.BadMagic) {
    puts("not started by a Multiboot2 loader (EAX ");
    putHex(info.errorValue, 8);
    puts(", expected 0x36d76289)");
  } else if (e == Mb2Error.Misaligned) {
    puts("info block address ");
    putHex(info.errorValue);
    puts(" is not 8-byte aligned");
  } else if (e == Mb2Error.TooSmall) {
    puts("total size ");
    putDec(info.errorValue);
    puts(" is smaller than a header and an end tag (16)");
  } else if (e == Mb2Error.TooLarge) {
    puts("total size ");
    putDec(info.errorValue);
    puts(" exceeds the 65536-byte limit");
  } else if (e == Mb2Error.TagTooSmall) {
    puts("tag at offset ");
    putDec(info.errorOffset);
    puts(" has size ");
    putDec(info.errorValue);
    puts(", too small for its type");
  } else if (e == Mb2Error.TagOverrun) {
    puts("tag at offset ");
    putDec(info.errorOffset);
    puts(" with size ");
    putDec(info.errorValue);
    puts(" runs past the end of the block");
  } else if (e == Mb2Error.BadEndTag) {
    puts("end tag at offset ");
    putDec(info.errorOffset);
    puts(" has size ");
    putDec(info.errorValue);
    puts(" (must be 8)");
  } else if (e == Mb2Error.NoEndTag) {
    puts("no end tag before offset ");
    putDec(info.errorOffset);
  } else if (e == Mb2Error.BadMmapEntrySize) {
    puts("memory map tag at offset ");
    putDec(info.errorOffset);
    puts(" has entry size ");
    putDec(info.errorValue);
    puts(" (must be a multiple of 8, at least 24)");
  } else if (e == Mb2Error.NoMemoryMap) {
    puts("no memory map tag");
  } else if (e == Mb2Error.BadModule) {
    puts("module tag at offset ");
    putDec(info.errorOffset);
    puts(" ends before it starts (mod_start ");
    putHex(info.errorValue);
    puts(")");
  }
  endl();
}

// The core's linear memory must be usable RAM: say so plainly if not.
export function checkCoreRegion(info: Mb2Info, base: u64, len: u64): bool {
  if (isUsable(info, base, len)) return true;
  begin("RAM: the core's memory ");
  putHex(base);
  puts("-");
  putHex(base + len - 1);
  puts(" is not usable RAM; give the machine at least ");
  putDec((base + len + (1 << 20) - 1) >> 20);
  puts(" MiB");
  endl();
  line("cannot continue");
  return false;
}
