// Formatted output for the hypervisor's console, without allocation: every
// value is written digit by digit, so printing is safe on any path.
// Each line the hypervisor prints starts with "tsvisor: " so that its
// output can be told apart from a guest's, whose bytes reach COM1 as the
// guest wrote them (kernel/console/guest-console.ts); the hypervisor's
// lines go to the control channel too (drivers/host/com1.ts).
import { com1Put, hostLinePut } from "../../drivers/host/com1";
import { screenPut } from "./screen";

export const PREFIX = "tsvisor: ";

// The guest's output left the console in the middle of a line: the next
// hypervisor line starts on a line of its own.
let guestMidLine = false;
export function setGuestMidLine(on: bool): void { guestMidLine = on; }

export function putc(c: u32): void {
  if (c == 0x0a) hostLinePut(0x0d); // serial terminals want CR LF
  hostLinePut(c);
  screenPut(c);
}

export function puts(s: string): void {
  for (let i = 0, n = s.length; i < n; i++) putc(s.charCodeAt(i) & 0x7f);
}

// A line start: the prefix and the text.
export function begin(s: string): void {
  if (guestMidLine) {
    com1Put(0x0d);
    com1Put(0x0a);
    guestMidLine = false;
  }
  puts(PREFIX);
  puts(s);
}

export function endl(): void {
  putc(0x0a);
}

export function line(s: string): void {
  begin(s);
  endl();
}

export function putDec(v: u64): void {
  if (v >= 10) putDec(v / 10);
  putc(<u32>(v % 10) + 0x30);
}

// Hexadecimal with a 0x prefix, padded to `digits` (at least) hex digits.
export function putHex(v: u64, digits: i32 = 1): void {
  puts("0x");
  let started = false;
  for (let i = 15; i >= 0; i--) {
    const nibble = <u32>((v >> (<u64>i * 4)) & 0xf);
    if (nibble != 0 || i < digits) started = true;
    if (started) putc(nibble < 10 ? nibble + 0x30 : nibble - 10 + 0x61);
  }
}

// Bytes from linear memory, printable ASCII only (others as '?').
export function putBytes(ptr: usize, len: usize): void {
  for (let i: usize = 0; i < len; i++) {
    const b = <u32>load<u8>(ptr + i);
    putc(b >= 0x20 && b < 0x7f ? b : 0x3f);
  }
}

export function yesNo(b: bool): void {
  puts(b ? "yes" : "no");
}

// Sizes in MiB, KiB under 1 MiB, bytes under 1 KiB.
export function putSize(bytes: u64): void {
  if (bytes >= 1 << 20) {
    putDec(bytes >> 20);
    puts(" MiB");
  } else if (bytes >= 1 << 10) {
    putDec(bytes >> 10);
    puts(" KiB");
  } else {
    putDec(bytes);
    puts(" bytes");
  }
}
