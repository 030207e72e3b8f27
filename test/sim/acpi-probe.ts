// The ACPI probes (kernel/probes-acpi.ts) on a fresh instance of the
// shipped core.wasm: the tables as built into simulated guest RAM, and a
// script of accesses on the PM registers with the SCI's level and the
// VM's stop.
import { instantiate } from "./core.js";
import { SimHal } from "./hal.js";
import { skylakeX } from "./cpu-profiles.js";

interface AcpiProbe {
  memory: WebAssembly.Memory;
  probeScratch(): number;
  probeAcpiTables(hostBase: bigint, ramMiB: number, base: bigint, bytes: number, cpus: number): bigint;
  probeAcpiPm(tscKhz: number, steps: number, count: number, out: number): number;
}

const HOST_BASE = 0x4000000n; // where the simulated host keeps the guest's RAM
const RAM_MIB = 2;

export interface BuiltTables {
  rsdp: bigint;           // what buildAcpiTables returned
  ram: Uint8Array;        // the guest's RAM after the build (guest-physical offsets, below 2 MiB)
}

// Build the tables for `cpus` at guest-physical [base, base + bytes).
export function buildTables(cpus = 1, base = 0x9f000n, bytes = 0x1000): BuiltTables {
  const hal = new SimHal(skylakeX);
  const ram = new Uint8Array(RAM_MIB << 20);
  hal.mapPhysical(HOST_BASE, ram);
  const c = instantiate(hal) as unknown as AcpiProbe;
  const rsdp = c.probeAcpiTables(HOST_BASE, RAM_MIB, base, bytes, cpus);
  return { rsdp: BigInt.asUintN(64, rsdp), ram };
}

export type PmStep = readonly [op: number, a: number, b: number, c: number];
export const pmRead = (offset: number, size: number): PmStep => [1, offset, size, 0];
export const pmWrite = (offset: number, size: number, value: number): PmStep => [2, offset, size, value];
export const pmAdvance = (ticks: number | bigint): PmStep => {
  const t = BigInt(ticks);
  return [3, Number(t & 0xffffffffn), Number(t >> 32n), 0];
};
export const pmPress: PmStep = [4, 0, 0, 0];
export const pmSci: PmStep = [5, 0, 0, 0];
export const pmStop: PmStep = [6, 0, 0, 0];
export const pmNow: PmStep = [7, 0, 0, 0];

// The probe's scratch is probeScratch()'s 1 KiB: steps first (at most 48
// of 16 bytes), results after.
const RESULTS = 768;

export function runPm(steps: readonly PmStep[], tscKhz = 2_000_000): bigint[] {
  if (steps.length > 48) throw new Error("the probe takes at most 48 steps");
  const c = instantiate(new SimHal(skylakeX)) as unknown as AcpiProbe;
  const view = new DataView(c.memory.buffer);
  const scratch = c.probeScratch();
  steps.forEach((s, i) => s.forEach((v, j) => view.setUint32(scratch + i * 16 + j * 4, v >>> 0, true)));
  const n = c.probeAcpiPm(tscKhz, scratch, steps.length, scratch + RESULTS);
  const after = new DataView(c.memory.buffer);
  return Array.from({ length: n }, (_, i) => after.getBigUint64(scratch + RESULTS + i * 8, true));
}
