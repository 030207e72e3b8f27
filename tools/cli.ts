// The `tsvisor` command: build the ISO, run it on a test host.
import { Command, InvalidArgumentError, Option } from "commander";
import { build } from "./builder/pipeline.js";
import { BuildError } from "./builder/stages.js";
import { MissingToolError } from "./builder/system-tools.js";
import { runCommand, RunOptions, DEFAULT_APPEND } from "./run/command.js";
import { benchCommand, BenchOptions } from "./bench/command.js";
import { DEFAULT_RING_CASES } from "./bench/rings.js";
import { guestLinuxCommand } from "./images/command.js";
import { ImageError } from "./images/exec.js";
import { describeSize, MAX_DISK_BYTES } from "./images/disk-file.js";

// Exit statuses of the command (also in README.md).
export const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3, hostError: 4 } as const;

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive whole number");
  return n;
}

// A fast-check seed: any 32-bit integer.
function seedInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) throw new InvalidArgumentError("must be a 32-bit whole number");
  return n | 0;
}

// The hypervisor's guest_timeout= range (kernel/run-guest.ts).
function budget(v: string): number {
  const n = positiveInt(v);
  if (n > 86400) throw new InvalidArgumentError("must be at most 86400 seconds");
  return n;
}

const program = new Command()
  .name("tsvisor")
  .description("tsvisor: a bare-metal x86-64 hypervisor whose core is TypeScript")
  .exitOverride()
  .showHelpAfterError();

program
  .command("build")
  .description("build build/tsvisor.elf and build/tsvisor.iso (incremental)")
  .option("--cmdline <text>", "hypervisor command line to bake into the ISO", "")
  .action(async (o: { cmdline: string }) => {
    await build({ cmdline: o.cmdline });
  });

program
  .command("run")
  .description("build the ISO, boot it on a test host and stream its serial console")
  .option("--host <host>", "bochs | qemu | kvm | auto (auto: kvm where it can nest, then qemu, then bochs)", "auto")
  .option("--guest <guest>", "guest to run: none (the default: the hypervisor's own report), linux (Debian's cloud kernel " +
    "and a busybox initramfs, fetched and built on first use: tsvisor guest linux) or test:<name> (test/guests/<name>.S)")
  .option("--kernel <file>", "boot this kernel as the guest, as qemu -kernel does: a Linux bzImage (boot protocol 2.12+) or a multiboot v1 image")
  .option("--initrd <file>", "the kernel guest's initrd (for --guest linux: instead of the built initramfs)")
  .option("--append <text>", `the kernel guest's command line, printable text up to 2047 bytes (default: ${DEFAULT_APPEND})`)
  .option("--disk <file>", "attach this disk image as the kernel guest's virtio disk: a copy held in the hypervisor's memory, " +
    `never written back to the file; whole 512-byte sectors, at most ${describeSize(MAX_DISK_BYTES)} (--guest linux: instead of its default ext4 disk)`)
  .option("--disk-readonly", "attach the disk read-only (--disk FILE, or --guest linux's default disk)")
  .option("--cpu <model>", "CPU model for the host (QEMU -cpu, Bochs cpu model)")
  .addOption(new Option("--firmware <kind>", "the machine's firmware: bios (SeaBIOS) or uefi (OVMF; QEMU only); the ISO boots on both")
    .choices(["bios", "uefi"]).default("bios"))
  .option("--cmdline <text>", "hypervisor command line", "")
  .option("--timeout <sec>", "stop the run after this many seconds (default: 120; for a kernel guest 300, on Bochs 900)", positiveInt)
  .option("--guest-timeout <sec>", "the VM's own time budget (guest_timeout=): the hypervisor stops the guest past it and reports, 1-86400", budget)
  .option("--log <file>", "also write the serial console to this file")
  .action(async (o: RunOptions) => {
    process.exitCode = await runCommand(o);
  });

const guest = program
  .command("guest")
  .description("fetch and build guest images (kept in $TSVISOR_CACHE, else $XDG_CACHE_HOME/tsvisor or ~/.cache/tsvisor)");
guest
  .command("linux")
  .description("Debian's cloud kernel and a busybox initramfs with its virtio modules: fetch and build them (once per kernel version) and print where they are")
  .option("--refresh", "fetch and build again even if cached")
  .action((o: { refresh?: boolean }) => {
    process.exitCode = guestLinuxCommand(o);
  });

program
  .command("bench")
  .description("figures as ratios against a baseline measured in the same run: an exit round trip through the core " +
    "against an assembly-only exit handler, Linux's boot to its ready marker under tsvisor against the same kernel booted directly, " +
    "that Linux's disk and network I/O through tsvisor's virtio devices against QEMU's own (QEMU only); " +
    "then the virtqueue's hostile-ring property tests on the core's wasm, by the hundred thousand")
  .option("--host <host>", "bochs (VMX), qemu (SVM on TCG) or all", "all")
  .option("--only <part>", "one part alone: exits (the round trip), boot (Linux's boot), io (virtio disk and network, QEMU only) " +
    "or rings (the hostile-ring properties, no host needed)")
  .option("--runs <n>", "exit bench: runs of each side; the median is reported", positiveInt, 3)
  .option("--timeout <sec>", "exit bench: time-out for each run", positiveInt, 180)
  .option("--boot-runs <n>", "Linux boot: boots each way; the median is reported", positiveInt, 1)
  .option("--boot-timeout <sec>", "Linux boot and virtio I/O: time-out for each boot (default 300, on Bochs 900)", positiveInt)
  .option("--cases <n>", "rings: hostile-ring cases in all, split between the properties", positiveInt, DEFAULT_RING_CASES)
  .option("--seed <n>", "rings: the fast-check seed (a failure prints the one that replays it)", seedInt)
  .action(async (o: BenchOptions) => {
    process.exitCode = await benchCommand(o);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as { code?: string; exitCode?: number; message?: string };
  if (err.code?.startsWith("commander.")) {
    // commander already printed the message; help and version are not errors.
    process.exitCode = err.code === "commander.helpDisplayed" || err.code === "commander.version" ? EXIT.ok : EXIT.usage;
  } else if (e instanceof MissingToolError || e instanceof BuildError || e instanceof ImageError) {
    process.stderr.write(`tsvisor: ${(e as Error).message}\n`);
    process.exitCode = EXIT.failed;
  } else {
    throw e;
  }
}
