// The core's test probes (kernel/probes.ts), called on a fresh instance of
// the shipped core.wasm, with the arguments laid out in its linear memory.
import { instantiate } from "./core.js";
import { SimHal } from "./hal.js";
import { skylakeX } from "./cpu-profiles.js";

interface ProbeExports {
  memory: WebAssembly.Memory;
  probeScratch(): number;
  probePortBusRegister(ranges: number, count: number): bigint;
  probePortBusAccess(ranges: number, count: number, port: number, size: number, value: number, out: number): number;
  probeProgressWatch(runs: number, count: number): number;
}

// A fresh instance: the probes never boot the core, so the HAL only has to exist.
function core(): { c: ProbeExports; view: DataView; scratch: number } {
  const c = instantiate(new SimHal(skylakeX)) as unknown as ProbeExports;
  return { c, view: new DataView(c.memory.buffer), scratch: c.probeScratch() };
}

export type PortRange = readonly [base: number, len: number];
const OUT = 512; // results after the ranges (at most 64 ranges of 8 bytes)

function putRanges(view: DataView, at: number, ranges: readonly PortRange[]): void {
  if (ranges.length > 64) throw new Error("the probe takes at most 64 ranges");
  ranges.forEach(([base, len], i) => {
    view.setUint32(at + i * 8, base >>> 0, true);
    view.setUint32(at + i * 8 + 4, len >>> 0, true);
  });
}

// Register the ranges in order on one fresh PortBus: whether each was accepted.
export function portBusRegister(ranges: readonly PortRange[]): boolean[] {
  const { c, view, scratch } = core();
  putRanges(view, scratch, ranges);
  const mask = c.probePortBusRegister(scratch, ranges.length);
  return ranges.map((_, i) => ((mask >> BigInt(i)) & 1n) === 1n);
}

export interface PortAccess {
  read: { device: number; size: number; offset: number } | { unclaimed: number };
  write: { device: number; offset: number; size: number; value: number } | null;
  unclaimedReads: number;
  unclaimedWrites: number;
}

// Register the ranges (range i to device i), then read `size` bytes at
// `port` and write `value` there: which device saw each access, at which offset.
export function portBusAccess(ranges: readonly PortRange[], port: number, size: number, value: number): PortAccess {
  const { c, view, scratch } = core();
  putRanges(view, scratch, ranges);
  const out = scratch + OUT;
  const r = c.probePortBusAccess(scratch, ranges.length, port, size, value, out) >>> 0;
  // The bus's tables may have grown the core's memory: a fresh view of it.
  const after = new DataView(c.memory.buffer);
  const u = (i: number) => after.getUint32(out + i * 4, true);
  const device = r >>> 24;
  return {
    // The probe's devices answer (index + 1) << 24 | size << 16 | offset; all-ones-ish is the bus's.
    read: device !== 0 && device <= 64 ? { device: device - 1, size: (r >>> 16) & 0xff, offset: r & 0xffff } : { unclaimed: r },
    write: u(0) === 0xffffffff ? null : { device: u(0), offset: u(1), size: u(2), value: u(3) },
    unclaimedReads: u(4),
    unclaimedWrites: u(5),
  };
}

// One run of exits for the no-progress detector (kernel/vm/progress.ts):
// `times` exits of exit kind `kind` (kernel/vm/exit.ts ExitKind) at `rip`,
// each having moved the guest on or not.
export interface ExitRun { kind: number; moved: boolean; rip: bigint; times: number }

// Feed the runs to a fresh detector: the 1-based number of the exit at
// which it stops the VM, or 0 if it never does.
export function progressWatch(runs: readonly ExitRun[]): number {
  const { c, view, scratch } = core();
  if (runs.length > 42) throw new Error("the probe takes at most 42 runs");
  runs.forEach((r, i) => {
    const at = scratch + i * 24;
    view.setUint32(at, r.kind, true);
    view.setUint32(at + 4, r.moved ? 1 : 0, true);
    view.setBigUint64(at + 8, r.rip, true);
    view.setUint32(at + 16, r.times, true);
  });
  return c.probeProgressWatch(scratch, runs.length) >>> 0;
}
