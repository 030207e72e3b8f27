// `tsvisor bench`'s exit figure: the cost of an exit round trip through the
// core, against an assembly-only exit handler measured in the same run on
// the same host (the trampolines' bench_baseline path: resume at once). The
// bench guest (test/guests/bench.S) times N CPUID, N OUT 0x80 and N
// hypercall exits with RDTSC and prints "bench <name> <N hex> <ticks hex>".
// Three configurations are measured `runs` times each, in turn: the core as
// it ships, the core without its exit statistics (exit_stats=off), and the
// baseline. Per exit kind the table gives the medians, the ratio core /
// baseline, the core's own cost (core − baseline: what the core adds to the
// hardware's round trip) and what the statistics cost (core − no stats).
import { build } from "../builder/pipeline.js";
import { launchFor } from "../run/launch.js";
import { runSession } from "../run/session.js";
import { HostName } from "../run/hosts.js";
import { median, ratio, formatRatio } from "./figures.js";

export interface BenchFigure { name: string; iterations: number; ticks: number }

export function parseBenchLines(output: string): BenchFigure[] {
  return [...output.matchAll(/^bench (\S+) ([0-9a-f]{8}) ([0-9a-f]{8})$/gm)].map((m) => ({
    name: m[1],
    iterations: parseInt(m[2], 16),
    ticks: parseInt(m[3], 16),
  }));
}

// The backend each host runs the bench guest on.
const BACKEND: Record<HostName, string> = { bochs: "VMX", qemu: "SVM (TCG)", kvm: "hardware" };

async function measure(host: HostName, cmdline: string, timeoutSec: number): Promise<BenchFigure[]> {
  const { iso } = await build({ guest: "test:bench", cmdline, quiet: true });
  const r = await runSession(launchFor(host, iso), { timeoutMs: timeoutSec * 1000 });
  const figures = parseBenchLines(r.output);
  if (r.verdict !== "success" || figures.length === 0) {
    throw new Error(`bench run${cmdline ? ` (${cmdline})` : ""} on ${host} did not complete: ${r.verdict}: ${r.reason}`);
  }
  return figures;
}

// Prints the table; returns each exit's median ticks per round trip, through
// the core and through the assembly-only baseline.
export async function benchExits(host: HostName, runs: number, timeout: number): Promise<Map<string, { core: number; base: number }>> {
  const core: BenchFigure[][] = [];
  const bare: BenchFigure[][] = [];
  const base: BenchFigure[][] = [];
  for (let i = 0; i < runs; i++) {
    core.push(await measure(host, "", timeout));
    bare.push(await measure(host, "exit_stats=off", timeout));
    base.push(await measure(host, "bench=baseline", timeout));
  }
  const perExit = (sets: BenchFigure[][], name: string) =>
    median(sets.map((s) => {
      const f = s.find((x) => x.name === name);
      if (!f) throw new Error(`a bench run on ${host} printed no '${name}' figure`);
      return f.ticks / f.iterations;
    }));
  const names = core[0].map((f) => f.name);
  const w = Math.max(...names.map((n) => n.length), 4);
  console.log(`\n${host} (${BACKEND[host]}): TSC ticks per exit round trip as the guest measured them, ` +
    `median of ${runs} runs of ${core[0][0].iterations} exits`);
  console.log(`  ${"exit".padEnd(w)}  ${"tsvisor core".padStart(12)}  ${"no stats".padStart(9)}  ${"asm-only baseline".padStart(17)}` +
    `  ${"ratio".padStart(8)}  ${"core cost".padStart(10)}  ${"stats cost".padStart(10)}`);
  const medians = new Map<string, { core: number; base: number }>();
  for (const n of names) {
    const c = perExit(core, n);
    const s = perExit(bare, n);
    const b = perExit(base, n);
    medians.set(n, { core: c, base: b });
    console.log(`  ${n.padEnd(w)}  ${c.toFixed(1).padStart(12)}  ${s.toFixed(1).padStart(9)}  ${b.toFixed(1).padStart(17)}` +
      `  ${formatRatio(ratio(c, b)).padStart(8)}  ${(c - b).toFixed(1).padStart(10)}  ${(c - s).toFixed(1).padStart(10)}`);
  }
  return medians;
}
