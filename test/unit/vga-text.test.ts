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

// Tag 8 (Multiboot2 §3.6.12): address, pitch, width, height, bpp, type.
function framebufferTag(type: number, bpp = 16, width = 80, height = 25): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, TEXT, true);
  v.setUint32(8, width * 2, true);
  v.setUint32(12, width, true);
  v.setUint32(16, height, true);
  b[20] = bpp;
  b[21] = type;
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
    ["a graphics framebuffer (type 1: RGB), which needs a font", pc("", framebufferTag(1, 32, 1024, 768))],
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
