// A 32-bit x86 ELF executable's loadable segments (Tool Interface Standard
// ELF 1.2, Book I ch. 1 "ELF Header" and ch. 2 "Program Header"; the i386
// supplement for EM_386): what a multiboot kernel without address fields
// is (Multiboot 0.6.96 §3.1.2, flags bit 16: "This information does not
// need to be provided if the kernel image is in ELF format"). Only parsed
// and checked here; the loader places and copies (./multiboot1.ts).
//
// Each PT_LOAD segment goes to its physical address p_paddr, p_filesz bytes
// from the file at p_offset, zero up to p_memsz. The entry is e_entry, a
// virtual address translated into the physical terms of the segment whose
// virtual range holds it, as GRUB 2 does (grub-core/loader/multiboot_elfxx.c)
// — a higher-half kernel links its entry virtually — or, failing that, taken
// as a physical address inside a segment.
import { physRead } from "../hal/imports";
import { begin, endl, puts, putDec, putHex } from "../console/console";

// e_ident (Book I Figure 1-4): "\x7fELF", then the class, data encoding, version.
const ELF_MAGIC: u32 = 0x464c457f;  // 0x7f 'E' 'L' 'F', little-endian
const EI_CLASS: u32 = 4;
const EI_DATA: u32 = 5;
const ELFCLASS32: u32 = 1;
const ELFDATA2LSB: u32 = 1;         // two's complement, little-endian
// Elf32_Ehdr (Figure 1-3).
const E_TYPE: u32 = 16;             // u16
const E_MACHINE: u32 = 18;          // u16
const E_ENTRY: u32 = 24;            // u32
const E_PHOFF: u32 = 28;            // u32
const E_PHENTSIZE: u32 = 42;        // u16
const E_PHNUM: u32 = 44;            // u16
export const ELF32_EHDR_BYTES: u32 = 52;
const ET_EXEC: u32 = 2;
const EM_386: u32 = 3;
// Elf32_Phdr (Figure 2-1).
const P_TYPE: u32 = 0;
const P_OFFSET: u32 = 4;
const P_VADDR: u32 = 8;
const P_PADDR: u32 = 12;
const P_FILESZ: u32 = 16;
const P_MEMSZ: u32 = 20;
const PHDR_BYTES: u32 = 32;
const PT_LOAD: u32 = 1;

export const MAX_SEGMENTS: i32 = 16;
const FOUR_GIB: u64 = <u64>1 << 32;
const phdr = memory.data(<i32>PHDR_BYTES);

// What to load: up to MAX_SEGMENTS pieces of the file, each copied to a
// guest-physical address and zeroed up to its memory size, and the entry.
// The multiboot address fields (a.out kludge) fill one segment the same way.
export class LoadSegments {
  count: i32 = 0;
  fileOffset: StaticArray<u64> = new StaticArray<u64>(MAX_SEGMENTS);
  fileBytes: StaticArray<u64> = new StaticArray<u64>(MAX_SEGMENTS);
  addr: StaticArray<u64> = new StaticArray<u64>(MAX_SEGMENTS);
  memBytes: StaticArray<u64> = new StaticArray<u64>(MAX_SEGMENTS);
  vaddr: StaticArray<u64> = new StaticArray<u64>(MAX_SEGMENTS);
  entry: u64 = 0;

  add(offset: u64, fileBytes: u64, addr: u64, memBytes: u64, vaddr: u64): void {
    const i = this.count++;
    this.fileOffset[i] = offset;
    this.fileBytes[i] = fileBytes;
    this.addr[i] = addr;
    this.memBytes[i] = memBytes;
    this.vaddr[i] = vaddr;
  }

  // The lowest address loaded and the end of the highest (bss included).
  low(): u64 {
    let v: u64 = 0xffffffffffffffff;
    for (let i = 0; i < this.count; i++) if (this.addr[i] < v) v = this.addr[i];
    return v;
  }
  high(): u64 {
    let v: u64 = 0;
    for (let i = 0; i < this.count; i++) if (this.addr[i] + this.memBytes[i] > v) v = this.addr[i] + this.memBytes[i];
    return v;
  }
}

function reject(why: string): bool {
  begin("guest kernel rejected: multiboot ELF: ");
  puts(why);
  endl();
  return false;
}

// True if the image's first bytes (in `head`) carry the ELF magic.
export function isElf(head: usize, headBytes: u32): bool {
  return headBytes >= 4 && load<u32>(head) == ELF_MAGIC;
}

