// A JavaScript implementation of the core's HAL imports (kernel/hal/imports.ts):
// a simulated CPU (CPUID table, MSRs), ports with a COM1 that records what the
// core prints, the two debug-exit devices, and physical memory regions.
import type { CpuProfile } from "./cpu-profiles.js";

// The core halted the processor (kernel/platform/power.ts haltForever).
export class HaltSignal extends Error {
  constructor() {
    super("the core halted the processor");
  }
}

// What real hardware does on RDMSR of an MSR the CPU lacks: #GP.
export class GeneralProtectionFault extends Error {
  constructor(public readonly msr: number, op: string) {
    super(`#GP: the core ${op} MSR 0x${msr.toString(16)}, which this simulated CPU lacks`);
  }
}

const COM1 = 0x3f8;
const COM1_LSR = COM1 + 5;
const LSR_THRE_TEMT = 0x60;
const DEBUG_EXIT_PORT = 0xf4;
const BOCHS_SHUTDOWN_PORT = 0x8900;

export class SimHal {
  serial = "";
  debugExit: number | null = null;
  bochsShutdown = "";
  readonly msrReads: number[] = [];
  readonly msrs: Map<number, bigint>;
  private readonly phys: { base: bigint; bytes: Uint8Array }[] = [];
  memory: WebAssembly.Memory | null = null;
  crs = new Map<number, bigint>([[0, 0x80010011n], [3, 0x10a000n], [4, 0x20n]]);
  tsc = 0n;

  constructor(readonly cpu: CpuProfile) {
    this.msrs = new Map(Object.entries(cpu.msrs).map(([k, v]) => [Number(k), v]));
  }

  // Place bytes at a physical address (e.g. the Multiboot2 block).
  mapPhysical(base: bigint, bytes: Uint8Array): void {
    this.phys.push({ base, bytes });
  }

  private linear(): Uint8Array {
    if (!this.memory) throw new Error("HAL used before the core was instantiated");
    return new Uint8Array(this.memory.buffer);
  }

  private physRegion(addr: bigint, len: number) {
    const r = this.phys.find((p) => addr >= p.base && addr + BigInt(len) <= p.base + BigInt(p.bytes.length));
    if (!r) throw new Error(`physical access 0x${addr.toString(16)}+${len} outside simulated memory`);
    return { bytes: r.bytes, off: Number(addr - r.base) };
  }

  private out(port: number, value: number): void {
    if (port === COM1) this.serial += String.fromCharCode(value & 0xff);
    else if (port === DEBUG_EXIT_PORT) this.debugExit = value;
    else if (port === BOCHS_SHUTDOWN_PORT) this.bochsShutdown += String.fromCharCode(value & 0xff);
  }

  private cpuid(leaf: number, subleaf: number): readonly number[] {
    const t = this.cpu.cpuid;
    return t[`${hex(leaf)}:${subleaf}`] ?? t[hex(leaf)] ?? [0, 0, 0, 0];
  }

  imports(): WebAssembly.Imports {
    const ret = (v: number) => v >>> 0;
    return {
      hal: {
        inb: (port: number) => (port === COM1_LSR ? LSR_THRE_TEMT : 0xff),
        inw: () => 0xffff,
        inl: () => ret(0xffffffff),
        outb: (port: number, v: number) => this.out(port, v),
        outw: (port: number, v: number) => this.out(port, v),
        outl: (port: number, v: number) => this.out(port, v),
        rdmsr: (msr: number) => {
          msr >>>= 0;
          this.msrReads.push(msr);
          const v = this.msrs.get(msr);
          if (v === undefined) throw new GeneralProtectionFault(msr, "read");
          return v;
        },
        wrmsr: (msr: number, v: bigint) => {
          msr >>>= 0;
          if (!this.msrs.has(msr)) throw new GeneralProtectionFault(msr, "wrote");
          this.msrs.set(msr, BigInt.asUintN(64, v));
        },
        cpuid: (leaf: number, subleaf: number, out: number) => {
          const r = this.cpuid(leaf >>> 0, subleaf >>> 0);
          const view = new DataView(this.linear().buffer);
          r.forEach((v, i) => view.setUint32(out + i * 4, v >>> 0, true));
        },
        readCr: (n: number) => this.crs.get(n) ?? 0n,
        writeCr: (n: number, v: bigint) => void this.crs.set(n, BigInt.asUintN(64, v)),
        rdtsc: () => (this.tsc += 1000n),
        physRead: (dst: number, phys: bigint, len: number) => {
          const { bytes, off } = this.physRegion(BigInt.asUintN(64, phys), len);
          this.linear().set(bytes.subarray(off, off + len), dst);
        },
        physWrite: (phys: bigint, src: number, len: number) => {
          const { bytes, off } = this.physRegion(BigInt.asUintN(64, phys), len);
          bytes.set(this.linear().subarray(src, src + len), off);
        },
        halt: () => {
          throw new HaltSignal();
        },
      },
    };
  }
}

export function hex(n: number): string {
  return "0x" + (n >>> 0).toString(16);
}
