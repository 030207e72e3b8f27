import { describe, expect, it } from "vitest";
import { parseExitTable, topReasons, tscMhz } from "../../tools/bench/exit-table.js";

// Rows as kernel/vm/stats.ts lays them out: "  " + the reason padded to 20,
// the count right-aligned in 10, total and mean ticks in 14 each.
const row = (reason: string, count: number, ticks: number) =>
  `tsvisor:   ${reason.padEnd(20)}${String(count).padStart(10)}${String(ticks).padStart(14)}${String(Math.floor(ticks / count)).padStart(14)}`;

const TABLE = [
  "tsvisor: TSC: 2893 MHz, calibrated against the PIT",
  "tsvisor: VM stopped: the guest powered off with status 0",
  "tsvisor: exits by reason:",
  "tsvisor:   reason                   count   total ticks    mean ticks",
  row("external interrupt", 12, 6000),
  row("CPUID", 40, 2000000),
  row("HLT", 300, 9000000),
  row("port I/O", 5000, 250000000),
  row("nested page fault", 800, 40000000),
  row("VMX/SVM instruction", 1, 9999999999),
  "tsvisor:   total                     6153",
  "tsvisor: interrupts injected by vector:",
  "tsvisor:   vector  source        count",
  "tsvisor:   0x24    IRQ  4           17",
  "tsvisor:   0xec    timer          2500",
  "tsvisor: interrupt windows: 12, events re-injected: 3, HLT sleeps: 290 (8500000 ticks asleep)",
  "tsvisor: power off: status success",
  "",
].join("\r\n");

describe("the hypervisor's exit table", () => {
  it("reads every row, the total, the interrupts injected and the HLT summary", () => {
    const t = parseExitTable(TABLE)!;
    expect(t.rows.map((r) => r.reason)).toEqual(["external interrupt", "CPUID", "HLT", "port I/O", "nested page fault", "VMX/SVM instruction"]);
    expect(t.rows[3]).toEqual({ reason: "port I/O", count: 5000, ticks: 250000000, mean: 50000 });
    expect(t.rows[5].ticks).toBe(9999999999);
    expect(t).toMatchObject({ total: 6153, injected: 2517, windows: 12, reinjected: 3, halts: 290, asleepTicks: 8500000 });
  });

  it("takes the last table, ignores guest lines in between and accepts one without injections or summary", () => {
    const old = ["tsvisor: exits by reason:", "tsvisor:   reason  count total mean", row("CPUID", 1, 1), "tsvisor:   total 1"].join("\n");
    const t = parseExitTable(`${old}\nsome guest line\n${TABLE}`)!;
    expect(t.total).toBe(6153);
    const bare = ["tsvisor: exits by reason:", "tsvisor:   reason  count", row("port I/O", 87, 994689), "tsvisor:   total                       87",
      "tsvisor: power off: status success"].join("\n");
    expect(parseExitTable(bare)).toMatchObject({ rows: [{ reason: "port I/O", count: 87, ticks: 994689, mean: 11433 }], total: 87, injected: 0, halts: 0 });
  });

  it("refuses a missing or cut-off table", () => {
    expect(parseExitTable("tsvisor: power off: status success\n")).toBeNull();
    const cut = TABLE.split("\r\n").slice(0, 7).join("\n");
    expect(parseExitTable(cut)).toBeNull();
    const garbled = TABLE.replace(row("CPUID", 40, 2000000), "tsvisor:   CPUID forty");
    expect(parseExitTable(garbled)).toBeNull();
  });

  it("lists the reasons by total ticks with their share, and how much of HLT was sleep", () => {
    const t = parseExitTable(TABLE.replace(row("VMX/SVM instruction", 1, 9999999999) + "\r\n", ""))!;
    expect(topReasons(t, 3)).toEqual([
      "port I/O 250000000 ticks (83.1%; 5000 exits, mean 50000)",
      "nested page fault 40000000 ticks (13.3%; 800 exits, mean 50000)",
      "HLT 9000000 ticks (3.0%, 94.4% of it asleep; 300 exits, mean 30000)",
    ]);
  });

  it("reads the TSC rate the hypervisor calibrated", () => {
    expect(tscMhz(TABLE)).toBe(2893);
    expect(tscMhz("tsvisor: TSC: frequency unknown (the PIT did not answer)\n")).toBeNull();
  });
});
