// Where fetched and built guest images live: outside the repository, in
// $TSVISOR_CACHE, else $XDG_CACHE_HOME/tsvisor, else ~/.cache/tsvisor.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TSVISOR_CACHE) return path.resolve(env.TSVISOR_CACHE);
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), ".cache");
  return path.join(base, "tsvisor");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

// Run `fn` holding `dir`/.lock, so that two runs (parallel test files, two
// terminals) never build one cache folder at once; the second waits, then
// finds the first one's work. A lock left by a process that is gone is taken over.
export function withLock<T>(dir: string, fn: () => T, onWait?: () => void): T {
  const lock = path.join(dir, ".lock");
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = false; ; ) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let holder = 0;
    try {
      holder = Number(fs.readFileSync(lock, "utf8"));
    } catch {
      continue; // released just now
    }
    if (holder > 0 && !alive(holder)) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (!waited) onWait?.();
    waited = true;
    Atomics.wait(pause, 0, 0, 200);
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
