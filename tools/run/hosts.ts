// Which test hosts this machine has, and which `auto` picks.
import fs from "node:fs";
import { TOOLS, isAvailable } from "../builder/system-tools.js";

export const HOSTS = ["bochs", "qemu", "kvm"] as const;
export type HostName = (typeof HOSTS)[number];

export function hasKvm(): boolean {
  try {
    fs.accessSync("/dev/kvm", fs.constants.R_OK | fs.constants.W_OK);
    return isAvailable(TOOLS.qemu);
  } catch {
    return false;
  }
}

// The host CPU's virtualization extension, for `-cpu host,+vmx` / `+svm`.
export function hostVirtFlag(): "vmx" | "svm" | null {
  try {
    const flags = fs.readFileSync("/proc/cpuinfo", "utf8");
    if (/^flags\s*:.*\bvmx\b/m.test(flags)) return "vmx";
    if (/^flags\s*:.*\bsvm\b/m.test(flags)) return "svm";
  } catch {
    /* not Linux: no KVM either */
  }
  return null;
}

export function availableHosts(): HostName[] {
  const hosts: HostName[] = [];
  if (hasKvm()) hosts.push("kvm");
  if (isAvailable(TOOLS.qemu)) hosts.push("qemu");
  if (isAvailable(TOOLS.bochs) && isAvailable(TOOLS.script)) hosts.push("bochs");
  return hosts;
}

// KVM (nested, real VT-x/AMD-V) first, then QEMU's TCG with SVM, then Bochs.
export function pickAuto(): HostName | null {
  return availableHosts()[0] ?? null;
}
