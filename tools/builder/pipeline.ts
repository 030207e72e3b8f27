// Run the whole build, timing each stage, and report the ELF's size.
import fs from "node:fs";
import path from "node:path";
import * as cfg from "./config.js";
import { stageBuildInfo, stageLayout, stageAsc, stageWasm2c, stageCompile, stageLink, stageIso, IsoModule, BuildError } from "./stages.js";
import { buildTestGuest, guestCmdline } from "./guests.js";

// The boot modules for a --guest value ("none" or absent: no module).
export function guestModules(guest: string | undefined): IsoModule[] {
  if (!guest || guest === "none") return [];
  const m = /^test:(.+)$/.exec(guest);
  if (!m) throw new BuildError(`unknown guest '${guest}'; use none or test:<name>`);
  return [{ file: buildTestGuest(m[1]), name: `${m[1]}.bin` }];
}

export interface BuildOptions {
  cmdline?: string;     // hypervisor command line baked into grub.cfg
  guest?: string;       // "test:<name>" puts that test guest on the ISO as a boot module
  wasmOnly?: boolean;   // stop after asc (what the unit tests need)
  quiet?: boolean;
}

export interface BuildResult { iso: string; elf: string; wasm: string }

export async function build(opts: BuildOptions = {}): Promise<BuildResult> {
  const log = opts.quiet ? () => {} : (s: string) => process.stderr.write(s + "\n");
  const started = Date.now();
  const step = async (name: string, fn: () => boolean | Promise<boolean>) => {
    const t0 = Date.now();
    const did = await fn();
    log(`  ${name.padEnd(10)} ${did ? "built  " : "up to date"} ${String(Date.now() - t0).padStart(6)} ms`);
  };
  log("tsvisor build:");
  await step("build-info", stageBuildInfo);
  await step("layout", stageLayout);
  await step("asc", stageAsc);
  const result: BuildResult = { iso: cfg.ISO, elf: cfg.ELF, wasm: cfg.CORE_WASM };
  if (opts.wasmOnly) return result;
  await step("wasm2c", stageWasm2c);
  await step("cc", stageCompile);
  await step("ld", stageLink);
  await step("iso", () => {
    const guestName = /^test:(.+)$/.exec(opts.guest ?? "")?.[1];
    const declared = guestName ? guestCmdline(guestName) : "";
    // The user's words first: the hypervisor takes the first of a repeated option.
    const r = stageIso([opts.cmdline ?? "", declared].filter((s) => s !== "").join(" "), guestModules(opts.guest));
    result.iso = r.iso;
    return r.built;
  });
  log(`  ${path.relative(cfg.ROOT, cfg.ELF)}: ${fs.statSync(cfg.ELF).size} bytes; ` +
      `${path.relative(cfg.ROOT, result.iso)}: ${fs.statSync(result.iso).size} bytes; total ${Date.now() - started} ms`);
  return result;
}
