// The hypervisor's console drawn on a graphics framebuffer: what GRUB hands
// over under UEFI (the firmware's GOP mode: Multiboot2 framebuffer tag type
// 1, direct RGB), in GRUB's own 8x16 font (kernel/generated/font.ts, from
// grub-common's ascii.h). The same bottom-row teletype as the text-mode
// console (./vga-text.ts): a line is drawn into the last text row, a newline
// moves the picture up by one. Light grey on black, 24 or 32 bits a pixel.
// The native panic path (boot/panic.c) does not draw here: a wasm trap's
// last words reach COM1 only on such a machine.
import { physWrite, physCopy } from "../../kernel/hal/imports";
import { FONT, FONT_WIDTH, FONT_HEIGHT, FONT_GLYPHS } from "../../kernel/generated/font";
import { ScreenConsole } from "./screen-console";

const MAX_ROW_BYTES: u32 = 16384;  // one pixel row, up to 4096 pixels of 4 bytes
const GREY: u32 = 0xaa;            // 0xAAAAAA, the VGA palette's light grey

export class FramebufferText extends ScreenConsole {
  rows: u32;
  private bytesPerPixel: u32;
  private foreground: u32;
  private zeros: usize = memory.data(<i32>MAX_ROW_BYTES);
  private glyphRow: usize = memory.data(<i32>(FONT_WIDTH * 4));

  constructor(public base: u64, public width: u32, public height: u32, public pitch: u32, bpp: u32, foreground: u32) {
    super(width / FONT_WIDTH);
    this.bytesPerPixel = bpp / 8;
    this.rows = height / FONT_HEIGHT;
    this.foreground = foreground;
  }

  // A framebuffer GRUB's tag describes that this can draw on, or null:
  // 24 or 32 bits a pixel, room for at least 2 rows of 20 characters.
  static fromTag(address: u64, width: u32, height: u32, pitch: u32, bpp: u32,
    redShift: u32, greenShift: u32, blueShift: u32): FramebufferText | null {
    if ((bpp != 24 && bpp != 32) || width < 20 * FONT_WIDTH || height < 2 * FONT_HEIGHT) return null;
    if (pitch < width * (bpp / 8) || width * (bpp / 8) > MAX_ROW_BYTES) return null;
    if (redShift > 24 || greenShift > 24 || blueShift > 24) return null;
    const grey = (GREY << redShift) | (GREY << greenShift) | (GREY << blueShift);
    return new FramebufferText(address, width, height, pitch, bpp, grey);
  }

  private textRow(r: u32): u64 { return this.base + <u64>r * <u64>FONT_HEIGHT * <u64>this.pitch; }

  // Black over the whole picture.
  clear(): void {
    const bytes = this.width * this.bytesPerPixel;
    for (let y: u32 = 0; y < this.height; y++) physWrite(this.base + <u64>y * <u64>this.pitch, this.zeros, bytes);
  }

  scroll(): void {
    const textRowBytes = <u64>FONT_HEIGHT * <u64>this.pitch;
    physCopy(this.base, this.base + textRowBytes, <u64>(this.rows - 1) * textRowBytes);
    const last = this.textRow(this.rows - 1);
    const bytes = this.cols * FONT_WIDTH * this.bytesPerPixel;
    for (let y: u32 = 0; y < FONT_HEIGHT; y++) physWrite(last + <u64>y * <u64>this.pitch, this.zeros, bytes);
  }

  drawCell(col: u32, c: u32): void {
    const glyph = (c < 0x20 || c >= FONT_GLYPHS ? 0x3f : c) * FONT_HEIGHT;
    const x = this.textRow(this.rows - 1) + <u64>col * <u64>(FONT_WIDTH * this.bytesPerPixel);
    const bpp = this.bytesPerPixel;
    for (let y: u32 = 0; y < FONT_HEIGHT; y++) {
      const bits = <u32>unchecked(FONT[glyph + y]);
      for (let i: u32 = 0; i < FONT_WIDTH; i++) {
        const px = (bits & (0x80 >> i)) != 0 ? this.foreground : 0;
        const at = this.glyphRow + <usize>(i * bpp);
        store<u8>(at, <u8>px);
        store<u8>(at, <u8>(px >> 8), 1);
        store<u8>(at, <u8>(px >> 16), 2);
        if (bpp == 4) store<u8>(at, 0, 3);
      }
      physWrite(x + <u64>y * <u64>this.pitch, this.glyphRow, FONT_WIDTH * bpp);
    }
  }
}
