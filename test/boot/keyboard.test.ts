// Typing on the machine's own keyboard (drivers/host/ps2-keyboard.ts), for
// a machine with no serial port: QEMU's PS/2 keyboard, driven through its
// monitor (`sendkey`), reaches the uart-echo guest's UART as COM1's bytes
// would, and the guest echoes the line.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import { build } from "../../tools/builder/pipeline.js";
import { startMonitored } from "./qemu-monitor.js";

// QEMU's key names (`sendkey`) for the line typed.
const keys = (text: string) => [...text].map((c) => (c === " " ? "spc" : c === "\n" ? "ret" : c));

describe("the machine's keyboard (QEMU's PS/2 keyboard, SeaBIOS)", () => {
  it("a line typed on it reaches the guest's UART, with Shift", async () => {
    const { iso } = await build({ guest: "test:uart-echo", quiet: true });
    const q = startMonitored(iso);
    try {
      await q.waitFor("ready: type a line", 60_000);
      for (const k of keys("hello tsvisor")) await q.ask(`sendkey ${k}`);
      await q.ask("sendkey shift-1");   // '!' : Shift held with the key
      await q.ask("sendkey ret");
      await q.waitFor("echo: hello tsvisor!", 30_000);
      const serial = fs.readFileSync(q.serial, "latin1").replace(/\r/g, "");
      expect(serial).toContain("\necho: hello tsvisor!\n");
      await q.waitFor("verdict: PASS", 30_000);
    } finally {
      q.stop();
    }
  }, 120_000);
});
