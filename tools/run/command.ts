// `tsvisor run`: check the arguments, build, boot on the chosen host, stream
// the console (and what the user types, to the machine's COM1), and turn
// the outcome — read from the control channel, COM2 — into an exit status.
import fs from "node:fs";
import { build, GuestDisk, KernelGuest } from "../builder/pipeline.js";
import { requireTools } from "../builder/system-tools.js";
import { testGuestNames } from "../builder/guests.js";
import { checkAppend, checkInitrd, checkKernel, describeKernel, GuestFileError } from "../images/kernel-file.js";
import { checkDisk, describeDisk } from "../images/disk-file.js";
import { linuxGuest } from "../images/linux.js";
import { linuxDisk } from "../images/linux-disk.js";
import { readHostFacts, HostName } from "./hosts.js";
import { chooseHost, HostChoice } from "./host-choice.js";
import { launchFor, machineMiB, Firmware } from "./launch.js";
import { runSession, Verdict } from "./session.js";
import { consoleInput } from "./console-input.js";

export interface RunOptions {
  host: string;
  guest?: string;        // none (the default), linux, or test:<name>
  kernel?: string;       // a kernel file to boot as the guest (--kernel)
  initrd?: string;       // its initrd (--initrd)
  append?: string;       // its command line (--append)
  disk?: string;         // a disk image to attach as its virtio disk (--disk)
  diskReadonly?: boolean; // attach the disk read-only (--disk-readonly)
  cpu?: string;
  firmware?: Firmware;   // bios (the default) or uefi (QEMU only)
  cmdline: string;
  timeout?: number;      // seconds; the default depends on the guest and host (runTimeout)
  guestTimeout?: number; // seconds: guest_timeout= on the hypervisor's command line
  log?: string;
}

// Guests this build can run: none (the hypervisor's own report), linux
// (Debian's kernel and a busybox initramfs, tools/images/linux.ts) or a test guest.
export function knownGuests(): string[] {
  return ["none", "linux", ...testGuestNames().map((n) => `test:${n}`)];
}

export const RUN_EXIT: Record<Verdict | "usage" | "nohost", number> = {
  success: 0, failure: 1, panic: 1, stopped: 4, timeout: 3, aborted: 130, usage: 2, nohost: 4,
};

// What a kernel guest gets when --append is not given.
export const DEFAULT_APPEND = "console=ttyS0";

// --timeout's default: a test guest's run is over in seconds; a kernel's
// boot to its shell takes minutes under TCG and longer under Bochs; and a
// kernel guest on a terminal is someone's shell, which runs until they end
// it (poweroff, or Ctrl-A x): no time-out (0).
export function runTimeout(given: number | undefined, kernelGuest: boolean, host: HostName, interactive = false): number {
  if (given !== undefined) return given;
  if (!kernelGuest) return 120;
  if (interactive) return 0;
  return host === "bochs" ? 900 : 300;
}

// The guest the options ask for, checked before anything is built or
// booted: a GuestFileError or a usage message (exit status 2) if wrong.
// `linux` is fetched later (it may download), so here it has no files yet,
// nor its default disk (tools/images/linux-disk.ts), which it gets unless
// --disk names another: `diskReadOnly` says how to attach that one.
export type GuestPlan =
  | { kind: "image"; guest: string }                                   // none or test:<name>
  | { kind: "kernel"; kernel: string; initrd?: string; cmdline: string; disk?: GuestDisk; notes: string[] }
  | { kind: "linux"; initrd?: string; cmdline: string; disk?: GuestDisk; diskReadOnly: boolean; notes: string[] };

export class UsageError extends Error {}

