// The hypervisor's console on the screen (drivers/host/vga-text.ts, and the
// native panic path in boot/panic.c): booted on QEMU with SeaBIOS, where
// GRUB leaves EGA text mode (80 x 25 at 0xB8000), to a halt, then the text
// buffer read through QEMU's monitor. What the screen shows must be the
// last lines the hypervisor printed on COM1, as a teletype at the bottom
// row shows them: each line wrapped at 80 columns, the newest at the bottom.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import { build } from "../../tools/builder/pipeline.js";
import { startMonitored } from "./qemu-monitor.js";
import { GRUB_ASCII_FONT } from "../../tools/builder/font.js";
import path from "node:path";

const COLS = 80;
const ROWS = 25;

// `xp /2000hx 0xb8000` prints "00000000000b8000: 0x0774 0x0773 ...": one
// 16-bit cell each, the character in the low byte.
function screenRows(dump: string): string[] {
  const cells = dump.split(/\r?\n/).filter((l) => /^[0-9a-f]{16}: /.test(l))
    .flatMap((l) => [...l.slice(18).matchAll(/0x([0-9a-f]{4})/g)].map((m) => parseInt(m[1], 16)));
  expect(cells.length).toBe(COLS * ROWS);
  const rows: string[] = [];
  for (let r = 0; r < ROWS; r++) {
    rows.push(String.fromCharCode(...cells.slice(r * COLS, (r + 1) * COLS).map((c) => c & 0xff)).replace(/ +$/, ""));
  }
  return rows;
}

// The rows a bottom-row teletype shows after printing `lines`.
function teletype(lines: string[], cols = COLS, rows = ROWS): string[] {
  const wrapped = lines.flatMap((l) => (l.length === 0 ? [""] : l.match(new RegExp(`.{1,${cols}}`, "g"))!));
  const shown = [...wrapped, ""].slice(-rows); // the cursor's empty row at the bottom
  return [...Array(rows - shown.length).fill(""), ...shown];
}

// GRUB's 8x16 font (what tools/builder/font.ts builds the core's from):
// each glyph's 16 row bytes, as a key, to its character.
function glyphTable(): Map<string, string> {
  const bytes = [...fs.readFileSync(GRUB_ASCII_FONT, "utf8").matchAll(/0x([0-9a-fA-F]{2})/g)].map((m) => parseInt(m[1], 16));
  const t = new Map<string, string>();
  for (let c = 0x7e; c >= 0x20; c--) t.set(bytes.slice(c * 16, c * 16 + 16).join(","), String.fromCharCode(c));
  return t;
}

// The text a framebuffer shows, read back from QEMU's screendump (PPM,
// "P6 width height 255" then RGB): each 8x16 cell's lit pixels matched
// against the font ("?" where no glyph matches).
function framebufferRows(ppm: Buffer): { rows: string[]; cols: number; lines: number } {
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 64).toString("latin1"))!;
  const [width, height] = [Number(header[1]), Number(header[2])];
  const px = ppm.subarray(header[0].length);
  const glyphs = glyphTable();
  const cols = Math.floor(width / 8), lines = Math.floor(height / 16);
  const rows: string[] = [];
  for (let r = 0; r < lines; r++) {
    let s = "";
    for (let c = 0; c < cols; c++) {
      const key: number[] = [];
      for (let y = 0; y < 16; y++) {
        let bits = 0;
        for (let x = 0; x < 8; x++) {
          const at = ((r * 16 + y) * width + c * 8 + x) * 3;
          if (px[at] + px[at + 1] + px[at + 2] > 0) bits |= 0x80 >> x;
        }
        key.push(bits);
      }
      s += key.every((b) => b === 0) ? " " : glyphs.get(key.join(",")) ?? "?";
    }
    rows.push(s.replace(/ +$/, ""));
  }
  return { rows, cols, lines };
}

describe("the screen (QEMU with SeaBIOS: EGA text mode)", () => {
  it.each([
    ["a core assertion (the core's own console)", "selftest=abort", "PANIC: core assertion failed"],
    ["a wasm trap (the native panic path, boot/panic.c)", "selftest=trap-oob", "PANIC: the core trapped: out-of-bounds memory access"],
  ])("after %s, shows the hypervisor's last lines as COM1 has them", async (_n, cmdline, panic) => {
    const { iso } = await build({ cmdline, quiet: true });
    const q = startMonitored(iso);
    try {
      await q.waitFor("machine halted", 60_000);
      const serial = fs.readFileSync(q.serial, "latin1").replace(/\r/g, "").split("\n");
      const mine = serial.filter((l) => l.startsWith("tsvisor: "));
      expect(mine).toContain("tsvisor: screen: EGA text 80x25 at 0xb8000, the hypervisor's lines shown there too");
      const rows = screenRows(await q.ask("xp /2000hx 0xb8000"));
      // Everything on COM1 is the hypervisor's here (no guest; SeaBIOS and
      // GRUB print on the screen only), empty lines included.
      expect(rows).toEqual(teletype(serial.slice(0, -1)));
      expect(rows.some((r) => r.includes(panic))).toBe(true);
      expect(rows[ROWS - 2]).toBe("tsvisor: machine halted");
    } finally {
      q.stop();
    }
  }, 120_000);
});

describe("the screen (QEMU with OVMF: GRUB's GOP framebuffer)", () => {
  it("after a core assertion, the framebuffer shows the hypervisor's last lines in GRUB's font", async () => {
    const { iso } = await build({ cmdline: "selftest=abort", quiet: true });
    const q = startMonitored(iso, "uefi");
    try {
      await q.waitFor("machine halted", 60_000);
      const serial = fs.readFileSync(q.serial, "latin1").replace(/\r/g, "").split("\n");
      // OVMF and GRUB print on COM1 first; the screen was blanked when the
      // hypervisor took it, before its first (empty) line.
      const mine = serial.filter((l) => l.startsWith("tsvisor: "));
      expect(mine).toContainEqual(expect.stringMatching(/^tsvisor: screen: framebuffer \d+x\d+x(24|32) at 0x[0-9a-f]+, the hypervisor's lines shown there too$/));
      const file = path.join(q.dir, "screen.ppm");
      await q.ask(`screendump ${file}`);
      const { rows, cols, lines } = framebufferRows(fs.readFileSync(file));
      const first = serial.findIndex((l) => l.startsWith("tsvisor: "));
      expect(rows).toEqual(teletype(["", ...serial.slice(first, -1)], cols, lines));
      expect(rows[lines - 2]).toBe("tsvisor: machine halted");
    } finally {
      q.stop();
    }
  }, 120_000);
});
