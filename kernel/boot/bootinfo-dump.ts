// `bootinfo=hex` on the command line prints the Multiboot2 block as the
// loader gave it: for diagnosing a boot loader on a new machine, and the
// source of the real GRUB blocks in test/fixtures/.
import { begin, endl, putc, puts, putHex } from "../console/console";
import { infoBytes, Mb2Info } from "./multiboot2";

const BYTES_PER_LINE: u32 = 32;

function hexDigit(n: u32): u32 {
  return n < 10 ? n + 0x30 : n - 10 + 0x61;
}

export function dumpBootInfo(info: Mb2Info): void {
  const p = infoBytes();
  for (let off: u32 = 0; off < info.totalSize; off += BYTES_PER_LINE) {
    begin("bootinfo ");
    putHex(off, 4);
    puts(":");
    for (let i: u32 = off; i < off + BYTES_PER_LINE && i < info.totalSize; i++) {
      const b = <u32>load<u8>(p + i);
      putc(hexDigit(b >> 4));
      putc(hexDigit(b & 0xf));
    }
    endl();
  }
}