// Parse the ELF whose first `headBytes` bytes are in `head` (the whole
// image: host [start, start + size)) into `out`; false (reported) if it is
// not a 32-bit x86 executable, is cut short, or has no usable segments.
export function parseElf32(start: u64, size: u64, head: usize, headBytes: u32, out: LoadSegments): bool {
  out.count = 0;
  if (headBytes < ELF32_EHDR_BYTES) return reject("truncated: the file ends inside its ELF header");
  if (<u32>load<u8>(head + EI_CLASS) != ELFCLASS32 || <u32>load<u8>(head + EI_DATA) != ELFDATA2LSB) {
    return reject("not a 32-bit little-endian ELF (EI_CLASS must be ELFCLASS32, EI_DATA ELFDATA2LSB)");
  }
  const machine = <u32>load<u16>(head + E_MACHINE);
  if (machine != EM_386) {
    begin("guest kernel rejected: multiboot ELF: e_machine ");
    putDec(machine);
    puts(", not EM_386 (3): a multiboot kernel is entered in 32-bit protected mode");
    endl();
    return false;
  }
  if (<u32>load<u16>(head + E_TYPE) != ET_EXEC) return reject("not an executable (e_type must be ET_EXEC)");
  const phoff = <u64>load<u32>(head + E_PHOFF);
  const phentsize = <u64>load<u16>(head + E_PHENTSIZE);
  const phnum = <u64>load<u16>(head + E_PHNUM);
  if (phnum == 0) return reject("no program headers");
  if (phentsize < <u64>PHDR_BYTES) return reject("e_phentsize is smaller than a program header (32 bytes)");
  if (phoff + phnum * phentsize > size) {
    begin("guest kernel rejected: multiboot ELF: truncated: its program headers end at ");
    putDec(phoff + phnum * phentsize);
    puts(", the file has ");
    putDec(size);
    puts(" bytes");
    endl();
    return false;
  }
  for (let i: u64 = 0; i < phnum; i++) {
    physRead(phdr, start + phoff + i * phentsize, PHDR_BYTES);
    const memBytes = <u64>load<u32>(phdr + P_MEMSZ);
    if (load<u32>(phdr + P_TYPE) != PT_LOAD || memBytes == 0) continue;
    const offset = <u64>load<u32>(phdr + P_OFFSET);
    const fileBytes = <u64>load<u32>(phdr + P_FILESZ);
    const paddr = <u64>load<u32>(phdr + P_PADDR);
    if (fileBytes > memBytes) return reject("a PT_LOAD segment has p_filesz larger than p_memsz");
    if (offset + fileBytes > size) {
      begin("guest kernel rejected: multiboot ELF: truncated: the segment for ");
      putHex(paddr);
      puts(" needs file bytes to ");
      putDec(offset + fileBytes);
      puts(", the file has ");
      putDec(size);
      endl();
      return false;
    }
    if (paddr + memBytes > FOUR_GIB) return reject("a PT_LOAD segment reaches past 4 GiB");
    if (out.count == MAX_SEGMENTS) return reject("more than 16 PT_LOAD segments");
    out.add(offset, fileBytes, paddr, memBytes, <u64>load<u32>(phdr + P_VADDR));
  }
  if (out.count == 0) return reject("no PT_LOAD segment");
  // Overlapping segments would load one over the other (and one's zeroed
  // bss over the other's bytes): the file is wrong, not to be guessed at.
  for (let i = 0; i < out.count; i++) {
    for (let j = 0; j < i; j++) {
      if (out.addr[i] < out.addr[j] + out.memBytes[j] && out.addr[j] < out.addr[i] + out.memBytes[i]) {
        return reject("two PT_LOAD segments overlap in physical memory");
      }
    }
  }
  const entry = <u64>load<u32>(head + E_ENTRY);
  for (let i = 0; i < out.count; i++) {
    if (entry >= out.vaddr[i] && entry < out.vaddr[i] + out.memBytes[i]) {
      out.entry = entry - out.vaddr[i] + out.addr[i];
      return true;
    }
  }
  for (let i = 0; i < out.count; i++) {
    if (entry >= out.addr[i] && entry < out.addr[i] + out.memBytes[i]) {
      out.entry = entry;
      return true;
    }
  }
  begin("guest kernel rejected: multiboot ELF: its entry point ");
  putHex(entry);
  puts(" is in no PT_LOAD segment");
  endl();
  return false;
}
