#!/usr/bin/env node
// Launcher for the tsvisor command: bundles tools/cli.ts with esbuild (a few
// tens of milliseconds, skipped when the bundle is newer than every source)
// and runs it.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outfile = path.join(root, "build", "tools", "tsvisor.mjs");

function newestSource(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

// tools/ and the simulator in test/sim/, which the bench's ring part runs.
const newest = Math.max(newestSource(path.join(root, "tools")), newestSource(path.join(root, "test", "sim")));
const stale = !fs.existsSync(outfile) || fs.statSync(outfile).mtimeMs < newest;
if (stale) {
  await build({
    entryPoints: [path.join(root, "tools", "cli.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node18",
    packages: "external",
    outfile,
    logLevel: "error",
  });
}
process.env.TSVISOR_ROOT ??= root;
await import(pathToFileURL(outfile).href);
