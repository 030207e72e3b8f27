// The exit statistics the hypervisor prints when its VM stops
// (kernel/vm/stats.ts), read back from the run's control channel, where no
// guest byte can interleave with them (tools/run/control-channel.ts):
//
//   tsvisor: exits by reason:
//   tsvisor:   reason                   count   total ticks    mean ticks
//   tsvisor:   port I/O                  1234      56789012         46020
//   tsvisor:   total                     1234
//   tsvisor: interrupts injected by vector:          (only if any was)
//   tsvisor:   vector  source        count
//   tsvisor:   0xec    timer          4567
//   tsvisor: interrupt windows: 12, events re-injected: 0, HLT sleeps: 345 (678 ticks asleep)
//
// Ticks are the guest-visible TSC's, from the exit to the core's return
// (kernel/vm/vcpu-loop.ts): the world switch itself is not in them, and an
// HLT's ticks include the time the vCPU slept in it.
import { formatShare } from "./figures.js";

export interface ExitRow { reason: string; count: number; ticks: number; mean: number }

export interface ExitTable {
  rows: ExitRow[];        // in the order printed (the core's ExitKind order)
  total: number;          // exits in all
  injected: number;       // interrupts injected, over all vectors
  windows: number;        // interrupt-window exits
  reinjected: number;     // events delivered again after an exit interrupted them
  halts: number;          // HLTs the vCPU slept in
  asleepTicks: number;    // ticks asleep in them (part of the HLT row's ticks)
}

const P = "tsvisor: ";
const ROW = /^ {2}(\S.*?)\s+(\d+)\s+(\d+)\s+(\d+)$/;
const TOTAL = /^ {2}total\s+(\d+)$/;
const INJECTED = /^ {2}0x[0-9a-f]{2}\s.*?\s(\d+)$/;
const SUMMARY = /^interrupt windows: (\d+), events re-injected: (\d+), HLT sleeps: (\d+) \((\d+) ticks asleep\)$/;

// The last table in `text` (a run prints one, when its VM stops), or null
// if there is none or its rows are cut short. The injected interrupts and
// the summary line after it count where they are (0 where they are not).
export function parseExitTable(text: string): ExitTable | null {
  const lines = text.replace(/\r/g, "").split("\n").filter((l) => l.startsWith(P)).map((l) => l.slice(P.length));
  const at = lines.lastIndexOf("exits by reason:");
  if (at < 0) return null;
  const t: ExitTable = { rows: [], total: -1, injected: 0, windows: 0, reinjected: 0, halts: 0, asleepTicks: 0 };
  let i = at + 2; // past the column heads
  for (; i < lines.length; i++) {
    const total = TOTAL.exec(lines[i]);
    if (total) {
      t.total = Number(total[1]);
      break;
    }
    const r = ROW.exec(lines[i]);
    if (!r) return null;
    t.rows.push({ reason: r[1], count: Number(r[2]), ticks: Number(r[3]), mean: Number(r[4]) });
  }
  if (t.total < 0) return null;
  for (i++; i < lines.length; i++) {
    const s = SUMMARY.exec(lines[i]);
    if (s) {
      [t.windows, t.reinjected, t.halts, t.asleepTicks] = s.slice(1).map(Number);
      break;
    }
    const inj = INJECTED.exec(lines[i]);
    if (inj) t.injected += Number(inj[1]);
    else if (lines[i] !== "interrupts injected by vector:" && !/^ {2}vector\s/.test(lines[i])) break;
  }
  return t;
}

// The reasons by total ticks, largest first: "port I/O 120345 ticks (41.2%)",
// the HLT row with how much of it was sleep.
export function topReasons(t: ExitTable, n: number): string[] {
  const whole = t.rows.reduce((s, r) => s + r.ticks, 0);
  return [...t.rows].sort((a, b) => b.ticks - a.ticks).slice(0, n).map((r) => {
    const asleep = r.reason === "HLT" && t.asleepTicks > 0 ? `, ${formatShare(t.asleepTicks, r.ticks)} of it asleep` : "";
    return `${r.reason} ${r.ticks} ticks (${formatShare(r.ticks, whole)}${asleep}; ${r.count} exits, mean ${r.mean})`;
  });
}

// The TSC's rate the hypervisor calibrated ("tsvisor: TSC: 2893 MHz,
// calibrated against the PIT"), in MHz, or null.
export function tscMhz(text: string): number | null {
  const m = /^tsvisor: TSC: (\d+) MHz/m.exec(text.replace(/\r/g, ""));
  return m ? Number(m[1]) : null;
}
