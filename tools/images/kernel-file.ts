// What a guest kernel and initrd given to `tsvisor run` must be, checked
// before anything is built or booted. A kernel is a Linux bzImage (the x86
// boot protocol, Documentation/arch/x86/boot.rst: the real-mode header at
// 0x1F1) of protocol 2.12 or later, or a multiboot v1 image (Multiboot
// Specification 0.6.96 §3.1: a header in the first 8192 bytes).
import fs from "node:fs";

export class GuestFileError extends Error {}

export type KernelInfo =
  | { kind: "bzImage"; protocol: number; setupSects: number; syssize: number; expectedSize: number; size: number }
  | { kind: "multiboot"; headerOffset: number; flags: number; size: number };

const BOOT_FLAG_OFFSET = 0x1fe;   // 0xAA55
const HEADER_OFFSET = 0x202;      // "HdrS"
const VERSION_OFFSET = 0x206;     // boot protocol, major.minor as 0xMMmm
const SETUP_SECTS_OFFSET = 0x1f1; // 512-byte sectors of real-mode setup code (0 means 4)
const SYSSIZE_OFFSET = 0x1f4;     // protected-mode code in 16-byte paragraphs (32 bits from 2.04)
const HDRS = 0x53726448;          // "HdrS" little-endian
// 2.12: xloadflags and the 64-bit entry point a loader without firmware uses.
export const MIN_BOOT_PROTOCOL = 0x020c;
const MULTIBOOT_MAGIC = 0x1badb002;
const MULTIBOOT_SEARCH = 8192;

const protocolText = (v: number) => `${v >> 8}.${(v & 0xff).toString().padStart(2, "0")}`;

