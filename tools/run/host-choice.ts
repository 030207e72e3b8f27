// Which test host a run gets, decided from facts about the machine and
// nothing else, so that every case is unit-tested (hosts.ts reads the facts).
// A /dev/kvm is not enough for the kvm host: tsvisor needs VT-x or AMD-V in
// its guest, and only a KVM that nests gives it that. Some KVMs (the software
// backend kvm_pvm, or kvm_intel with nested=N) boot the ISO slowly and then
// leave the hypervisor with nothing to run on, so auto skips them before booting.
import type { HostName } from "./hosts.js";

export interface HostFacts {
  kvmDevice: "ok" | "missing" | "denied"; // /dev/kvm, readable and writable
  cpuinfo: string;                        // /proc/cpuinfo ("" where unreadable)
  // Loaded kvm_* modules (kvm_intel, kvm_amd, kvm_pvm...) and the text of
  // each one's parameters/nested, null where it has none.
  kvmModules: Record<string, string | null>;
  qemu: boolean;   // qemu-system-x86_64 installed
  bochs: boolean;  // bochs installed
  script: boolean; // script(1), which Bochs runs under for a pseudo-terminal
}

export type HostChoice =
  | { kind: "chosen"; host: HostName; line: string; warning?: string }
  | { kind: "refused"; reason: string; status: "usage" | "nohost" };

const AUTO_ORDER: HostName[] = ["kvm", "qemu", "bochs"];

// The host CPU's virtualization flag, for `-cpu host,+vmx` / `+svm`.
export function virtFlag(cpuinfo: string): "vmx" | "svm" | null {
  if (/^flags\s*:.*\bvmx\b/m.test(cpuinfo)) return "vmx";
  if (/^flags\s*:.*\bsvm\b/m.test(cpuinfo)) return "svm";
  return null;
}

// Why this KVM cannot nest, or null when it can: the CPU has the flag and
// its KVM module is loaded with nested on.
export function whyKvmCannotNest(f: HostFacts): string | null {
  const names = Object.keys(f.kvmModules);
  const found = names.length ? `its KVM module is ${names.join(", ")}` : "no KVM module is loaded";
  const flag = virtFlag(f.cpuinfo);
  if (!flag) return `this KVM cannot nest — no vmx/svm flag in /proc/cpuinfo (${found})`;
  const mod = flag === "vmx" ? "kvm_intel" : "kvm_amd";
  if (!(mod in f.kvmModules)) return `this KVM cannot nest — the CPU has ${flag} but ${mod} is not loaded (${found})`;
  const nested = f.kvmModules[mod]?.trim() ?? null;
  if (nested !== null && /^(y|1)$/i.test(nested)) return null;
  return `this KVM cannot nest — ${mod} is loaded with nested=${nested ?? "(none)"}` +
    ` (modprobe -r ${mod} && modprobe ${mod} nested=1)`;
}

// Why a host cannot run at all on this machine, or null.
function whyMissing(host: HostName, f: HostFacts): string | null {
  switch (host) {
    case "kvm":
      if (f.kvmDevice === "missing") return "no /dev/kvm";
      if (f.kvmDevice === "denied") return "/dev/kvm is not readable and writable by this user (join the kvm group)";
      return f.qemu ? null : "qemu-system-x86_64 is not installed";
    case "qemu":
      return f.qemu ? null : "qemu-system-x86_64 is not installed";
    case "bochs":
      if (!f.bochs) return "bochs is not installed";
      return f.script ? null : "script (bsdutils) is not installed, and Bochs runs under it";
  }
}

// What the guest gets on each host with its default CPU model (launch.ts).
function describe(host: HostName, f: HostFacts): string {
  switch (host) {
    case "kvm": return `QEMU with KVM, nested ${virtFlag(f.cpuinfo) === "svm" ? "AMD-V" : "VT-x"}`;
    case "qemu": return "QEMU TCG, AMD-V with nested paging";
    case "bochs": return "Bochs, VT-x with EPT";
  }
}

function chosenLine(host: HostName, f: HostFacts, cpu: string | undefined, how: string): string {
  return `host ${host} (${cpu ? `--cpu ${cpu}` : describe(host, f)}), ${how}`;
}

// The hosts that can run the guest here, best first.
export function usableHosts(f: HostFacts): HostName[] {
  return AUTO_ORDER.filter((h) => !whyUnusable(h, f));
}

function whyUnusable(host: HostName, f: HostFacts): string | null {
  return whyMissing(host, f) ?? (host === "kvm" ? whyKvmCannotNest(f) : null);
}

// requested: bochs | qemu | kvm | auto. cpu: the --cpu override, if any.
export function chooseHost(f: HostFacts, requested: string, cpu?: string): HostChoice {
  if (requested === "auto") {
    const skipped: string[] = [];
    for (const host of AUTO_ORDER) {
      const why = whyUnusable(host, f);
      if (!why) {
        const how = ["picked by --host auto", ...skipped].join("; ");
        return { kind: "chosen", host, line: chosenLine(host, f, cpu, how) };
      }
      skipped.push(`${host} skipped: ${why}`);
    }
    return {
      kind: "refused", status: "nohost",
      reason: `no test host found (${skipped.join("; ")}): install qemu-system-x86 or bochs (bash tools/setup/ensure-deps.sh)`,
    };
  }
  if (!(AUTO_ORDER as string[]).includes(requested)) {
    return { kind: "refused", status: "usage", reason: `unknown host '${requested}'; choose one of: bochs, qemu, kvm, auto` };
  }
  const host = requested as HostName;
  // qemu and bochs go on: if one is missing, the run's tool check says which
  // packages bring it. kvm is refused here, before any build or boot.
  if (host !== "kvm") return { kind: "chosen", host, line: chosenLine(host, f, cpu, "as requested") };
  const missing = whyMissing("kvm", f);
  if (missing) return { kind: "refused", status: "nohost", reason: `host 'kvm' cannot run here: ${missing}; use --host qemu or bochs, or auto` };
  const noNest = whyKvmCannotNest(f);
  if (!noNest) return { kind: "chosen", host, line: chosenLine(host, f, cpu, "as requested") };
  // --cpu is for someone who knows better than the flags (a KVM whose CPU
  // model can carry VMX or SVM although the host's flags do not say so).
  if (cpu) {
    return {
      kind: "chosen", host, line: chosenLine(host, f, cpu, "as requested"),
      warning: `${noNest}; running anyway because --cpu was given, but the guest may get neither VT-x nor AMD-V`,
    };
  }
  return {
    kind: "refused", status: "nohost",
    reason: `host 'kvm' cannot run the guest: ${noNest}; use --host qemu or bochs, or auto (or --cpu MODEL to try anyway)`,
  };
}
