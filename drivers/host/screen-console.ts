// A screen the hypervisor's console writes to as well as COM1: EGA text
// (./vga-text.ts) or a graphics framebuffer (./framebuffer-text.ts).
export abstract class ScreenConsole {
  abstract putc(c: u32): void;
}
