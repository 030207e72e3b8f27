// `tsvisor bench`'s ring figure: the hostile-ring properties of the
// virtqueue and virtio-blk (test/sim/virtq-properties.ts; a fast sample of
// them is in `npm test`) run on build/core.wasm under the simulated HAL,
// with `cases` cases in all, split evenly between them, from one seed.
// Prints one line: the count, the time and the result; on a failure the
// property, the seed and path that replay it, the shrunk counterexample and
// what differed. Returns whether every case passed.
import fs from "node:fs";
import { build } from "../builder/pipeline.js";
import { CORE_WASM } from "../builder/config.js";
import { Harness } from "../../test/sim/virtq-harness.js";
import { RING_PROPERTIES, RingRun, runRingProperty } from "../../test/sim/virtq-properties.js";

export const DEFAULT_RING_CASES = 100_000;

export async function benchRings(cases: number, seed: number): Promise<boolean> {
  await build({ wasmOnly: true, quiet: true });
  const h = new Harness(new WebAssembly.Module(fs.readFileSync(CORE_WASM)));
  const hostile = RING_PROPERTIES.filter((p) => p.hostile);
  const started = performance.now();
  const runs: RingRun[] = [];
  for (const [i, p] of hostile.entries()) {
    const share = Math.floor(cases / hostile.length) + (i < cases % hostile.length ? 1 : 0);
    const t0 = performance.now();
    const r = runRingProperty(h, p, share, seed);
    runs.push(r);
    process.stderr.write(`tsvisor bench: rings: ${p.name}: ${r.cases} cases, ${((performance.now() - t0) / 1000).toFixed(1)} s${r.failed ? ", FAILED" : ""}\n`);
    if (r.failed) break;
  }
  const total = runs.reduce((n, r) => n + r.cases, 0);
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  const bad = runs.find((r) => r.failed);
  console.log(`\nrings: ${total} hostile-ring cases (${hostile.length} properties, seed ${seed}) in ${secs} s: ` +
    (bad ? `FAIL (${bad.property}: seed ${bad.seed}, path ${bad.path})` : "pass"));
  if (bad) {
    console.log(`  ${bad.error}`);
    console.log(`  counterexample: ${bad.counterexample}`);
    console.log(`  replay: tsvisor bench --only rings --seed ${bad.seed}, or TSVISOR_PROPERTY_SEED=${bad.seed} ` +
      `TSVISOR_PROPERTY_PATH=${bad.path} npx vitest run test/unit/virtqueue-properties.test.ts -t '${bad.property}'`);
  }
  return !bad;
}
