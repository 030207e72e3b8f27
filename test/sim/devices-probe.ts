// The legacy-PC device probe (kernel/probes-devices.ts) on a fresh instance
// of the shipped core.wasm: a script of port accesses, time passing, timer
// runs and INTA cycles on the 8259 pair, 8254, port 0x61 and RTC, wired as
// the VM build wires them. Steps that answer give one bigint each, in order.
import { instantiate } from "./core.js";
import { SimHal } from "./hal.js";
import { skylakeX } from "./cpu-profiles.js";

interface DevicesProbe {
  memory: WebAssembly.Memory;
  probeDevicesScratch(): number;
  probeDevices(tscKhz: number, ramMiB: number, rtcStart: bigint, steps: number, count: number, out: number): number;
}

export type Step = readonly [op: number, a: number, b: number];
export const out = (port: number, value: number): Step => [1, port, value];
export const inp = (port: number): Step => [2, port, 0];
export const advance = (ticks: number | bigint): Step => {
  const t = BigInt(ticks);
  return [3, Number(t & 0xffffffffn), Number(t >> 32n)];
};
export const runTimers: Step = [4, 0, 0];
export const pending: Step = [5, 0, 0];
export const deliver: Step = [6, 0, 0];
export const inta: Step = [7, 0, 0];
export const irq = (line: number, high: boolean): Step => [8, line, high ? 1 : 0];
export const deadline: Step = [9, 0, 0];
export const now: Step = [10, 0, 0];
export const NONE = 0xffffffffffffffffn; // pending() -1, or no deadline

export interface DeviceOptions {
  tscKhz?: number;     // default: exactly 2 GHz, the simulated TSC's rate
  ramMiB?: number;     // default 16
  rtcStart?: bigint;   // Unix seconds, default 2000-01-01 00:00:00
}

const RESULTS = 4096; // the steps first (at most 341 of 12 bytes), then the results

export function runDevices(steps: readonly Step[], opts: DeviceOptions = {}): bigint[] {
  if (steps.length > 341) throw new Error("the probe takes at most 341 steps");
  const c = instantiate(new SimHal(skylakeX)) as unknown as DevicesProbe;
  const view = new DataView(c.memory.buffer);
  const scratch = c.probeDevicesScratch();
  steps.forEach(([op, a, b], i) => {
    view.setUint32(scratch + i * 12, op, true);
    view.setUint32(scratch + i * 12 + 4, a >>> 0, true);
    view.setUint32(scratch + i * 12 + 8, b >>> 0, true);
  });
  const n = c.probeDevices(opts.tscKhz ?? 2_000_000, opts.ramMiB ?? 16, opts.rtcStart ?? 946684800n, scratch, steps.length, scratch + RESULTS);
  const after = new DataView(c.memory.buffer);
  return Array.from({ length: n }, (_, i) => after.getBigUint64(scratch + RESULTS + i * 8, true));
}

// Just the bytes the IN steps read, as numbers (for scripts with no other answers).
export const bytes = (r: bigint[]) => r.map(Number);
