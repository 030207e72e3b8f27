// `tsvisor bench`'s virtio I/O figures: the Linux guest (the cached Debian
// kernel and busybox initramfs, as in linux-boot.ts) reads and writes a
// disk with dd and pings 10.0.2.2, under tsvisor (its virtio-blk with the
// bench disk as a boot module, its virtio-net's built-in host) and directly
// on QEMU with QEMU's own devices:
//
//   -drive file=IMG,if=none,id=d,format=raw -device virtio-blk-pci,drive=d
//   -netdev user,id=n -device virtio-net-pci,netdev=n
//
// The direct disk is a copy of the same file (QEMU's default
// cache=writeback: its reads and writes meet the host's page cache, as
// tsvisor's meet its copy in memory); QEMU's user network answers ping to its gateway, 10.0.2.2,
// itself, as tsvisor's built-in host does. Both are virtio 1 PCI devices
// the same Linux drivers (virtio_pci, virtio_blk, virtio_net) drive with
// MSI-X. QEMU TCG only: on Bochs one Linux boot takes over a minute, and
// a throughput run there would not fit the bench's time.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { build, KERNEL_GUEST_RAM_MIB, KernelGuest } from "../builder/pipeline.js";
import { linuxGuest } from "../images/linux.js";
import { cacheRoot } from "../images/cache.js";
import { launchFor, launchMedia, machineMiB, Launch } from "../run/launch.js";
import { runSession, SessionResult } from "../run/session.js";
import { parseExitTable } from "./exit-table.js";
import { BOOT_APPEND, addedCmdline, directMedia } from "./linux-boot.js";
import { ioSteps, parseGuestIo, StepTyper, IO_DISK_MIB, IO_DONE, GuestIo } from "./io-guest.js";
import { ioReport, ioSide, hvDelta, parseVirtioCounts, parseBlkCounts, parseInjected, HvCounts } from "./io-report.js";

export const IO_BOCHS_SKIPPED = "virtio I/O on bochs: not measured. Bochs is too slow for throughput runs within the bench's time " +
  "(one Linux boot there takes over a minute before any I/O); the figures come from QEMU TCG (--host qemu)";

// QEMU's own devices for the direct run, beside the machine launchMedia
// gives (whose -nic none only drops the default card).
export function directDevices(disk: string): string[] {
  return ["-drive", `file=${disk},if=none,id=d,format=raw`, "-device", "virtio-blk-pci,drive=d",
    "-netdev", "user,id=n", "-device", "virtio-net-pci,netdev=n"];
}

const lastLines = (text: string, n = 20) => text.trimEnd().split("\n").slice(-n).join("\n");

// One boot that types the steps as their lines come; at the last step's
// marker `atDone` ends it (poweroff -f under tsvisor, the abort signal
// directly). Throws with the console's tail if the steps did not all run.
async function typedRun(what: string, launch: Launch, mib: number, timeoutMs: number,
  atDone: (input: PassThrough, abort: AbortController) => void): Promise<SessionResult> {
  const input = new PassThrough();
  const abort = new AbortController();
  const typer = new StepTyper(ioSteps(mib), IO_DONE);
  let done = false;
  const r = await runSession(launch, {
    timeoutMs, input, signal: abort.signal,
    onOutput: (chunk) => {
      if (done) return;
      for (const t of typer.feed(chunk)) input.write(t);
      if (typer.ended) {
        done = true;
        atDone(input, abort);
      }
    },
  });
  if (!done) throw new Error(`${what} did not finish its steps: ${r.verdict}: ${r.reason}\n${lastLines(r.output)}`);
  process.stderr.write(`tsvisor bench: virtio I/O on qemu: ${what}: ${r.seconds.toFixed(1)} s\n`);
  return r;
}

interface TsvisorRun { io: GuestIo; hv: HvCounts; append: string; seconds: number }

