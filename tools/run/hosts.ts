// The test hosts, and the facts about this machine that decide which of them
// a run can use (the decision itself is host-choice.ts, a pure function).
import fs from "node:fs";
import { TOOLS, isAvailable } from "../builder/system-tools.js";
import { HostFacts, usableHosts, virtFlag } from "./host-choice.js";

export const HOSTS = ["bochs", "qemu", "kvm"] as const;
export type HostName = (typeof HOSTS)[number];

function readOr<T>(file: string, fallback: T): string | T {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}

function kvmDevice(): HostFacts["kvmDevice"] {
  try {
    fs.accessSync("/dev/kvm", fs.constants.R_OK | fs.constants.W_OK);
    return "ok";
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "denied";
  }
}

// Loaded (or built-in) kvm_* modules and their nested parameter, from /sys/module.
function kvmModules(): HostFacts["kvmModules"] {
  let names: string[] = [];
  try {
    names = fs.readdirSync("/sys/module").filter((n) => n.startsWith("kvm_")).sort();
  } catch {
    /* not Linux: no KVM */
  }
  return Object.fromEntries(names.map((n) => [n, readOr(`/sys/module/${n}/parameters/nested`, null)]));
}

export function readHostFacts(): HostFacts {
  return {
    kvmDevice: kvmDevice(),
    cpuinfo: readOr("/proc/cpuinfo", ""),
    kvmModules: kvmModules(),
    qemu: isAvailable(TOOLS.qemu),
    bochs: isAvailable(TOOLS.bochs),
    script: isAvailable(TOOLS.script),
  };
}

// The host CPU's virtualization extension, for `-cpu host,+vmx` / `+svm`.
export function hostVirtFlag(): "vmx" | "svm" | null {
  return virtFlag(readOr("/proc/cpuinfo", ""));
}

// The hosts a run could use here, best first (kvm only where it nests).
export function availableHosts(): HostName[] {
  return usableHosts(readHostFacts());
}
