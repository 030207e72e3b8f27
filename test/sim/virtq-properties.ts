// The virtqueue properties, in one list for the unit tests
// (test/unit/virtqueue-properties.test.ts) and the benchmark
// (tools/bench/rings.ts, `tsvisor bench --only rings`), which runs the
// hostile ones with many more cases: each property a fast-check property
// over one harness (one virtio-blk, its model and its checks,
// test/sim/virtq-harness.ts) that every case reuses.
import fc from "fast-check";
import { Harness } from "./virtq-harness.js";
import { wellFormedProperty } from "./virtq-wellformed.js";
import { brokenChainProperty } from "./virtq-hostile.js";
import { setupProperty } from "./virtq-misconfig.js";
import { randomRingsProperty } from "./virtq-random.js";

export interface RingProperty {
  name: string;
  hostile: boolean;
  make: (h: Harness) => fc.IProperty<unknown>;
}

export const RING_PROPERTIES: readonly RingProperty[] = [
  { name: "well-formed requests are served as the disk says", hostile: false, make: wellFormedProperty },
  { name: "a chain that breaks one rule", hostile: true, make: brokenChainProperty },
  { name: "a queue set up against the rules", hostile: true, make: setupProperty },
  { name: "random descriptor tables and available rings", hostile: true, make: randomRingsProperty },
];

export interface RingRun {
  property: string;
  cases: number;
  failed: boolean;
  seed: number;
  path?: string;
  counterexample?: string;
  error?: string;
}

// Run `cases` cases of `p` from `seed` (shrinking a failure as fast-check
// does); with `path`, only the case a failure reported.
export function runRingProperty(h: Harness, p: RingProperty, cases: number, seed: number, path?: string): RingRun {
  const r = fc.check(p.make(h), { numRuns: cases, seed, path });
  const run: RingRun = { property: p.name, cases: r.numRuns, failed: r.failed, seed: r.seed };
  if (r.failed) {
    run.path = r.counterexamplePath ?? undefined;
    run.counterexample = fc.stringify(r.counterexample);
    run.error = r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance);
  }
  return run;
}
