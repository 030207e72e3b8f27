// The hypervisor's console on the screen, in the text mode GRUB leaves a
// BIOS machine in (Multiboot2 framebuffer tag type 2, EGA text: 80 x 25
// character cells at 0xB8000, each a character byte and an attribute byte;
// IBM VGA Technical Reference, "Alphanumeric Modes"), so that a machine
// with no serial port shows the report, the exit table and any panic.
//
// A teletype at the bottom row: a line is written into the last row and a
// newline scrolls the screen up by one. The panic path in boot/panic.c
// keeps to the same rule, so that it needs nothing of this file's state
// (only where the screen is and its size, told through the HAL).
import { physWrite, physCopy, setPanicScreen } from "../../kernel/hal/imports";
import { ScreenConsole } from "./screen-console";

const ATTRIBUTE: u32 = 0x07; // light grey on black
const BLANK: u16 = <u16>((ATTRIBUTE << 8) | 0x20);

export class VgaText extends ScreenConsole {
  // One row of blanks, copied over the bottom row after a scroll.
  private blankRow: usize;
  private cell: usize = memory.data(2);

  constructor(public base: u64, cols: u32, public rows: u32, public pitch: u32) {
    super(cols);
    this.blankRow = memory.data(2 * 256);
    for (let i: u32 = 0; i < 256; i++) store<u16>(this.blankRow + <usize>i * 2, BLANK);
  }

  // A screen GRUB's tag describes that this driver can write, or null.
  static fromTag(address: u64, width: u32, height: u32, pitch: u32, bpp: u32): VgaText | null {
    if (bpp != 16 || width == 0 || width > 256 || height < 2 || height > 128 || pitch < width * 2) return null;
    return new VgaText(address, width, height, pitch);
  }

  // Blank the screen (what GRUB left on it) and tell the panic path.
  start(): void {
    for (let r: u32 = 0; r < this.rows; r++) physWrite(this.row(r), this.blankRow, this.cols * 2);
    setPanicScreen(this.base, this.cols, this.rows, this.pitch);
  }

  private row(r: u32): u64 { return this.base + <u64>r * <u64>this.pitch; }

  scroll(): void {
    physCopy(this.base, this.row(1), <u64>(this.rows - 1) * <u64>this.pitch);
    physWrite(this.row(this.rows - 1), this.blankRow, this.cols * 2);
  }

  drawCell(col: u32, c: u32): void {
    store<u16>(this.cell, <u16>((ATTRIBUTE << 8) | (c < 0x20 || c > 0x7e ? 0x3f : c)));
    physWrite(this.row(this.rows - 1) + <u64>col * 2, this.cell, 2);
  }
}
