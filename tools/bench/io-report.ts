// The virtio I/O part's figures: the guest's throughput and ping times
// (io-guest.ts) both ways as ratios, and what the hypervisor counted
// (drivers/virtio/virtio-core.ts, virtio-blk.ts and the exit table,
// kernel/vm/stats.ts) for the dd passes alone: the measured run's end-of-run
// counts less a baseline run's, which boots and types the same but moves
// no block (count=0), since the hypervisor prints totals only when the VM
// stops.
import { median, formatRatio } from "./figures.js";
import { ExitTable } from "./exit-table.js";
import { GuestIo, Pass, PING_COUNT, PING_INTERVAL_S, HOST_IP } from "./io-guest.js";

export const IO_GOAL = 0.8; // each figure at least this share of the direct run's

export interface VirtioCounts { requests: number; interrupts: number; suppressed: number; resets: number }
export interface BlkCounts { reads: number; bytesRead: number; writes: number; bytesWritten: number; flushes: number; refused: number }

const clean = (text: string) => text.replace(/\r/g, "");

// "tsvisor: virtio-blk: 65 requests, 65 interrupts (0 suppressed by the driver), 2 resets"
// (and "; 3x <ring error>" after, where the driver broke a ring); the last such line.
export function parseVirtioCounts(text: string, device: string): VirtioCounts | null {
  const re = new RegExp(`^tsvisor: ${device}: (\\d+) requests, (\\d+) interrupts \\((\\d+) suppressed by the driver\\), (\\d+) resets`, "gm");
  const all = [...clean(text).matchAll(re)];
  if (all.length === 0) return null;
  const [, requests, interrupts, suppressed, resets] = all[all.length - 1].map(Number);
  return { requests, interrupts, suppressed, resets };
}

// "tsvisor: virtio-blk: 32 MiB, 33 reads (33558528 bytes), 32 writes (33554432 bytes), 0 flushes, 0 refused"
export function parseBlkCounts(text: string): BlkCounts | null {
  const all = [...clean(text).matchAll(
    /^tsvisor: virtio-blk: [^,]+, (\d+) reads \((\d+) bytes\), (\d+) writes \((\d+) bytes\), (\d+) flushes, (\d+) refused$/gm)];
  if (all.length === 0) return null;
  const [, reads, bytesRead, writes, bytesWritten, flushes, refused] = all[all.length - 1].map(Number);
  return { reads, bytesRead, writes, bytesWritten, flushes, refused };
}

// The interrupts the hypervisor injected, by source, summed over vectors,
// from the exit table's "interrupts injected by vector:" rows
// ("tsvisor:   0x25    MSI-X            65", "tsvisor:   0xec    timer          1887").
export function parseInjected(text: string): Map<string, number> {
  const lines = clean(text).split("\n");
  const at = lines.lastIndexOf("tsvisor: interrupts injected by vector:");
  const by = new Map<string, number>();
  if (at < 0) return by;
  for (const l of lines.slice(at + 2)) {
    const m = /^tsvisor: {3}0x[0-9a-f]{2}\s+(\S.*?)\s+(\d+)$/.exec(l);
    if (!m) break;
    by.set(m[1], (by.get(m[1]) ?? 0) + Number(m[2]));
  }
  return by;
}

export interface HvCounts { blk: VirtioCounts; blkIo: BlkCounts; exits: ExitTable; injected: Map<string, number> }

// What the passes alone cost: `run` less `base`, field by field; exit
// reasons by name (a reason absent from one table counts 0 there).
export interface Count { name: string; count: number }
export interface HvDelta { blk: VirtioCounts; blkIo: BlkCounts; exits: number; injected: number; byReason: { reason: string; count: number }[]; bySource: Count[] }

export function hvDelta(run: HvCounts, base: HvCounts): HvDelta {
  const sub = <T extends object>(a: T, b: T) =>
    Object.fromEntries(Object.keys(a).map((k) => [k, (a as Record<string, number>)[k] - (b as Record<string, number>)[k]])) as T;
  const reasons = [...new Set([...run.exits.rows, ...base.exits.rows].map((r) => r.reason))];
  const count = (t: ExitTable, reason: string) => t.rows.find((r) => r.reason === reason)?.count ?? 0;
  return {
    blk: sub(run.blk, base.blk), blkIo: sub(run.blkIo, base.blkIo),
    exits: run.exits.total - base.exits.total, injected: run.exits.injected - base.exits.injected,
    byReason: reasons.map((reason) => ({ reason, count: count(run.exits, reason) - count(base.exits, reason) }))
      .sort((a, b) => b.count - a.count),
    bySource: [...new Set([...run.injected.keys(), ...base.injected.keys()])]
      .map((name) => ({ name, count: (run.injected.get(name) ?? 0) - (base.injected.get(name) ?? 0) }))
      .filter((c) => c.count !== 0).sort((a, b) => b.count - a.count),
  };
}

// MB/s (10^6 bytes a second) of one pass: bytes over microseconds.
export const passMBps = (p: Pass) => (p.blocks * 1024 * 1024) / p.us;

export interface IoSide { mbpsRead: number[]; mbpsWrite: number[]; io: GuestIo }
export const ioSide = (io: GuestIo): IoSide => ({ mbpsRead: io.reads.map(passMBps), mbpsWrite: io.writes.map(passMBps), io });

// The guest's own view of the passes: block requests it completed and the
// interrupts of the disk's queue, from /sys/block/vda/stat and /proc/interrupts.
export function guestRequests(io: GuestIo): { reads: number; writes: number; irqs: number | null; timer: number | null } {
  const diff = (k: "irqs" | "timer") => (io.after[k] !== null && io.before[k] !== null ? io.after[k]! - io.before[k]! : null);
  return { reads: io.after.reads - io.before.reads, writes: io.after.writes - io.before.writes, irqs: diff("irqs"), timer: diff("timer") };
}

