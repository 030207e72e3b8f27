// Property tests of the split virtqueue (drivers/virtio/virtqueue.ts) and
// virtio-blk (drivers/virtio/virtio-blk.ts) on the shipped core.wasm,
// against random and hostile rings (test/sim/virtq-properties.ts): a
// driver model writes descriptor tables, available rings and buffers into
// simulated guest RAM, the device serves them, and a reference model of
// virtio 1.2 (test/sim/virtq-model.ts) says what it must have done — and
// that it touched nothing else (test/sim/virtq-harness.ts).
//
// A fast sample here; TSVISOR_PROPERTY_RUNS=N runs N cases of each, and
// TSVISOR_PROPERTY_SEED=S (and TSVISOR_PROPERTY_PATH=P, for the one case a
// failure reported) replays a seed. `tsvisor bench --only rings`
// runs the hostile ones by the hundred thousand.
import { describe, expect, it } from "vitest";
import { coreModule } from "../sim/core.js";
import { Harness } from "../sim/virtq-harness.js";
import { RING_PROPERTIES, runRingProperty } from "../sim/virtq-properties.js";

const RUNS = Number(process.env.TSVISOR_PROPERTY_RUNS ?? 500);
const SEED = process.env.TSVISOR_PROPERTY_SEED === undefined ? Date.now() ^ (Math.random() * 0x100000000) : Number(process.env.TSVISOR_PROPERTY_SEED);

describe("virtqueue and virtio-blk properties", () => {
  const h = new Harness(coreModule());
  for (const p of RING_PROPERTIES) {
    it(p.name, () => {
      const r = runRingProperty(h, p, RUNS, SEED, process.env.TSVISOR_PROPERTY_PATH);
      const replay = `TSVISOR_PROPERTY_SEED=${r.seed} TSVISOR_PROPERTY_PATH=${r.path}`;
      expect(r.failed ? `${r.error}\ncounterexample: ${r.counterexample}\nreplay: ${replay}` : "passed").toBe("passed");
    }, 120_000);
  }
});
