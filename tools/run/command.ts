// `tsvisor run`: check the arguments, build, boot on the chosen host, stream
// the console (and what the user types, to the machine's COM1), and turn
// the outcome into an exit status.
import fs from "node:fs";
import { build } from "../builder/pipeline.js";
import { requireTools } from "../builder/system-tools.js";
import { readHostFacts } from "./hosts.js";
import { chooseHost, HostChoice } from "./host-choice.js";
import { launchFor } from "./launch.js";
import { runSession, Verdict } from "./session.js";
import { consoleInput } from "./console-input.js";

export interface RunOptions {
  host: string;
  guest: string;
  cpu?: string;
  cmdline: string;
  timeout: number;
  guestTimeout?: number; // seconds: guest_timeout= on the hypervisor's command line
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

// Decide the host from this machine's facts before building or booting, and
// say which one and why in one line (and refuse kvm where it cannot nest).
export function resolveHost(requested: string, cpu?: string): HostChoice {
  return chooseHost(readHostFacts(), requested, cpu);
}

export async function runCommand(o: RunOptions): Promise<number> {
  if (!knownGuests().includes(o.guest)) {
    return usage(`unknown guest '${o.guest}'; available: ${knownGuests().join(", ")}`);
  }
  const choice = resolveHost(o.host, o.cpu);
  if (choice.kind === "refused") {
    process.stderr.write(`tsvisor run: ${choice.reason}\n`);
    return RUN_EXIT[choice.status];
  }
  const { host } = choice;
  process.stderr.write(`tsvisor: ${choice.line}\n`);
  if (choice.warning) process.stderr.write(`tsvisor: warning: ${choice.warning}\n`);
  requireTools(host === "bochs" ? "bochs" : "qemu", ...(host === "bochs" ? (["script"] as const) : []));
  // --guest-timeout is the hypervisor's guest_timeout=; words the user gives
  // come before what a test guest declares, so the user's win.
  const cmdline = [o.cmdline, o.guestTimeout ? `guest_timeout=${o.guestTimeout}` : ""].filter((w) => w !== "").join(" ");
  const { iso } = await build({ cmdline, guest: o.guest });
  const launch = launchFor(host, iso, o.cpu);
  process.stderr.write(`tsvisor: booting ${iso} on ${host} (${launch.command} ${launch.args.join(" ")}` +
    `${launch.cwd ? ` in ${launch.cwd}` : ""})\n`);

  const log = o.log ? fs.createWriteStream(o.log) : null;
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const typed = consoleInput(process.stdin, onSignal);
  const result = await runSession(launch, {
    timeoutMs: o.timeout * 1000,
    signal: abort.signal,
    input: typed.stream,
    onOutput: (s) => {
      process.stdout.write(s);
      log?.write(s);
    },
  }).finally(() => typed.close());
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  await new Promise<void>((r) => (log ? log.end(r) : r()));
  if (result.output && !result.output.endsWith("\n")) process.stdout.write("\n");
  process.stderr.write(`tsvisor: run ${result.verdict} after ${result.seconds.toFixed(1)} s: ${result.reason}\n`);
  return RUN_EXIT[result.verdict];
}
