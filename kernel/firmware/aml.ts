// A tiny AML encoder (ACPI 6.4 §20, "ACPI Machine Language (AML)
// Specification"): the few terms tsvisor's DSDT is made of, written
// straight into a byte buffer. Terms with a PkgLength (Scope, Device,
// Package, Buffer) are opened, filled, then closed, and the close writes
// the length once it is known; nothing is allocated. Running out of room
// sets `overflow` and stops writing, so a caller checks once at the end.
//
// Names are single NameSegs, four characters [A-Z_][A-Z0-9_]{3} (§20.2.2),
// relative to the enclosing scope (the root, at the top of the DSDT).
// Every choice of encoding is the one iasl makes, so that iasl compiling
// its own disassembly of our bytes gives the same bytes back.

// Opcodes (§20.2.3 Data Objects, §20.2.5.1 Namespace Modifier Objects,
// §20.2.5.2 Named Objects, §20.2.5.4 Type 2 Opcodes).
const ZERO_OP: u32 = 0x00;
const ONE_OP: u32 = 0x01;
const NAME_OP: u32 = 0x08;
const BYTE_PREFIX: u32 = 0x0a;
const WORD_PREFIX: u32 = 0x0b;
const DWORD_PREFIX: u32 = 0x0c;
const QWORD_PREFIX: u32 = 0x0e;
const SCOPE_OP: u32 = 0x10;
const BUFFER_OP: u32 = 0x11;
const PACKAGE_OP: u32 = 0x12;
const EXT_OP_PREFIX: u32 = 0x5b;
const DEVICE_OP: u32 = 0x82;        // after ExtOpPrefix

// PkgLength (§20.2.4): one byte holds lengths up to 63; otherwise bits 7:6
// of the lead byte count the 1-3 bytes that follow, its bits 3:0 are the
// length's low nibble and the following bytes the rest, low first. The
// length counts the PkgLength bytes themselves. At most 2^28 - 1.
const PKG_ONE_BYTE_MAX: u32 = 0x3f;
const PKG_TWO_BYTE_MAX: u32 = 0xfff;
const PKG_THREE_BYTE_MAX: u32 = 0xfffff;
const MAX_DEPTH: i32 = 8;
const BUFFER_SIZE_RESERVED: u32 = 3;  // WordPrefix and a word: room for any size below 64 KiB

function pkgLengthBytes(body: u32): u32 {
  if (body + 1 <= PKG_ONE_BYTE_MAX) return 1;
  if (body + 2 <= PKG_TWO_BYTE_MAX) return 2;
  if (body + 3 <= PKG_THREE_BYTE_MAX) return 3;
  return 4;
}

export class Aml {
  pos: u32 = 0;
  overflow: bool = false;
  private open: StaticArray<u32> = new StaticArray<u32>(MAX_DEPTH);
  private sizeAt: StaticArray<u32> = new StaticArray<u32>(MAX_DEPTH); // a Buffer's BufferSize, or 0
  private depth: i32 = 0;

  constructor(public base: usize, public capacity: u32) {}

  byte(b: u32): void {
    if (this.pos >= this.capacity) {
      this.overflow = true;
      return;
    }
    store<u8>(this.base + <usize>this.pos, b);
    this.pos++;
  }
  word(v: u32): void {
    this.byte(v & 0xff);
    this.byte((v >> 8) & 0xff);
  }
  dword(v: u32): void {
    this.word(v & 0xffff);
    this.word(v >> 16);
  }

  // A NameSeg: `s` padded with '_' to four characters (§20.2.2).
  nameSeg(s: string): void {
    for (let i = 0; i < 4; i++) this.byte(i < s.length ? s.charCodeAt(i) : 0x5f);
  }

  // An Integer in its shortest encoding (§20.2.3: ZeroOp, OneOp, or
  // ByteConst/WordConst/DWordConst/QWordConst after their prefixes).
  integer(v: u64): void {
    if (v == 0) this.byte(ZERO_OP);
    else if (v == 1) this.byte(ONE_OP);
    else if (v <= 0xff) {
      this.byte(BYTE_PREFIX);
      this.byte(<u32>v);
    } else if (v <= 0xffff) {
      this.byte(WORD_PREFIX);
      this.word(<u32>v);
    } else if (v <= 0xffffffff) {
      this.byte(DWORD_PREFIX);
      this.dword(<u32>v);
    } else {
      this.byte(QWORD_PREFIX);
      this.dword(<u32>v);
      this.dword(<u32>(v >> 32));
    }
  }