// Open a guest file given on the command line: a regular, readable,
// non-empty file (a kernel, an initrd, a disk). Returns its descriptor,
// which the caller closes, and its size; a GuestFileError saying what is
// wrong otherwise (`what` is how the message calls the file).
export function openGuestFile(file: string, what: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new GuestFileError(`${what} ${file}: no such file`);
    if (code === "EACCES" || code === "EPERM") throw new GuestFileError(`${what} ${file}: not readable (permission denied)`);
    if (code === "EISDIR") throw new GuestFileError(`${what} ${file}: is a directory, not a file`);
    throw new GuestFileError(`${what} ${file}: cannot open: ${(e as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new GuestFileError(`${what} ${file}: not a regular file`);
    if (st.size === 0) throw new GuestFileError(`${what} ${file}: the file is empty`);
    return { fd, size: st.size };
  } catch (e) {
    fs.closeSync(fd);
    if (e instanceof GuestFileError) throw e;
    throw new GuestFileError(`${what} ${file}: cannot read: ${(e as Error).message}`);
  }
}

// The first `max` bytes of a guest file (openGuestFile), and its size.
function head(file: string, what: string, max: number): { bytes: Buffer; size: number } {
  const { fd, size } = openGuestFile(file, what);
  try {
    const bytes = Buffer.alloc(Math.min(max, size));
    let got = 0;
    while (got < bytes.length) {
      const n = fs.readSync(fd, bytes, got, bytes.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: bytes.subarray(0, got), size };
  } catch (e) {
    throw new GuestFileError(`${what} ${file}: cannot read: ${(e as Error).message}`);
  } finally {
    fs.closeSync(fd);
  }
}

// Identify a kernel from its first bytes and its size; throws GuestFileError
// saying what is wrong (`name` is how the message calls the file).
export function identifyKernel(bytes: Buffer, size: number, name: string): KernelInfo {
  if (bytes.length >= HEADER_OFFSET + 4 && bytes.readUInt16LE(BOOT_FLAG_OFFSET) === 0xaa55 && bytes.readUInt32LE(HEADER_OFFSET) === HDRS) {
    if (bytes.length < VERSION_OFFSET + 2) throw new GuestFileError(`${name}: a truncated Linux bzImage (${size} bytes, cut inside its boot header)`);
    const protocol = bytes.readUInt16LE(VERSION_OFFSET);
    if (protocol < MIN_BOOT_PROTOCOL) {
      throw new GuestFileError(`${name}: a Linux kernel of boot protocol ${protocolText(protocol)}; ` +
        `tsvisor needs protocol ${protocolText(MIN_BOOT_PROTOCOL)} or later (Linux 3.8 and later)`);
    }
    const setupSects = bytes[SETUP_SECTS_OFFSET] || 4;
    const syssize = bytes.readUInt32LE(SYSSIZE_OFFSET);
    const expectedSize = (setupSects + 1) * 512 + syssize * 16;
    if (size < expectedSize) {
      throw new GuestFileError(`${name}: a truncated Linux bzImage: ${size} bytes, but its header (setup_sects ${setupSects}, ` +
        `syssize ${syssize}) says at least ${expectedSize}`);
    }
    return { kind: "bzImage", protocol, setupSects, syssize, expectedSize, size };
  }
  let badChecksum = -1;
  for (let off = 0; off + 12 <= Math.min(bytes.length, MULTIBOOT_SEARCH); off += 4) {
    if (bytes.readUInt32LE(off) !== MULTIBOOT_MAGIC) continue;
    const flags = bytes.readUInt32LE(off + 4);
    if (((MULTIBOOT_MAGIC + flags + bytes.readUInt32LE(off + 8)) >>> 0) === 0) return { kind: "multiboot", headerOffset: off, flags, size };
    if (badChecksum < 0) badChecksum = off;
  }
  if (badChecksum >= 0) {
    throw new GuestFileError(`${name}: multiboot magic 0x1BADB002 at offset 0x${badChecksum.toString(16)}, but its checksum is wrong ` +
      "(magic + flags + checksum must be 0 mod 2^32)");
  }
  const short = size < HEADER_OFFSET + 4 ? ` (it is only ${size} bytes, too short even for the Linux boot header)` : "";
  throw new GuestFileError(`${name}: not a kernel tsvisor can boot: neither a Linux bzImage (0xAA55 at 0x1FE and "HdrS" at 0x202) ` +
    `nor a multiboot v1 image (header in the first 8192 bytes)${short}`);
}

export function checkKernel(file: string): KernelInfo {
  const { bytes, size } = head(file, "kernel", MULTIBOOT_SEARCH);
  return identifyKernel(bytes, size, `kernel ${file}`);
}

export function describeKernel(k: KernelInfo): string {
  return k.kind === "bzImage"
    ? `Linux bzImage, boot protocol ${protocolText(k.protocol)}, ${k.size} bytes`
    : `multiboot v1 image (header at 0x${k.headerOffset.toString(16)}, flags 0x${k.flags.toString(16)}), ${k.size} bytes`;
}

// The formats Linux unpacks an initramfs from (init/initramfs.c and
// lib/decompress.c): a plain cpio, or one compressed by any of these.
const INITRD_MAGICS: [string, number[]][] = [
  ["cpio (newc)", [...Buffer.from("070701")]],
  ["cpio (newc, with checksums)", [...Buffer.from("070702")]],
  ["gzip", [0x1f, 0x8b]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
  ["lz4 (legacy)", [0x02, 0x21, 0x4c, 0x18]],
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["lzma", [0x5d, 0x00, 0x00]],
  ["lzo", [0x89, 0x4c, 0x5a, 0x4f]],
];

export function initrdFormat(bytes: Buffer): string | null {
  return INITRD_MAGICS.find(([, m]) => bytes.length >= m.length && m.every((b, i) => bytes[i] === b))?.[0] ?? null;
}

// An initrd must be a readable, non-empty file. One in no format Linux
// unpacks is passed anyway, with a warning: it may be an old-style initrd
// disk image (ext2, squashfs) that the guest's kernel mounts as a RAM disk.
export function checkInitrd(file: string): { format: string | null; size: number; warning?: string } {
  const { bytes, size } = head(file, "initrd", 16);
  const format = initrdFormat(bytes);
  return format
    ? { format, size }
    : { format, size, warning: `initrd ${file}: not a cpio archive nor gzip, xz, zstd, lz4, bzip2, lzma or lzo data; passing it to the guest as it is` };
}

// Linux's COMMAND_LINE_SIZE on x86 is 2048 bytes, the terminating NUL included.
export const MAX_APPEND_BYTES = 2047;

// The guest's command line: printable text (no control characters, so no
// newline or tab), at most 2047 bytes in UTF-8.
export function checkAppend(text: string): void {
  const bad = /\p{Cc}/u.exec(text);
  if (bad) throw new GuestFileError(`--append: control character 0x${bad[0].charCodeAt(0).toString(16).padStart(2, "0")} ` +
    `at position ${bad.index}; the guest command line takes printable text only`);
  const n = Buffer.byteLength(text, "utf8");
  if (n > MAX_APPEND_BYTES) throw new GuestFileError(`--append: ${n} bytes; Linux takes at most ${MAX_APPEND_BYTES} (COMMAND_LINE_SIZE 2048 with its NUL)`);
}
