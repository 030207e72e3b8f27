// The hypervisor's own page tables as the CPU walks them (docs/memory-
// layout.md): booted on QEMU TCG to a halt in the hypervisor (selftest=
// abort), then read through QEMU's monitor (`info tlb`: every present
// translation with its flags). Nothing may be writable and executable; the
// stack's guard page and the core's guard region must not be mapped.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { build } from "../../tools/builder/pipeline.js";
import { startMonitored } from "./qemu-monitor.js";

const ELF = path.resolve(__dirname, "../../build/tsvisor.elf");
const CORE_VIRT = 0x80_0000_0000n; // boot/native.h
const GUARD_END = CORE_VIRT + (1n << 33n) + 65536n;

function symbols(): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const l of execFileSync("nm", [ELF], { encoding: "utf8" }).split("\n")) {
    const [addr, , name] = l.trim().split(/\s+/);
    if (name) out[name] = BigInt(`0x${addr}`);
  }
  return out;
}

// One `info tlb` line: "VIRT: PHYS FLAGS", flags X G P D A C T U W in that
// order, '-' where clear (QEMU's print_pte; X is the no-execute bit).
interface Mapping { virt: bigint; phys: bigint; noExec: boolean; writable: boolean }
function parseTlb(text: string): Mapping[] {
  return text.split(/\r?\n/).flatMap((l) => {
    const m = /^([0-9a-f]{16}): ([0-9a-f]{16}) ([-XGPDACTUW]{9})/.exec(l.trim());
    return m ? [{ virt: BigInt(`0x${m[1]}`), phys: BigInt(`0x${m[2]}`), noExec: m[3][0] === "X", writable: m[3][8] === "W" }] : [];
  }).map((e) => ({ ...e, virt: BigInt.asUintN(48, e.virt) }));
}

describe("the hypervisor's page tables (QEMU TCG, halted in the hypervisor)", () => {
  it("map nothing writable and executable; code read-only; the stack's guard page and the core's guard region unmapped", async () => {
    const { iso } = await build({ cmdline: "selftest=abort", quiet: true });
    const q = startMonitored(iso);
    try {
      await q.waitFor("machine halted", 60_000);
      const map = parseTlb(await q.ask("info tlb"));
      const sym = symbols();
      // Where boot/core-placement.c put the core's memory, as the core reports it.
      const placed = /core: linear memory at (0x[0-9a-f]+)/.exec(fs.readFileSync(q.serial, "latin1"));
      expect(placed).not.toBeNull();
      const coreBase = BigInt(placed![1]);
      expect(map.length).toBeGreaterThan(100);
      // Nothing both writable and executable.
      expect(map.filter((m) => m.writable && !m.noExec).map((m) => m.virt.toString(16))).toEqual([]);
      // What executes is the image's .text, mapped read-only at its own address.
      const exec = map.filter((m) => !m.noExec);
      expect(exec.length).toBeGreaterThan(0);
      for (const m of exec) {
        expect(m.virt).toBeGreaterThanOrEqual(sym.__text_start);
        expect(m.virt).toBeLessThan(sym.__text_end);
        expect(m.phys).toBe(m.virt);
      }
      // Read-only data is read-only.
      for (const m of map.filter((x) => x.virt >= sym.__text_end && x.virt < sym.__rodata_end)) expect(m.writable).toBe(false);
      // The native stack's guard page is not mapped; the stack above it is.
      expect(map.some((m) => m.virt === sym.boot_stack_guard)).toBe(false);
      expect(map.some((m) => m.virt === sym.boot_stack_bottom && m.writable)).toBe(true);
      // The core's linear memory at CORE_VIRT: writable, no-execute, onto
      // the RAM it was placed in; then nothing up to the end of the guard region.
      const core = map.filter((m) => m.virt >= CORE_VIRT && m.virt < GUARD_END).sort((a, b) => (a.virt < b.virt ? -1 : 1));
      expect(core.length).toBeGreaterThan(0);
      core.forEach((m, i) => {
        expect(m.virt).toBe(CORE_VIRT + BigInt(i) * 4096n); // one run from CORE_VIRT, no holes
        expect(m.phys).toBe(coreBase + BigInt(i) * 4096n);
        expect(m.noExec && m.writable).toBe(true);
      });
    } finally {
      q.stop();
    }
  }, 120_000);
});
