// `tsvisor bench`'s boot figure: the wall time an unmodified Linux — the
// cached Debian kernel and busybox initramfs (tools/images/linux.ts) — takes
// from the emulator's start to its ready marker on COM1, under tsvisor and
// booted directly by the same emulator on the same machine, in the same run,
// alternating; the ratio of the medians, and the exits (by reason, from the
// hypervisor's table) that explain the difference.
//
// What is the same both ways: the kernel, the initrd, the guest-visible RAM
// (the direct machine gets what the guest gets under tsvisor, so neither
// side initialises more memory than the other), and the kernel command
// line: on AMD the hypervisor appends tsc_early_khz= and tsc=reliable
// (kernel/loader/load-guest.ts), and the direct boot is given the same
// words, read from the tsvisor run before it. What differs is how the
// kernel is loaded: under tsvisor the firmware boots GRUB from the ISO,
// GRUB loads tsvisor with the kernel and initrd as modules; directly, QEMU
// loads them itself (-kernel: no boot loader, a fast path tsvisor cannot
// take) and Bochs boots the same GRUB from an ISO holding only Linux, with
// `ignore_bad_msrs` on: a bare Linux reads MSRs that Bochs does not model
// and that tsvisor's MSR policy answers (launch.ts LaunchOptions).
import { PassThrough } from "node:stream";
import { build, KERNEL_GUEST_RAM_MIB } from "../builder/pipeline.js";
import { stageLinuxIso } from "../builder/stages.js";
import { linuxGuest } from "../images/linux.js";
import { READY_MARKER } from "../images/initramfs.js";
import { launchFor, launchMedia, BootMedia, KERNEL_GUEST_MACHINE_MIB, Launch } from "../run/launch.js";
import { runSession, SessionResult } from "../run/session.js";
import { median, ratio, formatRatio } from "./figures.js";
import { parseExitTable, topReasons, tscMhz, ExitTable } from "./exit-table.js";

// The console's rate is given: Linux's default for ttyS0 is 9600 baud, and
// Bochs paces a UART's output at its programmed rate in emulated time, so a
// Linux booted on Bochs directly would spend most of its boot printing
// (measured: 175 s to the marker at 9600 baud, 65 s at 115200), while under
// tsvisor the guest's UART (drivers/uart16550.ts) sends at once and the
// hypervisor's own COM1 runs at 115200. At 115200 both ways the figure is
// about virtualization, not serial ports.
export const BOOT_APPEND = "console=ttyS0,115200";
export const BOOT_GOAL = 1.3;
const TOP_REASONS = 5;

const BACKEND: Record<"qemu" | "bochs", string> = { qemu: "SVM on TCG", bochs: "VMX" };
const DIRECT: Record<"qemu" | "bochs", string> = { qemu: "qemu -kernel", bochs: "bochs, GRUB from an ISO" };

// The lines a boot is timed at, as they appear on COM1: the hypervisor's
// first (its banner: firmware and GRUB are done), its last before it enters
// the guest (kernel/run-guest.ts), and the line /init prints.
const isReady = (line: string) => line === READY_MARKER;
const MARKS = {
  hypervisor: (line: string) => line.startsWith("tsvisor: "),
  guest: (line: string) => /^tsvisor: VM: \d+ [KMG]iB RAM at host /.test(line),
  ready: isReady,
};
type Marks = Partial<Record<keyof typeof MARKS, number>>; // ms from the emulator's start

// Whether `text` (COM1 so far, CR LF already LF) holds the ready marker as
// a line of its own — the guest's echo of something typed never does.
export function hasReadyMarker(text: string): boolean {
  return text.split("\n").slice(0, -1).some(isReady);
}

// The words the hypervisor added to the guest's command line, as it said on
// its console ("guest command line: added tsc_early_khz=N tsc=reliable
// (AMD: ...)"), or "" where it added none (Intel).
export function addedCmdline(text: string): string {
  const m = /^tsvisor: guest command line: added (tsc_early_khz=\d+)( tsc=reliable)?/m.exec(text.replace(/\r/g, ""));
  return m ? m[1] + (m[2] ?? "") : "";
}

// The direct boot's media: QEMU loads the kernel itself; Bochs boots GRUB
// from an ISO that holds only the kernel and initrd (stageLinuxIso).
export function directMedia(host: "qemu" | "bochs", k: { kernel: string; initrd: string; append: string }): BootMedia {
  if (host === "qemu") return { kind: "kernel", kernel: k.kernel, initrd: k.initrd, append: k.append };
  return { kind: "iso", iso: stageLinuxIso({ kernel: k.kernel, initrd: k.initrd, cmdline: k.append }).iso };
}