export function planGuest(o: Pick<RunOptions, "guest" | "kernel" | "initrd" | "append" | "disk" | "diskReadonly">): GuestPlan {
  if (o.kernel !== undefined && o.guest !== undefined) {
    throw new UsageError("--kernel and --guest cannot go together: --kernel FILE boots your own kernel, --guest linux the cached Debian one");
  }
  const guest = o.guest ?? "none";
  if (o.kernel === undefined && !knownGuests().includes(guest)) {
    throw new UsageError(`unknown guest '${guest}'; available: ${knownGuests().join(", ")}`);
  }
  const hasKernel = o.kernel !== undefined || guest === "linux";
  for (const [opt, v] of [["--initrd", o.initrd], ["--append", o.append], ["--disk", o.disk], ["--disk-readonly", o.diskReadonly]] as const) {
    if (v !== undefined && !hasKernel) {
      throw new UsageError(`${opt} needs a kernel to go with: give --kernel FILE (or --guest linux)` +
        (o.guest !== undefined ? `; --guest ${guest} is not a kernel` : ""));
    }
  }
  if (!hasKernel) return { kind: "image", guest };
  // --disk-readonly alone makes --guest linux's default disk read-only; a
  // kernel of the user's own gets no disk unless it is given one.
  if (o.diskReadonly && o.disk === undefined && o.kernel !== undefined) {
    throw new UsageError("--disk-readonly needs a disk to go with: give --disk FILE (--kernel attaches none of its own)");
  }
  const notes: string[] = [];
  let kernelNote = "";
  if (o.kernel !== undefined) kernelNote = `kernel ${o.kernel} (${describeKernel(checkKernel(o.kernel))})`;
  if (o.initrd !== undefined) {
    const r = checkInitrd(o.initrd);
    if (r.warning) notes.push(`warning: ${r.warning}`);
    kernelNote += `${kernelNote ? ", " : ""}initrd ${o.initrd} (${r.format ?? "unknown format"}, ${r.size} bytes)`;
  }
  const cmdline = o.append ?? DEFAULT_APPEND;
  checkAppend(cmdline);
  if (kernelNote) notes.unshift(kernelNote);
  const readOnly = o.diskReadonly === true;
  const disk = o.disk !== undefined ? { file: o.disk, readOnly } : undefined;
  if (disk) notes.push(describeDisk(disk.file, checkDisk(disk.file).size, readOnly));
  return o.kernel !== undefined
    ? { kind: "kernel", kernel: o.kernel, initrd: o.initrd, cmdline, disk, notes }
    : { kind: "linux", initrd: o.initrd, cmdline, disk, diskReadOnly: readOnly, notes };
}

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
  let plan: GuestPlan;
  try {
    plan = planGuest(o);
  } catch (e) {
    if (e instanceof UsageError || e instanceof GuestFileError) return usage(e.message);
    throw e;
  }
  // UEFI is OVMF under QEMU (or KVM); Bochs, whose firmware here is its
  // BIOS, is refused by name.
  const firmware: Firmware = o.firmware ?? "bios";
  if (firmware === "uefi" && o.host === "bochs") return usage("--firmware uefi needs QEMU (OVMF); Bochs boots with its BIOS only");
  const choice = resolveHost(o.host, o.cpu);
  if (choice.kind === "refused") {
    process.stderr.write(`tsvisor run: ${choice.reason}\n`);
    return RUN_EXIT[choice.status];
  }
  const { host } = choice;
  if (firmware === "uefi" && host === "bochs") return usage("--firmware uefi needs QEMU (OVMF), and the only host found is Bochs");
  process.stderr.write(`tsvisor: ${choice.line}\n`);
  if (choice.warning) process.stderr.write(`tsvisor: warning: ${choice.warning}\n`);
  requireTools(host === "bochs" ? "bochs" : "qemu", ...(host === "bochs" ? (["script"] as const) : []));

  let kernel: KernelGuest | undefined;
  if (plan.kind === "linux") {
    const log = (l: string) => process.stderr.write(`tsvisor guest: ${l}\n`);
    const g = linuxGuest({ log });
    process.stderr.write(`tsvisor: guest linux: Debian's ${g.version}${g.cached ? ", cached" : ""} in ${g.dir}\n`);
    let disk = plan.disk;
    if (!disk) {
      const d = linuxDisk({ log });
      disk = { file: d.file, readOnly: plan.diskReadOnly };
      plan.notes.push(describeDisk(d.file, d.size, disk.readOnly));
    }
    kernel = { kernel: g.kernel, initrd: plan.initrd ?? g.initrd, cmdline: plan.cmdline, disk };
  } else if (plan.kind === "kernel") {
    kernel = { kernel: plan.kernel, initrd: plan.initrd, cmdline: plan.cmdline, disk: plan.disk };
  }
  if (plan.kind !== "image") {
    for (const n of plan.notes) process.stderr.write(`tsvisor: ${n}\n`);
    process.stderr.write(`tsvisor: guest command line: ${JSON.stringify(plan.cmdline)}\n`);
  }
  // --guest-timeout is the hypervisor's guest_timeout=; words the user gives
  // come before what a test guest declares, so the user's win.
  const cmdline = [o.cmdline, o.guestTimeout ? `guest_timeout=${o.guestTimeout}` : ""].filter((w) => w !== "").join(" ");
  const { iso } = await build({ cmdline, guest: plan.kind === "image" ? plan.guest : undefined, kernel });
  const launch = launchFor(host, iso, o.cpu, { memoryMiB: machineMiB(kernel, cmdline), firmware });
  const timeout = runTimeout(o.timeout, kernel !== undefined, host, process.stdin.isTTY === true);
  process.stderr.write(`tsvisor: booting ${iso} on ${host} (${launch.command} ${launch.args.join(" ")}` +
    `${launch.cwd ? ` in ${launch.cwd}` : ""})\n`);

  const log = o.log ? fs.createWriteStream(o.log) : null;
  // SIGINT (Ctrl-C where stdin is not a terminal: in raw mode Ctrl-C is a
  // key for the guest), SIGTERM and Ctrl-A x all end the run as interrupted
  // (exit status 130); the session stops the emulator, close() restores the terminal.
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const typed = consoleInput(process.stdin, { onEnd: () => abort.abort("ended with Ctrl-A x") });
  const result = await runSession(launch, {
    timeoutMs: timeout * 1000,
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
