// The hypervisor's console on the screen (drivers/host/vga-text.ts, chosen
// by kernel/console/screen-start.ts) on the simulated machine: GRUB's
// framebuffer tag says EGA text at 0xB8000, and what the core writes there
// is a bottom-row teletype of its own lines.
import { describe, expect, it } from "vitest";
import { bootCore } from "../sim/core.js";
import { skylakeX } from "../sim/cpu-profiles.js";
import { Mb2Builder, MMAP, realGrubBlock } from "../sim/multiboot2.js";

const TEXT = 0xb8000n;

function rowsOf(vga: Uint8Array, cols = 80, rows = 25): string[] {
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    let s = "";
    for (let c = 0; c < cols; c++) s += String.fromCharCode(vga[(r * cols + c) * 2]);
    out.push(s.replace(/ +$/, ""));
  }
  return out;
}

function boot(info: Uint8Array) {
  let vga!: Uint8Array;
  const r = bootCore(skylakeX, { info, setup: (h) => { vga = h.vgaText.subarray(0, 80 * 25 * 2); vga.fill(0x41); } }); // GRUB's leftovers: 'A' everywhere
  return { r, vga };
}

// Tag 8 (Multiboot2 §3.6.12): address, pitch, width, height, bpp, type;
// for RGB, the colours' positions and sizes (red 16, green 8, blue 0).
function framebufferTag(type: number, bpp = 16, width = 80, height = 25, address = TEXT): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, address, true);
  v.setUint32(8, type === 2 ? width * 2 : width * (bpp / 8), true);
  v.setUint32(12, width, true);
  v.setUint32(16, height, true);
  b[20] = bpp;
  b[21] = type;
  b.set([16, 8, 8, 8, 0, 8], 24);
  return b;
}
const pc = (cmdline: string, fb: Uint8Array) => new Mb2Builder().cmdline(cmdline)
  .mmap([{ base: 0n, length: 0x9fc00n, type: MMAP.available }, { base: 0x100000n, length: 0x1ff00000n, type: MMAP.available }])
  .raw(8, fb).end().build();

describe("the screen, where GRUB left EGA text mode", () => {
  it("GRUB's real block under SeaBIOS: the report on the screen too, the newest line at the bottom, GRUB's text blanked", () => {
    const { r, vga } = boot(realGrubBlock("qemu"));
    expect(r.lines).toContain("screen: EGA text 80x25 at 0xb8000, the hypervisor's lines shown there too");
    const rows = rowsOf(vga);
    expect(rows.at(-1)).toBe("");                                   // the cursor's row
    expect(rows.at(-2)).toBe(`tsvisor: ${r.lines.at(-1)}`);          // the last line printed
    expect(rows.every((l) => !l.includes("AAAA"))).toBe(true);      // nothing GRUB left
    for (const l of rows.filter((x) => x !== "")) expect(r.serial).toContain(l.slice(0, 80));
    for (let i = 1; i < 80 * 25 * 2; i += 2) expect(vga[i]).toBe(0x07); // light grey on black
  });

  it("a line longer than the screen wraps onto the next row", () => {
    const long = `x${"y".repeat(120)}`;
    const { vga } = boot(pc(`selftest=${long}`, framebufferTag(2)));
    const rows = rowsOf(vga);
    // "selftest: <kind>" comes near the end of the run, two rows.
    const at = rows.findIndex((l) => l.startsWith("tsvisor: selftest: xyy"));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(rows[at].length).toBe(80);
    expect(rows[at] + rows[at + 1]).toBe(`tsvisor: selftest: ${long}`);
  });

  it.each([
    ["screen=off on the command line", pc("screen=off", framebufferTag(2))],
    ["an indexed-colour framebuffer (type 0)", pc("", framebufferTag(0, 8, 640, 480))],
    ["a 16-bit RGB framebuffer", pc("", framebufferTag(1, 16, 640, 480))],
    ["no framebuffer tag (GRUB under OVMF)", realGrubBlock("ovmf")],
  ])("%s: the screen is left alone", (_n, info) => {
    const { r, vga } = boot(info);
    expect(r.lines.some((l) => l.startsWith("screen:"))).toBe(false);
    expect(vga.every((b) => b === 0x41)).toBe(true);
    expect(r.hal.panicScreen).toBeNull();
  });

  it("tells the native panic path where the screen is", () => {
    const { r } = boot(realGrubBlock("qemu"));
    expect(r.hal.panicScreen).toEqual({ phys: TEXT, cols: 80, rows: 25, pitch: 160 });
  });
});

describe("the screen, on a graphics framebuffer (GRUB under UEFI)", () => {
  const FB = 0x80000000n;
  const W = 640, H = 480;

  it("the report drawn in the 8x16 font, light grey on black, the newest line at the bottom text row", () => {
    const fb = new Uint8Array(W * H * 4).fill(0x55);  // what the firmware left
    const r = bootCore(skylakeX, { info: pc("", framebufferTag(1, 32, W, H, FB)), setup: (h) => h.mapPhysical(FB, fb) });
    expect(r.lines).toContain("screen: framebuffer 640x480x32 at 0x80000000, the hypervisor's lines shown there too");
    const lit = (x: number, y: number) => fb[(y * W + x) * 4] !== 0;
    // Every pixel is black or light grey (0xAA in R, G and B); none the firmware's.
    let odd = 0;
    for (let i = 0; i < W * H * 4; i += 4) {
      const v = fb[i];
      if ((v !== 0 && v !== 0xaa) || fb[i + 1] !== v || fb[i + 2] !== v) odd++;
    }
    expect(odd).toBe(0);
    // The last text row (y 464-479) is the cursor's, empty; the one above
    // holds the last line ("power off: ..."), starting with 't' of "tsvisor:".
    const rows = Math.floor(H / 16);
    const anyLit = (row: number) => { for (let y = row * 16; y < row * 16 + 16; y++) for (let x = 0; x < W; x++) if (lit(x, y)) return true; return false; };
    expect(anyLit(rows - 1)).toBe(false);
    expect(anyLit(rows - 2)).toBe(true);
  });
});