interface Timed { marks: Marks; result: SessionResult }

// One boot, timed from the session's start to each of MARKS; at the ready
// marker `atReady` decides how the run ends (it is handed what types into
// COM1 and what aborts the session).
async function timeToReady(launch: Launch, timeoutMs: number, atReady: (input: PassThrough, abort: AbortController) => void): Promise<Timed> {
  const input = new PassThrough();
  const abort = new AbortController();
  const marks: Marks = {};
  let unfinished = "";
  const t0 = Date.now();
  const onOutput = (chunk: string) => {
    if (marks.ready !== undefined) return;
    const lines = (unfinished + chunk).split("\n");
    unfinished = lines.pop()!;
    const now = Date.now() - t0;
    for (const [name, is] of Object.entries(MARKS) as [keyof Marks, (l: string) => boolean][]) {
      if (marks[name] === undefined && lines.some(is)) marks[name] = now;
    }
    if (marks.ready !== undefined) atReady(input, abort);
  };
  const result = await runSession(launch, { timeoutMs, input, onOutput, signal: abort.signal });
  return { marks, result };
}

const lastLines = (text: string, n = 15) => text.trimEnd().split("\n").slice(-n).join("\n");

export interface BootRun {
  tsvisorMs: number;
  hypervisorMs: number | null;  // under tsvisor, the hypervisor's first line: firmware and GRUB are done
  guestStartMs: number | null;  // and its last before the guest's first instruction
  directMs: number;
  table: ExitTable;
  mhz: number | null;           // the TSC's rate the hypervisor calibrated
  append: string;               // the kernel command line, both ways
}

// One tsvisor boot, then one direct boot with the same command line. Under
// tsvisor, `poweroff -f` at the marker: the kernel powers off at once (ACPI
// S5) without busybox init's shutdown and its two one-second sleeps, which
// would land in the exit table as HLT; the run must end with success, and
// the hypervisor's exit table is read from its control channel. The direct
// boot is ended by its abort signal at the marker: it has no control
// channel, so its verdict is no failure.
async function bootOnce(host: "qemu" | "bochs", iso: string, k: { kernel: string; initrd: string }, timeoutMs: number): Promise<BootRun> {
  const under = await timeToReady(launchFor(host, iso, undefined, { memoryMiB: KERNEL_GUEST_MACHINE_MIB }), timeoutMs,
    (input) => input.write("poweroff -f\n"));
  const u = under.result;
  if (under.marks.ready === undefined || u.verdict !== "success") {
    throw new Error(`the Linux boot under tsvisor on ${host} did not ${under.marks.ready === undefined ? "reach its ready marker" : "power off with success"}: ` +
      `${u.verdict}: ${u.reason}\n${lastLines(u.output)}`);
  }
  const table = parseExitTable(u.control);
  if (!table) throw new Error(`the Linux boot under tsvisor on ${host} printed no complete exit table on its control channel`);
  const append = [BOOT_APPEND, addedCmdline(u.control)].filter((w) => w !== "").join(" ");
  const media = directMedia(host, { ...k, append });
  const direct = await timeToReady(launchMedia(host, media, undefined, { memoryMiB: KERNEL_GUEST_RAM_MIB, ignoreBadMsrs: true }), timeoutMs,
    (_input, abort) => abort.abort("the ready marker came"));
  if (direct.marks.ready === undefined) {
    const d = direct.result;
    throw new Error(`the direct Linux boot on ${host} did not reach its ready marker: ${d.verdict}: ${d.reason}\n${lastLines(d.output)}`);
  }
  return {
    tsvisorMs: under.marks.ready, hypervisorMs: under.marks.hypervisor ?? null, guestStartMs: under.marks.guest ?? null,
    directMs: direct.marks.ready, table, mhz: tscMhz(u.control), append,
  };
}

export interface BootSummary {
  tsvisorS: number;
  directS: number;
  ratio: number;
  phasesS: { grub: number; hypervisor: number; guest: number } | null; // the tsvisor boot's, where every run marked them
  run: BootRun;
}

