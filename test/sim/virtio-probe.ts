// The virtio probe (kernel/probes-virtio.ts) on the shipped core.wasm: a
// virtio-blk behind a VirtioCore over simulated guest RAM and a disk image,
// both in the simulated physical memory, driven by a script of common
// configuration accesses and doorbells. Every host-physical access the core
// makes (physRead, physWrite, physCopy, physClear: the only way wasm code
// reaches simulated memory) is logged, so that a test can say exactly what
// the device read and wrote.
//
// One wasm instance serves many devices in turn: the core's runtime never
// frees (tools/builder/config.ts, --runtime stub), so each device made
// costs a few KiB of linear memory, and after OPENS_PER_INSTANCE devices a
// fresh instance takes over. Guest RAM and the disk stay the same buffers.
import fs from "node:fs";
import path from "node:path";
import { SimHal } from "./hal.js";
import { skylakeX } from "./cpu-profiles.js";
import { ROOT } from "../../tools/builder/config.js";

interface VirtioExports {
  memory: WebAssembly.Memory;
  probeVirtioScratch(): number;
  probeVirtioOpen(ramHost: bigint, ramBytes: bigint, diskHost: bigint, diskBytes: bigint, readOnly: number): number;
  probeVirtioRun(steps: number, count: number, out: number): number;
  probeVirtioReportWords(): number;
}

// Where the simulated host keeps the guest's RAM and the disk image.
export const RAM_HOST = 0x40000000n;
export const DISK_HOST = 0x80000000n;
const OPENS_PER_INSTANCE = 1000;
const MAX_STEPS = 512;        // 16 bytes each, then the results
const RESULTS = MAX_STEPS * 16;

// RingError (drivers/virtio/ring-error.ts) by value, read from its source
// so that the names here are the core's own.
export const RING_ERRORS: readonly string[] = (() => {
  const src = fs.readFileSync(path.join(ROOT, "drivers/virtio/ring-error.ts"), "utf8");
  const body = /export enum RingError \{([^}]*)\}/.exec(src);
  if (!body) throw new Error("drivers/virtio/ring-error.ts: no `export enum RingError { ... }`");
  return body[1].split("\n").map((l) => l.replace(/\/\/.*$/, "").trim().replace(/,$/, "")).filter((n) => n !== "" && n !== "Count");
})();
export type RingErrorName = string;
export const ringError = (name: RingErrorName): number => {
  const i = RING_ERRORS.indexOf(name);
  if (i < 0) throw new Error(`no RingError.${name}`);
  return i;
};

export type Step = readonly [op: number, a: number, value: bigint];
const at = (offset: number, size: number) => offset | (size << 16);
export const writeReg = (offset: number, size: number, value: number | bigint): Step => [1, at(offset, size), BigInt(value)];
export const readReg = (offset: number, size: number): Step => [2, at(offset, size), 0n];
export const notify = (queue = 0): Step => [3, queue, 0n];
export const readConfig = (offset: number, size: number): Step => [4, at(offset, size), 0n];
export const report: Step = [5, 0, 0n];

// What OP_REPORT gives, by name (kernel/probes-virtio.ts report()).
export interface DeviceReport {
  status: number;
  generation: number;
  resets: number;
  queueInterrupts: number;
  configInterrupts: number;
  usedIdx: number;
  lastAvail: number;
  enabled: boolean;
  error: RingErrorName;     // the queue's first error
  errorAt: bigint;
  requests: number;
  interrupts: number;
  suppressed: number;
  reads: number;
  writes: number;
  flushes: number;
  bytesRead: number;
  bytesWritten: number;
  refused: number;
  errors: Record<RingErrorName, number>; // counted, over the device's life (None left out)
}

const REPORT_FIXED = 19;

function decodeReport(w: bigint[]): DeviceReport {
  const n = (i: number) => Number(w[i]);
  const errors: Record<string, number> = {};
  RING_ERRORS.forEach((name, i) => {
    if (i !== 0 && w[REPORT_FIXED + i] !== 0n) errors[name] = Number(w[REPORT_FIXED + i]);
  });
  return {
    status: n(0), generation: n(1), resets: n(2), queueInterrupts: n(3), configInterrupts: n(4),
    usedIdx: n(5), lastAvail: n(6), enabled: w[7] !== 0n, error: RING_ERRORS[n(8)], errorAt: w[9],
    requests: n(10), interrupts: n(11), suppressed: n(12),
    reads: n(13), writes: n(14), flushes: n(15), bytesRead: n(16), bytesWritten: n(17), refused: n(18),
    errors,
  };
}

// One host-physical access by the core (`phys` as a Number: exact below
// 2^53, far above any simulated memory).
export interface PhysAccess { write: boolean; phys: number; len: number }

