// Build once before any test file runs, so that parallel test files never
// race on build/: the core's wasm always, and for the boot tests the ISOs
// they boot (the default one and one per selftest command line).
import { build } from "../../tools/builder/pipeline.js";
import { BOOT_TEST_CMDLINES, BOOT_TEST_GUESTS, BENCH_BASELINE_CMDLINE, linuxTestGuest } from "../boot/cmdlines.js";

export default async function setup({ provide }: { provide?: unknown }): Promise<void> {
  void provide;
  // npm run test:unit sets TSVISOR_TEST_BUILD=wasm: the unit tests need only the core's wasm.
  const unitOnly = process.env.TSVISOR_TEST_BUILD === "wasm";
  await build({ wasmOnly: unitOnly });
  if (unitOnly) return;
  for (const cmdline of BOOT_TEST_CMDLINES) await build({ cmdline, quiet: true });
  for (const guest of BOOT_TEST_GUESTS) await build({ guest, quiet: true });
  await build({ guest: "test:bench", cmdline: BENCH_BASELINE_CMDLINE, quiet: true });
  // The Linux guest (fetched with apt-get download on first need, then
  // cached) with its default disk, and its ISO.
  await build({ kernel: linuxTestGuest({ log: (l) => process.stderr.write(`tsvisor guest: ${l}\n`) }), quiet: true });
}
