// A screen the hypervisor's console writes to as well as COM1: EGA text
// (./vga-text.ts) or a graphics framebuffer (./framebuffer-text.ts). Both
// are the same teletype at the bottom row — a line is drawn into the last
// text row, a newline moves the picture up by one, CR is dropped (lines
// end in CR LF on the serial port), a full row wraps — so that the native
// panic path (boot/panic.c) can follow the same rule with no shared cursor.
// A screen says only how to draw one cell and how to move up a row.
export abstract class ScreenConsole {
  col: u32 = 0;
  constructor(public cols: u32) {}

  // Draw `c` (printable or not: the screen chooses) at column `col` of the
  // bottom text row.
  abstract drawCell(col: u32, c: u32): void;
  // Move the picture up one text row and blank the bottom one.
  abstract scroll(): void;

  putc(c: u32): void {
    if (c == 0x0a) {
      this.newline();
      return;
    }
    if (c == 0x0d) return;
    if (this.col == this.cols) this.newline();
    this.drawCell(this.col, c);
    this.col++;
  }

  private newline(): void {
    this.scroll();
    this.col = 0;
  }
}
