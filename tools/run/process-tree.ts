// Stopping an emulator and everything it started. script(1) gives Bochs its
// own session on a pseudo-terminal, so a process-group kill does not reach
// it: the tree is found through /proc (Linux), and processes still working
// in a launch's private directory are swept up as well.
import fs from "node:fs";

function ppidOf(pid: string): string | null {
  try {
    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may contain spaces.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
  } catch {
    return null;
  }
}

function allPids(): string[] {
  try {
    return fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
}

// `root` and all its descendants.
export function processTree(root: number): number[] {
  const children = new Map<string, string[]>();
  for (const p of allPids()) {
    const pp = ppidOf(p);
    if (pp) children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const out: number[] = [];
  const walk = (p: string) => {
    out.push(Number(p));
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(String(root));
  return out;
}

// Processes whose working directory is inside `dir`.
export function processesIn(dir: string): number[] {
  return allPids().filter((p) => {
    try {
      return fs.readlinkSync(`/proc/${p}/cwd`).startsWith(dir);
    } catch {
      return false;
    }
  }).map(Number);
}

export function signalAll(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      /* already gone */
    }
  }
}
