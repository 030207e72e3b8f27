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
function teletype(lines: string[]): string[] {
  const rows = lines.flatMap((l) => (l.length === 0 ? [""] : l.match(new RegExp(`.{1,${COLS}}`, "g"))!));
  const shown = [...rows, ""].slice(-ROWS); // the cursor's empty row at the bottom
  return [...Array(ROWS - shown.length).fill(""), ...shown];
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
