// Load the very same core.wasm the ISO is built from, and boot it against a
// simulated HAL.
import fs from "node:fs";
import path from "node:path";
import { HaltSignal, SimHal } from "./hal.js";
import type { CpuProfile } from "./cpu-profiles.js";
import { MB2_MAGIC } from "./multiboot2.js";

export const CORE_WASM = path.resolve(__dirname, "../../build/core.wasm");
let compiled: WebAssembly.Module | null = null;

export function coreModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(fs.readFileSync(CORE_WASM));
  return compiled;
}

export interface CoreExports {
  memory: WebAssembly.Memory;
  boot(magic: number, infoPhys: bigint, linearBase: bigint, linearBytes: bigint): void;
}

export function instantiate(hal: SimHal): CoreExports {
  const instance = new WebAssembly.Instance(coreModule(), hal.imports());
  const exports = instance.exports as unknown as CoreExports;
  hal.memory = exports.memory;
  return exports;
}

// Where the native build puts linear memory (linker/tsvisor.ld), and its size.
export const LINEAR_BASE = 0x200000n;
export const LINEAR_BYTES = 32n << 20n;
export const INFO_PHYS = 0x10000n;

export interface BootResult {
  hal: SimHal;
  serial: string;
  lines: string[];        // hypervisor lines, without the "tsvisor: " prefix
  guestLines: string[];   // the rest of COM1: what the guest wrote, line by line (empty lines dropped)
  control: string;        // COM2, the control channel: the hypervisor's lines only
  halted: boolean;
  error: unknown;         // a wasm trap or a simulated #GP, if the boot ended in one
  poweredOff: "success" | "failure" | null;
}

export interface BootOptions {
  info: Uint8Array;
  setup?: (hal: SimHal) => void; // e.g. more physical memory, scripted VM exits
  magic?: number;
  infoPhys?: bigint;
  linearBase?: bigint;
  linearBytes?: bigint;
}

export function bootCore(cpu: CpuProfile, opts: BootOptions): BootResult {
  const hal = new SimHal(cpu);
  const infoPhys = opts.infoPhys ?? INFO_PHYS;
  hal.mapPhysical(infoPhys, opts.info);
  opts.setup?.(hal);
  const core = instantiate(hal);
  let halted = false;
  let error: unknown = null;
  try {
    core.boot(opts.magic ?? MB2_MAGIC, infoPhys, opts.linearBase ?? LINEAR_BASE, opts.linearBytes ?? LINEAR_BYTES);
  } catch (e) {
    if (e instanceof HaltSignal) halted = true;
    else error = e;
  }
  const serial = hal.serial.replace(/\r\n/g, "\n");
  const lines = serial.split("\n").filter((l) => l.startsWith("tsvisor: ")).map((l) => l.slice("tsvisor: ".length));
  let poweredOff: BootResult["poweredOff"] = null;
  if (hal.debugExit === 0x10 && hal.bochsShutdown === "Shutdown") poweredOff = "success";
  if (hal.debugExit === 0x11 && hal.bochsShutdown === "Shutdown") poweredOff = "failure";
  const guestLines = serial.split("\n").filter((l) => l !== "" && !l.startsWith("tsvisor: "));
  return { hal, serial, lines, guestLines, control: hal.control.replace(/\r\n/g, "\n"), halted, error, poweredOff };
}
