// Boot an ISO on a real emulator and collect what the hypervisor printed.
import fs from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { build, KernelGuest } from "../../tools/builder/pipeline.js";
import { launchFor, machineMiB, Firmware } from "../../tools/run/launch.js";
import { runSession, SessionResult } from "../../tools/run/session.js";
import type { HostName } from "../../tools/run/hosts.js";

export const VERSION = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")).version;

export interface Boot extends SessionResult {
  lines: string[];      // hypervisor lines without the "tsvisor: " prefix
  guestLines: string[]; // the guest's console lines: COM1 but the hypervisor's "tsvisor: " lines (empty lines dropped)
}

// `delayMs`: wait that long after the line before typing (a key meant for a
// program that has to start first).
export interface Typing { after: RegExp; text: string; delayMs?: number }

export interface BootOptions {
  cmdline?: string; guest?: string; cpu?: string; timeoutMs?: number;
  // The machine's firmware (QEMU only): SeaBIOS by default, or OVMF.
  firmware?: Firmware;
  // A kernel guest (its ISO modules) instead of `guest`, with its disk if
  // it has one (`kernel.disk`: file and readOnly, as tsvisor run --disk);
  // cmdlines.ts linuxTestGuest is the Linux guest as `run --guest linux`
  // gives it, with the default disk.
  kernel?: KernelGuest;
  // Type each `text` into COM1 once the console has printed a line matching
  // its `after` (after the previous step was typed).
  type?: Typing | Typing[];
}

export async function bootOn(host: HostName, opts: BootOptions = {}): Promise<Boot> {
  // The global setup built every ISO the boot tests use; this only finds it.
  const { iso } = await build({ cmdline: opts.cmdline ?? "", guest: opts.guest, kernel: opts.kernel, quiet: true });
  const input = new PassThrough();
  const steps = opts.type === undefined ? [] : Array.isArray(opts.type) ? [...opts.type] : [opts.type];
  let seen = "";
  const onOutput = (chunk: string) => {
    seen += chunk;
    // Whole lines only; a step's text is typed once, and the next step
    // looks only at what came after it.
    while (steps.length > 0) {
      const lines = seen.split("\n");
      const at = lines.slice(0, -1).findIndex((l) => steps[0].after.test(l.replace(/\r$/, "")));
      if (at < 0) return;
      seen = lines.slice(at + 1).join("\n");
      const step = steps.shift()!;
      if (step.delayMs) setTimeout(() => input.write(step.text), step.delayMs);
      else input.write(step.text);
    }
  };
  const r = await runSession(launchFor(host, iso, opts.cpu, { memoryMiB: machineMiB(opts.kernel, opts.cmdline), firmware: opts.firmware }),
    { timeoutMs: opts.timeoutMs ?? 90_000, input, onOutput });
  const lines = r.output.split("\n").filter((l) => l.startsWith("tsvisor: ")).map((l) => l.slice(9));
  const guestLines = r.output.split("\n").filter((l) => l !== "" && !l.startsWith("tsvisor: "));
  return { ...r, lines, guestLines };
}
