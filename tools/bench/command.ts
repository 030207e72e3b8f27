// `tsvisor bench`: per host, the exit round trip through the core against
// an assembly-only handler (exit-cost.ts), and Linux's boot to its ready
// marker under tsvisor against the same kernel booted directly
// (linux-boot.ts), and the guest's disk and network through tsvisor's virtio
// devices against QEMU's own (virtio-io.ts, on QEMU TCG only) — each a ratio
// against a baseline measured in the same run; then, on no host (the core's
// wasm under the simulated HAL), the virtqueue's hostile-ring properties by
// the hundred thousand (rings.ts).
import { availableHosts, HostName } from "../run/hosts.js";
import { ASC_FLAGS, CFLAGS } from "../builder/config.js";
import { runTimeout } from "../run/command.js";
import { benchExits } from "./exit-cost.js";
import { benchBoot } from "./linux-boot.js";
import { benchIo } from "./virtio-io.js";
import { benchRings } from "./rings.js";

export const BENCH_PARTS = ["exits", "boot", "io", "rings"] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface BenchOptions {
  host: string;
  only?: string;          // one part alone; all when absent
  runs: number;           // runs of each side of the exit bench
  timeout: number;        // seconds, each exit-bench run
  bootRuns: number;       // boots each way
  bootTimeout?: number;   // seconds, each boot (the I/O part's too); a kernel guest's run default when absent
  cases: number;          // hostile-ring cases in all
  seed?: number;          // of the ring cases; a fresh one when absent
}

function fail(msg: string, status: number): number {
  process.stderr.write(`tsvisor bench: ${msg}\n`);
  return status;
}

export async function benchCommand(o: BenchOptions): Promise<number> {
  const usable = availableHosts().filter((h) => h !== "kvm");
  const hosts = o.host === "all" ? usable : [o.host];
  for (const h of hosts) if (h !== "bochs" && h !== "qemu") return fail(`unknown host '${h}'; use bochs, qemu or all`, 2);
  if (o.only !== undefined && !(BENCH_PARTS as readonly string[]).includes(o.only)) {
    return fail(`unknown part '${o.only}'; use ${BENCH_PARTS.slice(0, -1).join(", ")} or ${BENCH_PARTS[BENCH_PARTS.length - 1]}`, 2);
  }
  const parts = o.only ? [o.only as BenchPart] : [...BENCH_PARTS];
  const onHosts = parts.filter((p) => p !== "rings");
  if (onHosts.length > 0 && hosts.length === 0) return fail("no test host found (bash tools/setup/ensure-deps.sh)", 4);
  const what = onHosts.map((p) => ({
    exits: "exit round trips (the core, then the assembly-only baseline)",
    boot: "Linux boots (under tsvisor, then directly)",
    io: "virtio disk and network I/O (under tsvisor, then directly; QEMU only)",
  })[p as "exits" | "boot" | "io"]);
  if (what.length > 0) process.stderr.write(`tsvisor bench: ${what.join(" and ")} on ${hosts.join(", ")}\n`);
  if (parts.includes("rings")) process.stderr.write(`tsvisor bench: ${o.cases} hostile-ring cases on the core's wasm\n`);
  // The figures depend on how the core was built: say how, so that runs compare.
  console.log(`build: asc ${ASC_FLAGS.join(" ")}; cc ${CFLAGS.join(" ")}`);
  for (const h of (onHosts.length > 0 ? hosts : []) as ("bochs" | "qemu")[]) {
    // The asm-only CPUID round trip, where measured: what each of the boot's exits costs in world switches.
    const exits = parts.includes("exits") ? await benchExits(h as HostName, o.runs, o.timeout) : undefined;
    if (parts.includes("boot")) await benchBoot(h, o.bootRuns, runTimeout(o.bootTimeout, true, h), exits?.get("cpuid")?.base);
    if (parts.includes("io")) await benchIo(h, runTimeout(o.bootTimeout, true, h));
  }
  if (parts.includes("rings") && !(await benchRings(o.cases, o.seed ?? freshSeed()))) return 1;
  return 0;
}

const freshSeed = () => (Date.now() ^ Math.floor(Math.random() * 0x100000000)) | 0;
