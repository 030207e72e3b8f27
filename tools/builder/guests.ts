// Test guests: each test/guests/<name>.S (but the shared guest-lib.S) is a
// real-mode program linked at 0x7c00 into a flat binary build/guests/<name>.bin.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import * as cfg from "./config.js";
import { hashInputs, isFresh, writeStamp } from "./stamp.js";
import { requireTools } from "./system-tools.js";
import { BuildError } from "./stages.js";

export const GUEST_SRC = path.join(cfg.ROOT, "test", "guests");
export const GUEST_OUT = path.join(cfg.BUILD, "guests");
const LIB = "guest-lib";

export function testGuestNames(): string[] {
  if (!fs.existsSync(GUEST_SRC)) return [];
  return fs.readdirSync(GUEST_SRC).filter((f) => f.endsWith(".S") && f !== `${LIB}.S`).map((f) => f.slice(0, -2)).sort();
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new BuildError(`${what} failed:\n${(r.stderr || "") + (r.stdout || "")}`);
}

// The hypervisor command line a guest needs, declared in its source as
// `tsvisor-cmdline: WORDS` (e.g. guest_mode=long64 for a guest that starts
// in 64-bit mode): the build adds it after any --cmdline the user gives, so
// that the user's own value of an option wins (the first one counts).
export function guestCmdline(name: string): string {
  const src = path.join(GUEST_SRC, `${name}.S`);
  if (!fs.existsSync(src)) return "";
  const m = /tsvisor-cmdline:\s*([^*\n]+)/.exec(fs.readFileSync(src, "utf8"));
  return m ? m[1].trim() : "";
}

// Build one guest (incremental); returns the path of its flat binary.
export function buildTestGuest(name: string): string {
  if (!testGuestNames().includes(name)) {
    throw new BuildError(`unknown test guest '${name}'; available: ${testGuestNames().join(", ")}`);
  }
  requireTools("gcc", "ld");
  const src = path.join(GUEST_SRC, `${name}.S`);
  const lib = path.join(GUEST_SRC, `${LIB}.S`);
  // Every include file counts: a guest's own (#include "x.inc") as well as guest.inc.
  const incs = fs.readdirSync(GUEST_SRC).filter((f) => f.endsWith(".inc")).sort().map((f) => path.join(GUEST_SRC, f));
  const bin = path.join(GUEST_OUT, `${name}.bin`);
  const hash = hashInputs([src, lib, ...incs], "guest-v1");
  if (isFresh(`guest-${name}`, hash, [bin])) return bin;
  fs.mkdirSync(GUEST_OUT, { recursive: true });
  const objs = [src, lib].map((s) => {
    const o = path.join(GUEST_OUT, `${name}-${path.basename(s, ".S")}.o`);
    // 16-bit code assembled by gas for i386 (.code16 inside the sources).
    run("gcc", ["-m32", "-c", "-I", GUEST_SRC, s, "-o", o], `assembling ${path.relative(cfg.ROOT, s)}`);
    return o;
  });
  // -N: no page alignment between sections, so the image stays small.
  run("ld", ["-m", "elf_i386", "-N", "-Ttext=0x7c00", "--oformat=binary", "-e", "_start", "-o", bin, ...objs],
    `linking test guest ${name}`);
  writeStamp(`guest-${name}`, hash);
  return bin;
}