const per = (n: number, d: number) => (d > 0 ? (n / d).toFixed(2) : "-");
const mbps = (xs: number[]) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`;
const orDash = (n: number | null) => (n === null ? "-" : String(n));
const goal = (r: number) => `${formatRatio(r)} (goal: at least ${formatRatio(IO_GOAL)})`;

// `runS`: the wall time of the baseline and the measured run under tsvisor.
export interface IoFacts { version: string; ramMiB: number; append: string; disk: string; runS: { base: number; run: number } }

// The report: a row per figure, direct then tsvisor then the ratio, then
// the requests both ways, then the hypervisor's counts for the passes.
export function ioReport(f: IoFacts, direct: IoSide, tsvisor: IoSide, d: HvDelta): string[] {
  const row = (what: string, a: string, b: string, r: string) => `  ${what.padEnd(26)}${a.padStart(18)}${b.padStart(18)}   ${r}`;
  const pd = direct.io.ping;
  const pt = tsvisor.io.ping;
  const gd = guestRequests(direct.io);
  const gt = guestRequests(tsvisor.io);
  const ms = (x: number) => `${x.toFixed(3)} ms`;
  const mib = direct.io.reads[0]?.blocks ?? 0;
  const out = [
    `virtio I/O on qemu (SVM on TCG): the guest's own virtio-blk and virtio-net drivers, under tsvisor and directly on QEMU's devices`,
    `  Debian ${f.version}, the same kernel, initrd, ${f.ramMiB} MiB of guest RAM and command line both ways: ${f.append}`,
    `  direct: ${f.disk}`,
    `  dd bs=1M count=${mib} (the whole ${mib} MiB disk) with O_DIRECT, timed in the guest (adjtimex, µs); ` +
      `MB/s: median of ${direct.io.reads.length} passes (min-max)`,
    row("", "direct", "under tsvisor", "ratio"),
    row("read (MB/s)", mbps(direct.mbpsRead), mbps(tsvisor.mbpsRead), goal(median(tsvisor.mbpsRead) / median(direct.mbpsRead))),
    row("write (MB/s)", mbps(direct.mbpsWrite), mbps(tsvisor.mbpsWrite), goal(median(tsvisor.mbpsWrite) / median(direct.mbpsWrite))),
    row(`ping ${HOST_IP} avg RTT`, ms(pd.avgMs), ms(pt.avgMs), `${goal(pd.avgMs / pt.avgMs)}; direct RTT / tsvisor RTT`),
    row("  min / max", `${pd.minMs.toFixed(3)} / ${pd.maxMs.toFixed(3)}`, `${pt.minMs.toFixed(3)} / ${pt.maxMs.toFixed(3)}`,
      `ping -c ${PING_COUNT} -i ${PING_INTERVAL_S}: ${pd.received} and ${pt.received} of ${PING_COUNT} replies`),
    row("empty pass (ms)", (median(direct.io.empties.map((p) => p.us)) / 1000).toFixed(1),
      (median(tsvisor.io.empties.map((p) => p.us)) / 1000).toFixed(1), "dd count=0 between the two adjtimex: a pass's fixed cost, inside the MB/s"),
    row("guest's block requests", `${gd.reads} + ${gd.writes}`, `${gt.reads} + ${gt.writes}`,
      "reads + writes the guest completed in the passes (/sys/block/vda/stat)"),
    row("guest's disk interrupts", orDash(gd.irqs), orDash(gt.irqs), "the request queue's (/proc/interrupts)"),
    row("guest's timer interrupts", orDash(gd.timer), orDash(gt.timer), "its local APIC timer's in the passes (LOC)"),
  ];
  const n = d.blk.requests;
  out.push(`  under tsvisor, the passes alone (the run less a baseline run typing the same with count=0): ` +
      `${n} virtio-blk requests (${d.blkIo.reads} reads of ${d.blkIo.bytesRead} bytes, ${d.blkIo.writes} writes of ${d.blkIo.bytesWritten} bytes)`,
    `    interrupts: ${d.blk.interrupts} sent, ${d.blk.suppressed} suppressed by the driver: ${per(d.blk.interrupts, n)} and ${per(d.blk.suppressed, n)} per request; ` +
      `${d.injected} injected in all (${per(d.injected, n)} per request${d.bySource.map((c) => `; ${c.name} ${c.count}`).join("")})`,
    `    exits: ${d.exits} in all, ${per(d.exits, n)} per request; by reason (nested page faults are the guest's MMIO: ` +
      "its virtio notifications, and its local APIC's EOIs, xAPIC here):");
  for (const r of d.byReason.filter((x) => x.count !== 0)) out.push(`      ${r.reason.padEnd(20)}${String(r.count).padStart(8)}   ${per(r.count, n)} per request`);
  // How far the two boots' own counts differ: the timer interrupts the
  // hypervisor injected beyond the baseline's, against those the guest
  // counted in the passes. Exits that come with time (timer, external
  // interrupt, WRMSR of the TSC deadline, HLT) differ by as much.
  const timer = d.bySource.find((c) => c.name === "timer")?.count ?? 0;
  out.push(`    the two boots' own difference: ${timer} timer interrupts injected beyond the baseline's, ` +
    `${orDash(gt.timer)} counted by the guest in the passes; the runs took ${f.runS.run.toFixed(1)} s and ${f.runS.base.toFixed(1)} s (baseline)`);
  return out;
}
