// The kernel modules the Linux guest's initramfs carries, and the order to
// load them in. Debian's cloud kernel builds virtio, virtio_pci and the
// virtio devices as modules (shared/DESIGN.md); each module's
// dependencies come from its own .modinfo section (`modinfo -F depends`,
// kmod), resolved to files by module name, and the load order puts every
// dependency before the modules that need it.
import fs from "node:fs";
import path from "node:path";
import { findCommand, requireTools } from "../builder/system-tools.js";
import { execText, ImageError } from "./exec.js";

// Relative to lib/modules/<version>/kernel; a pattern ending in /*.ko means
// every module in that directory.
export const GUEST_MODULES = [
  "drivers/virtio/*.ko",
  "drivers/block/virtio_blk.ko",
  "drivers/net/virtio_net.ko",
  "drivers/char/virtio_console.ko",
  "drivers/char/hw_random/virtio-rng.ko",
];

// A module's name as the kernel knows it: the file name without .ko, '-' as '_'.
export const moduleName = (file: string): string => path.basename(file).replace(/\.ko(\.\w+)?$/, "").replace(/-/g, "_");

// Topological order of `roots` and everything they need: dependencies
// first, otherwise in the order the roots are given. `depends` maps a
// module to the modules it needs.
export function loadOrder(roots: string[], depends: (name: string) => string[]): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, chain: string[]) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new ImageError(`kernel modules depend on each other in a cycle: ${[...chain, name].join(" -> ")}`);
    state.set(name, "visiting");
    for (const d of depends(name)) visit(d, [...chain, name]);
    state.set(name, "done");
    order.push(name);
  };
  for (const r of roots) visit(r, []);
  return order;
}

export interface ModuleTree {
  dir: string;                // lib/modules/<version> in an unpacked kernel package
  files: Map<string, string>; // module name -> path relative to dir
  builtin: Set<string>;       // names built into the kernel (modules.builtin)
}

function walk(dir: string, rel: string, out: Map<string, string>): void {
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) walk(dir, r, out);
    else if (e.name.endsWith(".ko")) out.set(moduleName(e.name), r);
  }
}

export function readModuleTree(dir: string): ModuleTree {
  if (!fs.existsSync(path.join(dir, "kernel"))) throw new ImageError(`no kernel modules in ${dir}`);
  const files = new Map<string, string>();
  walk(dir, "kernel", files);
  const builtinFile = path.join(dir, "modules.builtin");
  const builtin = new Set(fs.existsSync(builtinFile)
    ? fs.readFileSync(builtinFile, "utf8").split("\n").filter((l) => l !== "").map(moduleName) : []);
  return { dir, files, builtin };
}

// The guest's modules in load order, each as a path relative to
// lib/modules/<version> (e.g. kernel/drivers/virtio/virtio_ring.ko).
export function guestModuleOrder(tree: ModuleTree, patterns: string[] = GUEST_MODULES): string[] {
  requireTools("modinfo");
  const modinfo = findCommand("modinfo")!;
  const roots: string[] = [];
  for (const p of patterns) {
    const names = p.endsWith("/*.ko")
      ? [...tree.files].filter(([, f]) => path.dirname(f) === path.join("kernel", p.slice(0, -5))).map(([n]) => n).sort()
      : [moduleName(p)].filter((n) => tree.files.get(n) === path.join("kernel", p));
    if (names.length === 0) throw new ImageError(`kernel module ${p} is not in ${tree.dir}`);
    roots.push(...names);
  }
  const depends = (name: string): string[] => {
    const file = path.join(tree.dir, tree.files.get(name)!);
    const out = execText(modinfo, ["-F", "depends", file], `modinfo ${path.basename(file)}`);
    const deps = out.trim().split(",").map((d) => d.trim()).filter((d) => d !== "").map(moduleName);
    for (const d of deps) {
      if (!tree.files.has(d) && !tree.builtin.has(d)) throw new ImageError(`kernel module ${name} needs ${d}, which is not in ${tree.dir}`);
    }
    // A dependency built into the kernel needs no loading.
    return deps.filter((d) => tree.files.has(d));
  };
  return loadOrder(roots, depends).map((n) => tree.files.get(n)!);
}
