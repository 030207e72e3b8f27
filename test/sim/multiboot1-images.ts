// Small multiboot (v1) kernels built in the tests, well-formed or broken on
// purpose: the header (Multiboot 0.6.96 §3.1.1), a 32-bit ELF executable
// carrying it in its first PT_LOAD segment (TIS ELF 1.2, Book I), and a
// flat image placed by the header's address fields (flags bit 16, §3.1.3).
export const MB1_MAGIC = 0x1badb002;
export const MB1_BOOTLOADER_MAGIC = 0x2badb002;
export const F = { pageAlign: 1 << 0, memoryInfo: 1 << 1, videoMode: 1 << 2, addresses: 1 << 16 } as const;

export interface AddressFields { headerAddr: number; loadAddr: number; loadEndAddr: number; bssEndAddr: number; entryAddr: number }

// The header: magic, flags, checksum (magic + flags + checksum = 0 mod 2^32
// unless `checksum` says otherwise), and the address fields if given.
export function mb1Header(flags: number, addresses?: AddressFields, checksum?: number): Uint8Array {
  const out = new Uint8Array(addresses ? 32 : 12);
  const v = new DataView(out.buffer);
  v.setUint32(0, MB1_MAGIC, true);
  v.setUint32(4, flags >>> 0, true);
  v.setUint32(8, checksum ?? (-(MB1_MAGIC + flags) >>> 0), true);
  if (addresses) {
    [addresses.headerAddr, addresses.loadAddr, addresses.loadEndAddr, addresses.bssEndAddr, addresses.entryAddr]
      .forEach((x, i) => v.setUint32(12 + i * 4, x >>> 0, true));
  }
  return out;
}

export interface ElfSegment {
  paddr: number;
  vaddr?: number;      // default: paddr
  data: Uint8Array;    // p_filesz bytes
  memsz?: number;      // default: data.length
  type?: number;       // default: PT_LOAD (1)
}

export interface ElfOptions {
  entry: number;
  segments: ElfSegment[];
  elfClass?: number;   // EI_CLASS, default ELFCLASS32 (1)
  machine?: number;    // e_machine, default EM_386 (3)
  type?: number;       // e_type, default ET_EXEC (2)
  phoff?: number;      // e_phoff, default 52 (right after the header)
}

export const ELF_DATA_AT = 0x100; // where the first segment's bytes start in the file

// An ELF32 executable: the header, the program headers, then each
// segment's bytes, 16-byte aligned, from file offset ELF_DATA_AT.
export function elf32(o: ElfOptions): Uint8Array {
  const offsets: number[] = [];
  let at = ELF_DATA_AT;
  for (const s of o.segments) {
    offsets.push(at);
    at = (at + s.data.length + 15) & ~15;
  }
  const out = new Uint8Array(Math.max(at, 52 + 32 * o.segments.length));
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, o.elfClass ?? 1, 1, 1]); // "\x7fELF", class, little-endian, version 1
  v.setUint16(16, o.type ?? 2, true);
  v.setUint16(18, o.machine ?? 3, true);
  v.setUint32(20, 1, true);                // e_version
  v.setUint32(24, o.entry >>> 0, true);
  v.setUint32(28, o.phoff ?? 52, true);
  v.setUint16(40, 52, true);               // e_ehsize
  v.setUint16(42, 32, true);               // e_phentsize
  v.setUint16(44, o.segments.length, true);
  o.segments.forEach((s, i) => {
    const p = 52 + i * 32;
    v.setUint32(p, s.type ?? 1, true);
    v.setUint32(p + 4, offsets[i], true);
    v.setUint32(p + 8, (s.vaddr ?? s.paddr) >>> 0, true);
    v.setUint32(p + 12, s.paddr >>> 0, true);
    v.setUint32(p + 16, s.data.length, true);
    v.setUint32(p + 20, s.memsz ?? s.data.length, true);
    v.setUint32(p + 24, 5, true);          // PF_R | PF_X
    v.setUint32(p + 28, 0x1000, true);
    out.set(s.data, offsets[i]);
  });
  return out;
}

// Segment bytes: the multiboot header first (so it lies in the file's
// first 8 KiB), then `code`.
export function withHeader(header: Uint8Array, code: number[]): Uint8Array {
  const out = new Uint8Array(header.length + code.length);
  out.set(header);
  out.set(code, header.length);
  return out;
}

// A flat kernel placed by the address fields: the header at file offset 0
// and load_addr, then `code`; the whole file loaded, `bss` zero bytes after it.
export function kludgeImage(loadAddr: number, code: number[], bss = 0, entryOffset = 32, flags = F.addresses | F.pageAlign | F.memoryInfo,
  override: Partial<AddressFields> = {}): Uint8Array {
  const size = 32 + code.length;
  const fields: AddressFields = {
    headerAddr: loadAddr, loadAddr, loadEndAddr: loadAddr + size, bssEndAddr: bss ? loadAddr + size + bss : 0,
    entryAddr: loadAddr + entryOffset, ...override,
  };
  return withHeader(mb1Header(flags, fields), code);
}
