// Incremental builds: a stage is skipped when the hash of its inputs (file
// contents and flags) matches the stamp of its last successful run and all
// its outputs still exist.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { STAMPS } from "./config.js";

export function hashInputs(files: string[], extra: string): string {
  const h = crypto.createHash("sha256");
  h.update(extra);
  for (const f of [...files].sort()) {
    h.update(f);
    h.update(fs.readFileSync(f));
  }
  return h.digest("hex");
}

export function isFresh(stage: string, hash: string, outputs: string[]): boolean {
  const stampFile = path.join(STAMPS, `${stage}.hash`);
  if (!fs.existsSync(stampFile) || !outputs.every((o) => fs.existsSync(o))) return false;
  return fs.readFileSync(stampFile, "utf8") === hash;
}

export function writeStamp(stage: string, hash: string): void {
  fs.mkdirSync(STAMPS, { recursive: true });
  fs.writeFileSync(path.join(STAMPS, `${stage}.hash`), hash);
}

// All files under `dir` whose names end with one of `exts`.
export function listFiles(dir: string, exts: string[]): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out;
}