// The medians, and the tsvisor run whose time is nearest its median (whose
// exit table the report shows).
export function summarise(runs: BootRun[]): BootSummary {
  const tsvisorMs = median(runs.map((r) => r.tsvisorMs));
  const directMs = median(runs.map((r) => r.directMs));
  const run = runs.reduce((a, b) => (Math.abs(b.tsvisorMs - tsvisorMs) < Math.abs(a.tsvisorMs - tsvisorMs) ? b : a));
  const marked = runs.every((r) => r.hypervisorMs !== null && r.guestStartMs !== null);
  const phase = (f: (r: BootRun) => number) => median(runs.map(f)) / 1000;
  return {
    tsvisorS: tsvisorMs / 1000, directS: directMs / 1000, ratio: ratio(tsvisorMs, directMs), run,
    phasesS: marked ? {
      grub: phase((r) => r.hypervisorMs!),
      hypervisor: phase((r) => r.guestStartMs! - r.hypervisorMs!),
      guest: phase((r) => r.tsvisorMs - r.guestStartMs!),
    } : null,
  };
}

// What a TSC second is on each host: under TCG the guest's TSC follows the
// host's; Bochs's counts emulated instructions (ips in the bochsrc).
const TSC_TIME: Record<"qemu" | "bochs", string> = { qemu: "the host's clock under TCG", bochs: "emulated time, not wall time" };

// `roundTripTicks`: the exit bench's assembly-only round trip on this host,
// when it ran in the same invocation — the world switch each exit costs
// beyond the core's own ticks.
export function bootReport(host: "qemu" | "bochs", runs: number, version: string, s: BootSummary, roundTripTicks?: number): string[] {
  const t = s.run.table;
  const secs = (x: number) => `${x.toFixed(1)} s`.padStart(8);
  const out = [
    `Linux boot to its ready marker on ${host} (${BACKEND[host]}), median of ${runs} run${runs === 1 ? "" : "s"}`,
    `  Debian ${version}, the same kernel, initrd, ${KERNEL_GUEST_RAM_MIB} MiB of guest RAM and command line both ways: ${s.run.append}`,
    `  ${`direct (${DIRECT[host]})`.padEnd(32)}${secs(s.directS)}`,
    `  ${"under tsvisor".padEnd(32)}${secs(s.tsvisorS)}   ${formatRatio(s.ratio)} (goal: at most ${formatRatio(BOOT_GOAL)})`,
  ];
  const p = s.phasesS;
  if (p) {
    out.push(`  ${"  firmware and GRUB".padEnd(32)}${secs(p.grub)}   (loading tsvisor, the kernel and the initrd from the CD)`,
      `  ${"  the hypervisor's start".padEnd(32)}${secs(p.hypervisor)}   (to the guest's first instruction)`,
      `  ${"  the guest's boot".padEnd(32)}${secs(p.guest)}`);
  }
  out.push(`  exits under tsvisor, to its power-off at the marker: ${t.total} in all, ${t.injected} interrupts injected`);
  const mhz = s.run.mhz;
  if (mhz) {
    const handled = t.rows.reduce((n, r) => n + r.ticks, 0) - t.asleepTicks;
    const tsc = (ticks: number) => `${(ticks / (mhz * 1e6)).toFixed(1)} s`;
    out.push(`    TSC time in the core: ${tsc(handled)} handling them, ${tsc(t.asleepTicks)} asleep in HLT ` +
      `(at ${mhz} MHz; ${TSC_TIME[host]})`);
    if (roundTripTicks) {
      out.push(`    world switches: ${t.total} x ${Math.round(roundTripTicks)} ticks (the asm-only round trip above) = ${tsc(t.total * roundTripTicks)}`);
    }
  }
  out.push("  exits by total time:");
  for (const r of topReasons(t, TOP_REASONS)) out.push(`    ${r}`);
  return out;
}

export async function benchBoot(host: "qemu" | "bochs", runs: number, timeoutSec: number, roundTripTicks?: number): Promise<void> {
  const g = linuxGuest({ log: (l) => process.stderr.write(`tsvisor guest: ${l}\n`) });
  // No disk, unlike `tsvisor run --guest linux`: the direct boot has no
  // tsvisor to serve one, and GRUB loading a disk module would be time the
  // baseline does not spend; so both sides boot the same kernel and initrd alone.
  const { iso } = await build({ kernel: { kernel: g.kernel, initrd: g.initrd, cmdline: BOOT_APPEND }, quiet: true });
  const done: BootRun[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`tsvisor bench: Linux boot ${i + 1} of ${runs} on ${host}: under tsvisor, then directly\n`);
    done.push(await bootOnce(host, iso, g, timeoutSec * 1000));
  }
  console.log("\n" + bootReport(host, runs, g.version, summarise(done), roundTripTicks).join("\n"));
}
