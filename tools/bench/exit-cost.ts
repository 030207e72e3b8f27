// `tsvisor bench`: the cost of an exit round trip through the core, against
// an assembly-only exit handler measured in the same run on the same host.
// The bench guest (test/guests/bench.S) times N CPUID and N OUT 0x80 exits
// with RDTSC and prints "bench <name> <N hex> <ticks hex>".
import { build } from "../build/pipeline.js";
import { launchFor } from "../run/launch.js";
import { runSession } from "../run/session.js";
import type { HostName } from "../run/hosts.js";

export interface BenchFigure { name: string; iterations: number; ticks: number }

export function parseBenchLines(output: string): BenchFigure[] {
  return [...output.matchAll(/^guest: bench (\S+) ([0-9a-f]{8}) ([0-9a-f]{8})$/gm)].map((m) => ({
    name: m[1],
    iterations: parseInt(m[2], 16),
    ticks: parseInt(m[3], 16),
  }));
}

async function measure(host: HostName, cmdline: string, timeoutSec: number): Promise<BenchFigure[]> {
  const { iso } = await build({ guest: "test:bench", cmdline, quiet: true });
  const r = await runSession(launchFor(host, iso), { timeoutMs: timeoutSec * 1000 });
  const figures = parseBenchLines(r.output);
  if (r.verdict !== "success" || figures.length === 0) {
    throw new Error(`bench run${cmdline ? ` (${cmdline})` : ""} on ${host} did not complete: ${r.verdict}: ${r.reason}`);
  }
  return figures;
}

export async function benchCommand(o: { host: string; timeout: number }): Promise<number> {
  if (o.host !== "bochs") {
    process.stderr.write(`tsvisor bench: host '${o.host}' cannot run the VMX bench guest; use --host bochs\n`);
    return 2;
  }
  const host = o.host as HostName;
  process.stderr.write(`tsvisor bench: exit round trips on ${host}, core then assembly-only baseline...\n`);
  const core = await measure(host, "", o.timeout);
  const base = await measure(host, "bench=baseline", o.timeout);
  const rows = core.map((c) => {
    const b = base.find((x) => x.name === c.name);
    if (!b) throw new Error(`baseline run printed no '${c.name}' figure`);
    const perCore = c.ticks / c.iterations;
    const perBase = b.ticks / b.iterations;
    return { name: c.name, perCore, perBase, ratio: perCore / perBase };
  });
  const w = Math.max(...rows.map((r) => r.name.length), 4);
  console.log(`exit round trip on ${host}, TSC ticks per exit as the guest measured them (${core[0].iterations} exits each)`);
  console.log(`  ${"exit".padEnd(w)}  ${"tsvisor core".padStart(12)}  ${"asm-only baseline".padStart(17)}  ${"ratio".padStart(8)}`);
  for (const r of rows) {
    console.log(`  ${r.name.padEnd(w)}  ${r.perCore.toFixed(1).padStart(12)}  ${r.perBase.toFixed(1).padStart(17)}  ${(r.ratio.toFixed(1) + "x").padStart(8)}`);
  }
  return 0;
}
