// `tsvisor run`: check the arguments, build, boot on the chosen host, stream
// the console, and turn the outcome into an exit status.
import fs from "node:fs";
import { build } from "../builder/pipeline.js";
import { requireTools } from "../builder/system-tools.js";
import { HOSTS, HostName, pickAuto, hasKvm } from "./hosts.js";
import { launchFor } from "./launch.js";
import { runSession, Verdict } from "./session.js";

export interface RunOptions {
  host: string;
  guest: string;
  cpu?: string;
  cmdline: string;
  timeout: number;
  log?: string;
}

import { testGuestNames } from "../builder/guests.js";

// Guests this build can run: none (the hypervisor's own report) or a test guest.
export function knownGuests(): string[] {
  return ["none", ...testGuestNames().map((n) => `test:${n}`)];
}

export const RUN_EXIT: Record<Verdict | "usage" | "nohost", number> = {
  success: 0, failure: 1, panic: 1, stopped: 4, timeout: 3, aborted: 130, usage: 2, nohost: 4,
};

function usage(msg: string): number {
  process.stderr.write(`tsvisor run: ${msg}\nTry 'tsvisor run --help'.\n`);
  return RUN_EXIT.usage;
}

export function resolveHost(requested: string): HostName | string {
  if (requested === "auto") {
    return pickAuto() ?? "no test host found: install qemu-system-x86 or bochs (bash tools/setup/ensure-deps.sh)";
  }
  if (!(HOSTS as readonly string[]).includes(requested)) return `unknown host '${requested}'; choose one of: ${HOSTS.join(", ")}, auto`;
  if (requested === "kvm" && !hasKvm()) return "host 'kvm' needs /dev/kvm (readable and writable) and qemu-system-x86_64; use --host qemu or bochs";
  return requested as HostName;
}

export async function runCommand(o: RunOptions): Promise<number> {
  if (!knownGuests().includes(o.guest)) {
    return usage(`unknown guest '${o.guest}'; available: ${knownGuests().join(", ")}`);
  }
  const host = resolveHost(o.host);
  if (!(HOSTS as readonly string[]).includes(host)) {
    process.stderr.write(`tsvisor run: ${host}\n`);
    return o.host === "auto" ? RUN_EXIT.nohost : RUN_EXIT.usage;
  }
  requireTools(host === "bochs" ? "bochs" : "qemu", ...(host === "bochs" ? (["script"] as const) : []));
  const { iso } = await build({ cmdline: o.cmdline, guest: o.guest });
  const launch = launchFor(host as HostName, iso, o.cpu);
  process.stderr.write(`tsvisor: booting ${iso} on ${host} (${launch.command} ${launch.args.join(" ")}` +
    `${launch.cwd ? ` in ${launch.cwd}` : ""})\n`);

  const log = o.log ? fs.createWriteStream(o.log) : null;
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const result = await runSession(launch, {
    timeoutMs: o.timeout * 1000,
    signal: abort.signal,
    onOutput: (s) => {
      process.stdout.write(s);
      log?.write(s);
    },
  });
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  await new Promise<void>((r) => (log ? log.end(r) : r()));
  if (result.output && !result.output.endsWith("\n")) process.stdout.write("\n");
  process.stderr.write(`tsvisor: run ${result.verdict} after ${result.seconds.toFixed(1)} s: ${result.reason}\n`);
  return RUN_EXIT[result.verdict];
}