export class VirtioProbe {
  readonly ram: Uint8Array;
  readonly disk: Uint8Array;
  readonly accesses: PhysAccess[] = [];
  private core!: VirtioExports;
  private hal!: SimHal;
  private opens = OPENS_PER_INSTANCE;

  // `ramBytes` of guest RAM (a 2 MiB multiple, kernel/vm/guest-memory.ts)
  // and a disk of `diskBytes` (whole sectors).
  constructor(private readonly module: WebAssembly.Module, ramBytes: number, diskBytes: number) {
    this.ram = new Uint8Array(ramBytes);
    this.disk = new Uint8Array(diskBytes);
  }

  private instantiate(): void {
    const hal = new SimHal(skylakeX);
    hal.mapPhysical(RAM_HOST, this.ram);
    hal.mapPhysical(DISK_HOST, this.disk);
    const imports = hal.imports();
    const h = imports.hal as Record<string, (...a: never[]) => unknown>;
    const log = this.accesses;
    const wrap = <A extends unknown[]>(name: string, record: (...a: A) => void) => {
      const real = h[name] as unknown as (...a: A) => unknown;
      (h as Record<string, unknown>)[name] = (...a: A) => {
        record(...a);
        return real(...a);
      };
    };
    const u64 = (v: bigint) => Number(BigInt.asUintN(64, v));
    wrap("physRead", (_dst: number, phys: bigint, len: number) => void log.push({ write: false, phys: u64(phys), len: len >>> 0 }));
    wrap("physWrite", (phys: bigint, _src: number, len: number) => void log.push({ write: true, phys: u64(phys), len: len >>> 0 }));
    wrap("physClear", (phys: bigint, len: bigint) => void log.push({ write: true, phys: u64(phys), len: Number(len) }));
    wrap("physCopy", (dst: bigint, src: bigint, len: bigint) => {
      log.push({ write: false, phys: u64(src), len: Number(len) });
      log.push({ write: true, phys: u64(dst), len: Number(len) });
    });
    const instance = new WebAssembly.Instance(this.module, imports);
    this.core = instance.exports as unknown as VirtioExports;
    hal.memory = this.core.memory;
    this.hal = hal;
    const words = this.core.probeVirtioReportWords();
    if (words !== REPORT_FIXED + RING_ERRORS.length) {
      throw new Error(`the probe reports ${words} values; test/sim/virtio-probe.ts reads ${REPORT_FIXED + RING_ERRORS.length}`);
    }
    this.opens = 0;
  }

  // A fresh device over the same RAM and disk (their contents as they are).
  open(readOnly = false): void {
    if (this.opens >= OPENS_PER_INSTANCE) this.instantiate();
    this.opens++;
    const kinds = this.core.probeVirtioOpen(RAM_HOST, BigInt(this.ram.length), DISK_HOST, BigInt(this.disk.length), readOnly ? 1 : 0);
    if (kinds !== RING_ERRORS.length) throw new Error(`RingError.Count is ${kinds}; ring-error.ts lists ${RING_ERRORS.length}`);
  }

  // What the core printed since the instance began (its ring error lines).
  serial(): string {
    return this.hal.serial;
  }

  // Run the steps; the values those that answer give, in order (a report
  // counts as one value, decoded).
  run(steps: readonly Step[]): (bigint | DeviceReport)[] {
    if (steps.length > MAX_STEPS) throw new Error(`the probe takes at most ${MAX_STEPS} steps at a time`);
    const scratch = this.core.probeVirtioScratch();
    let view = new DataView(this.core.memory.buffer);
    steps.forEach(([op, a, value], i) => {
      view.setUint32(scratch + i * 16, op, true);
      view.setUint32(scratch + i * 16 + 4, a >>> 0, true);
      view.setBigUint64(scratch + i * 16 + 8, BigInt.asUintN(64, value), true);
    });
    const n = this.core.probeVirtioRun(scratch, steps.length, scratch + RESULTS);
    // The device's objects may have grown the core's memory: a fresh view.
    view = new DataView(this.core.memory.buffer);
    const words = Array.from({ length: n }, (_, i) => view.getBigUint64(scratch + RESULTS + i * 8, true));
    const out: (bigint | DeviceReport)[] = [];
    let w = 0;
    for (const [op] of steps) {
      if (op === 2 || op === 4) out.push(words[w++]);
      else if (op === 5) {
        out.push(decodeReport(words.slice(w, w + REPORT_FIXED + RING_ERRORS.length)));
        w += REPORT_FIXED + RING_ERRORS.length;
      }
    }
    return out;
  }
}