  // A DWordConst always, as ASL's EISAID() makes one: the 7-character ID
  // "UUUXXXX" compressed into 32 bits (ACPI 6.4 §6.1.5, _HID). Bytes 0-1,
  // big-endian: bit 15 zero, then three letters of 5 bits each
  // ('A' = 1 ... 'Z' = 26); bytes 2-3: the four hex digits, in order.
  eisaId(id: string): void {
    const vendor = (<u32>(id.charCodeAt(0) - 0x40) << 10) | (<u32>(id.charCodeAt(1) - 0x40) << 5) | <u32>(id.charCodeAt(2) - 0x40);
    this.byte(DWORD_PREFIX);
    this.byte(vendor >> 8);
    this.byte(vendor & 0xff);
    this.byte((hexDigit(id.charCodeAt(3)) << 4) | hexDigit(id.charCodeAt(4)));
    this.byte((hexDigit(id.charCodeAt(5)) << 4) | hexDigit(id.charCodeAt(6)));
  }

  // Name(seg, ...): the object follows (§20.2.5.1 DefName).
  name(seg: string): void {
    this.byte(NAME_OP);
    this.nameSeg(seg);
  }
  // Scope(seg) { ... } (§20.2.5.1 DefScope), `seg` relative to the scope
  // this term is in; close with end().
  scope(seg: string): void {
    this.byte(SCOPE_OP);
    this.begin(0);
    this.nameSeg(seg);
  }
  // Device(seg) { ... } (§20.2.5.2 DefDevice); close with end().
  device(seg: string): void {
    this.byte(EXT_OP_PREFIX);
    this.byte(DEVICE_OP);
    this.begin(0);
    this.nameSeg(seg);
  }
  // Package(count) { ... } (§20.2.5.4 DefPackage); close with end().
  package(count: u32): void {
    this.byte(PACKAGE_OP);
    this.begin(0);
    this.byte(count);
  }
  // Buffer() { bytes } (§20.2.5.4 DefBuffer); close with end(), which
  // fills in the BufferSize (room for a WordConst is kept until then).
  buffer(): void {
    this.byte(BUFFER_OP);
    this.begin(this.pos + 1);
    this.byte(WORD_PREFIX);
    this.word(0);
  }

  private begin(sizeAt: u32): void {
    if (this.depth == MAX_DEPTH) {
      this.overflow = true;
      return;
    }
    this.open[this.depth] = this.pos;
    this.sizeAt[this.depth] = sizeAt;
    this.depth++;
    this.byte(0); // one byte of PkgLength for now
  }

  // Close the innermost open term: a Buffer's size first, in its
  // shortest form (as iasl writes it); then move the body up if its
  // PkgLength needs more than the byte reserved, and write the PkgLength.
  end(): void {
    if (this.depth == 0 || this.overflow) {
      this.overflow = true;
      return;
    }
    this.depth--;
    const start = this.open[this.depth];
    const sizeAt = this.sizeAt[this.depth];
    if (sizeAt != 0) this.bufferSize(sizeAt);
    const body = this.pos - start - 1;
    const n = pkgLengthBytes(body);
    if (this.pos + n - 1 > this.capacity) {
      this.overflow = true;
      return;
    }
    if (n > 1) {
      memory.copy(this.base + <usize>(start + n), this.base + <usize>(start + 1), body);
      this.pos += n - 1;
    }
    const len = body + n;
    const at = this.base + <usize>start;
    if (n == 1) store<u8>(at, len);
    else {
      store<u8>(at, ((n - 1) << 6) | (len & 0xf));
      for (let i: u32 = 1; i < n; i++) store<u8>(at + <usize>i, (len >> (4 + 8 * (i - 1))) & 0xff);
    }
  }

  // The BufferSize of a Buffer whose 3 bytes reserved for it are at
  // `sizeAt` and whose bytes run from there to `pos`: rewritten as the
  // Integer it is, the bytes moved down behind it.
  private bufferSize(sizeAt: u32): void {
    const bytesAt = sizeAt + BUFFER_SIZE_RESERVED;
    const size = this.pos - bytesAt;
    if (size > 0xffff) {
      this.overflow = true;
      return;
    }
    this.pos = sizeAt;
    this.integer(<u64>size);
    const moved = this.pos;
    memory.copy(this.base + <usize>moved, this.base + <usize>bytesAt, size);
    this.pos = moved + size;
  }
}

function hexDigit(c: i32): u32 {
  return <u32>(c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
}