async function underTsvisor(what: string, iso: string, kernel: KernelGuest, mib: number, timeoutMs: number): Promise<TsvisorRun> {
  const r = await typedRun(what, launchFor("qemu", iso, undefined, { memoryMiB: machineMiB(kernel) }), mib, timeoutMs,
    (input) => input.write("poweroff -f\n"));
  if (r.verdict !== "success") throw new Error(`${what} did not power off with success: ${r.verdict}: ${r.reason}\n${lastLines(r.output)}`);
  const blk = parseVirtioCounts(r.control, "virtio-blk");
  const blkIo = parseBlkCounts(r.control);
  const exits = parseExitTable(r.control);
  if (!blk || !blkIo || !exits) throw new Error(`${what} printed no virtio-blk counts or exit table on its control channel`);
  return {
    io: parseGuestIo(r.output, mib), hv: { blk, blkIo, exits, injected: parseInjected(r.control) },
    append: addedCmdline(r.control), seconds: r.seconds,
  };
}

// The bench disk: zeros, written out (not sparse, so the direct run's host
// file has no holes to read faster), in the cache at a fixed path, since the
// ISO is named by its modules' paths and contents: every bench run finds
// the same ISO instead of building one more. Nothing writes this file
// (tsvisor's guest writes the ISO's copy in memory); it is made again if
// it is not what it should be.
export function benchDisk(root = cacheRoot()): string {
  const file = path.join(root, "bench", `io-disk-${IO_DISK_MIB}MiB.img`);
  const bytes = IO_DISK_MIB * 1024 * 1024;
  const ok = fs.existsSync(file) && fs.statSync(file).size === bytes && fs.readFileSync(file).equals(Buffer.alloc(bytes));
  if (!ok) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file + ".tmp", Buffer.alloc(bytes));
    fs.renameSync(file + ".tmp", file);
  }
  return file;
}

export async function benchIo(host: "qemu" | "bochs", timeoutSec: number): Promise<void> {
  if (host !== "qemu") {
    console.log(`\n${IO_BOCHS_SKIPPED}`);
    return;
  }
  const g = linuxGuest({ log: (l) => process.stderr.write(`tsvisor guest: ${l}\n`) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsvisor-bench-io-"));
  try {
    const image = benchDisk();
    // QEMU writes its disk (zeros, but it takes a write lock too): a copy of
    // its own in the run's directory, so two benches never share one.
    const disk = path.join(dir, path.basename(image));
    fs.copyFileSync(image, disk);
    const kernel: KernelGuest = { kernel: g.kernel, initrd: g.initrd, cmdline: BOOT_APPEND, disk: { file: image, readOnly: false } };
    const { iso } = await build({ kernel, quiet: true });
    const ms = timeoutSec * 1000;
    const log = (s: string) => process.stderr.write(`tsvisor bench: virtio I/O on qemu: ${s}\n`);
    log("under tsvisor, a baseline run (the same commands, dd count=0)");
    const base = await underTsvisor("the baseline run under tsvisor", iso, kernel, 0, ms);
    log(`under tsvisor, ${IO_DISK_MIB} MiB a pass`);
    const run = await underTsvisor("the run under tsvisor", iso, kernel, IO_DISK_MIB, ms);
    const append = [BOOT_APPEND, run.append].filter((w) => w !== "").join(" ");
    log(`directly, on QEMU's virtio-blk-pci and virtio-net-pci, ${IO_DISK_MIB} MiB a pass`);
    const m = launchMedia("qemu", directMedia("qemu", { ...g, append }), undefined, { memoryMiB: KERNEL_GUEST_RAM_MIB });
    const d = await typedRun("the direct run", { ...m, args: [...m.args, ...directDevices(disk)] }, IO_DISK_MIB, ms,
      (_input, abort) => abort.abort("the I/O steps are done"));
    const directIo = parseGuestIo(d.output, IO_DISK_MIB);
    // Each pass, for a reader who wants more than the median and range.
    const each = (io: GuestIo) => (["reads", "writes"] as const).map((k) => `${k} ${io[k].map((p) => (p.us / 1000).toFixed(0)).join(" ")}`).join(", ");
    log(`passes in ms: directly ${each(directIo)}; under tsvisor ${each(run.io)}`);
    const facts = {
      version: g.version, ramMiB: KERNEL_GUEST_RAM_MIB, append, runS: { base: base.seconds, run: run.seconds },
      disk: `qemu -kernel, ${directDevices(`IMG`).join(" ")} (IMG: a copy of the ${IO_DISK_MIB} MiB raw file of zeros tsvisor's ISO holds)`,
    };
    console.log("\n" + ioReport(facts, ioSide(directIo), ioSide(run.io), hvDelta(run.hv, base.hv)).join("\n"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
