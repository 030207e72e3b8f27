// Boot an ISO on a real emulator and collect what the hypervisor printed.
import fs from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { build } from "../../tools/builder/pipeline.js";
import { launchFor } from "../../tools/run/launch.js";
import { runSession, SessionResult } from "../../tools/run/session.js";
import type { HostName } from "../../tools/run/hosts.js";

export const VERSION = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")).version;

export interface Boot extends SessionResult {
  lines: string[];      // hypervisor lines without the "tsvisor: " prefix
  guestLines: string[]; // the guest's console lines: COM1 but the hypervisor's "tsvisor: " lines (empty lines dropped)
}

export interface BootOptions {
  cmdline?: string; guest?: string; cpu?: string; timeoutMs?: number;
  // Type `text` into COM1 once the console has printed a line matching `after`.
  type?: { after: RegExp; text: string };
}

export async function bootOn(host: HostName, opts: BootOptions = {}): Promise<Boot> {
  // The global setup built every ISO the boot tests use; this only finds it.
  const { iso } = await build({ cmdline: opts.cmdline ?? "", guest: opts.guest, quiet: true });
  const input = new PassThrough();
  let seen = "";
  let typed = false;
  const typing = opts.type;
  const onOutput = (chunk: string) => {
    if (!typing || typed) return;
    seen += chunk;
    if (seen.split("\n").slice(0, -1).some((l) => typing.after.test(l))) {
      typed = true;
      input.write(typing.text);
    }
  };
  const r = await runSession(launchFor(host, iso, opts.cpu), { timeoutMs: opts.timeoutMs ?? 90_000, input, onOutput });
  const lines = r.output.split("\n").filter((l) => l.startsWith("tsvisor: ")).map((l) => l.slice(9));
  const guestLines = r.output.split("\n").filter((l) => l !== "" && !l.startsWith("tsvisor: "));
  return { ...r, lines, guestLines };
}
