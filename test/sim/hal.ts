// A JavaScript implementation of the core's HAL imports (kernel/hal/imports.ts):
// a simulated CPU (CPUID table, MSRs), ports with a COM1 that records what the
// core prints and receives what a test types, the two debug-exit devices, and
// physical memory regions.
import type { CpuProfile } from "./cpu-profiles.js";
import { SimHostLapic } from "./host-lapic.js";
import { layout, extendTable } from "../../tools/builder/layout.js";

// The core halted the processor (kernel/platform/power.ts haltForever).
export class HaltSignal extends Error {
  constructor() {
    super("the core halted the processor");
  }
}

// The core made more HAL calls than the test allowed (SimHal.callLimit):
// it would spin forever on a real machine, without entering the guest.
export class HangSignal extends Error {
  constructor(limit: number) {
    super(`the core made ${limit} HAL calls without ending: it hangs`);
  }
}

// What real hardware does on RDMSR of an MSR the CPU lacks: #GP.
export class GeneralProtectionFault extends Error {
  constructor(public readonly msr: number, op: string) {
    super(`#GP: the core ${op} MSR 0x${msr.toString(16)}, which this simulated CPU lacks`);
  }
}

const COM1 = 0x3f8;
const COM2 = 0x2f8; // the hypervisor's control channel (drivers/host/com1.ts)
const COM1_LSR = COM1 + 5;
const LSR_THRE_TEMT = 0x60;
const LSR_DR = 0x01;
const DEBUG_EXIT_PORT = 0xf4;
const PORT_B = 0x61;
const PIT_CH2 = 0x42;
const PIT_MODE = 0x43;
const PIT_HZ = 1_193_182n;
const TICKS_PER_ACCESS = 1000n;
const BOCHS_SHUTDOWN_PORT = 0x8900;
const EFER_LMA = 1n << 10n;                 // SDM Vol. 3A §2.2.1
const ENTRY_IA32E_MODE_GUEST = 1n << 9n;    // VM-entry control (SDM Vol. 3C Table 25-15)

// One scripted VM exit: what the simulated CPU reports when the core enters the guest.
export interface SimExit {
  reason: number;                      // VMX basic exit reason
  qualification?: bigint;
  instructionLength?: number;
  gpa?: bigint;
  regs?: Partial<Record<GprName, bigint>>;
  fields?: Record<number, bigint>;     // other VMCS fields to set (e.g. guest CR0)
  entryStatus?: number;                // nonzero: the VMLAUNCH/VMRESUME itself fails
  tscAdvance?: bigint;                 // simulated time the guest ran before this exit
  type?: { text: string; after?: bigint }; // typed on the host COM1 this many ticks after this exit
}

// VMCS field encodings, by their SDM names, as the core defines them
// (kernel/vmx/vmcs-fields.ts), with short names for the execution controls.
const F = layout.VMCS;
export const VMCS = extendTable(F, {
  PIN_BASED: F.PIN_BASED_VM_EXEC_CONTROL, PROC_BASED: F.CPU_BASED_VM_EXEC_CONTROL,
  PROC_BASED2: F.SECONDARY_VM_EXEC_CONTROL, EXIT_CONTROLS: F.VM_EXIT_CONTROLS, ENTRY_CONTROLS: F.VM_ENTRY_CONTROLS,
});

// Exit-frame slots (kernel/vm/frame.ts) of the registers scripted exits set
// and entries record: all but RSP, which lives in the VMCS / VMCB.
const FR = layout.FRAME;
const GPR_SLOT = {
  rax: FR.RAX, rcx: FR.RCX, rdx: FR.RDX, rbx: FR.RBX, rbp: FR.RBP, rsi: FR.RSI, rdi: FR.RDI,
  r8: FR.R8, r9: FR.R9, r10: FR.R10, r11: FR.R11, r12: FR.R12, r13: FR.R13, r14: FR.R14, r15: FR.R15,
};
export type GprName = keyof typeof GPR_SLOT;

// One scripted #VMEXIT for the simulated SVM: what VMRUN leaves in the VMCB.
export interface SvmSimExit {
  code: bigint;                 // EXITCODE (AMD APM Vol. 2 Appendix C)
  info1?: bigint;
  info2?: bigint;
  nrip?: bigint;                // next RIP, where the CPU has NRIP save
  rax?: bigint;                 // the guest's RAX (kept in the VMCB)
  regs?: Partial<Record<Exclude<GprName, "rax">, bigint>>;
  save?: Record<number, bigint>; // other VMCB fields by offset (e.g. CR0 0x558)
}

// VMCB offsets and intercept bits, by their APM names, as the core defines
// them (kernel/svm/vmcb.ts).
export const VMCB = layout.VMCB;

export class SimHal {
  serial = "";
  control = ""; // what the core wrote to COM2: its own lines only
  private com1Dlab = false;
  debugExit: number | null = null;
  bochsShutdown = "";
  readonly msrReads: number[] = [];
  readonly msrs: Map<number, bigint>;
  private readonly phys: { base: bigint; bytes: Uint8Array }[] = [];
  memory: WebAssembly.Memory | null = null;
  crs = new Map<number, bigint>([[0, 0x80010011n], [3, 0x10a000n], [4, 0x20n]]);
  tsc = 0n;
  // The simulated TSC runs at this rate: each RDTSC and each port read
  // takes TICKS_PER_ACCESS of it, and the simulated PIT counts against it.
  readonly tscHz = 2_000_000_000n;
  private pitCh2Bytes: number[] = [];
  private pitCh2Start: bigint | null = null;
  baselineExits = false;
  // What a test types on the host's COM1: each byte readable (LSR.DR set,
  // RBR pops it) from simulated TSC `at` on, in order.
  readonly com1Input: { byte: number; at: bigint }[] = [];
  xcr = new Map<number, bigint>([[0, 1n]]);
  // The EGA text screen the core told the panic path about (setPanicScreen).
  panicScreen: { phys: bigint; cols: number; rows: number; pitch: number } | null = null;
  // Whether the simulated CPU refuses an XSETBV with #GP (the native HAL
  // survives it and returns 1): by default as SDM Vol. 2C XSETBV says — an
  // index other than 0, x87 (bit 0) clear, AVX (bit 2) without SSE (bit 1),
  // a component CPUID.(EAX=0DH,ECX=0):EDX:EAX lacks; a test may add a quirk.
  xsetbvFaults: (index: number, value: bigint) => boolean = (index, value) => {
    const [eax, , , edx] = this.cpuid(0xd, 0);
    const supported = (BigInt(edx >>> 0) << 32n) | BigInt(eax >>> 0);
    return index !== 0 || (value & 1n) === 0n || ((value & 4n) !== 0n && (value & 2n) === 0n) || (value & ~supported) !== 0n;
  };
  // The simulated SVM: exits to deliver, and VMCB snapshots at each VMRUN.
  linearBase = 0x200000n;
  svmExits: SvmSimExit[] = [];
  vmruns: { vmcb: Uint8Array; regs: Record<keyof typeof GPR_SLOT, bigint> }[] = [];
  // Where in linear memory the VMCB of the VMRUN in progress is (for onEntry).
  vmcbOffset: number | null = null;
  // Physical ranges the core zeroed (physClear), in order.
  readonly zeroed: { phys: bigint; len: bigint }[] = [];
  // Called once, just before the first VM entry or VMRUN (tests put guest
  // code and data in guest RAM there, after the core zeroed and loaded it).
  beforeFirstEntry: (() => void) | null = null;
  // Called at every VM entry or VMRUN with its index (0: the first), before
  // it is recorded: a test looks at guest RAM or changes what the guest
  // would have changed by running (its RAM, CR2, an MSR passed through).
  onEntry: ((n: number) => void) | null = null;
  // The simulated VMX: the current VMCS as a map of fields, and the exits to deliver.
  vmcs = new Map<number, bigint>();
  exits: SimExit[] = [];
  // Snapshots of the VMCS and frame registers at each VM entry, for assertions.
  entries: { vmcs: Map<number, bigint>; regs: Record<keyof typeof GPR_SLOT, bigint> }[] = [];
  // The most HAL calls a run may make (set before the core is instantiated):
  // one more throws HangSignal, so that a core that would loop forever ends
  // the test instead of hanging it. Infinity: no limit.
  callLimit = Infinity;
  calls = 0;

  // The CPU's own local APIC (enabled xAPIC at the default base, BSP),
  // unless the profile says otherwise through IA32_APIC_BASE.
  readonly lapic = new SimHostLapic(() => this.tsc);

  // A PC's colour text buffer (0xB8000, 32 KiB), where GRUB leaves a BIOS
  // machine's screen and the core's console writes (drivers/host/vga-text.ts).
  readonly vgaText = new Uint8Array(0x8000);

  constructor(readonly cpu: CpuProfile) {
    this.mapPhysical(0xb8000n, this.vgaText);
    this.msrs = new Map(Object.entries(cpu.msrs).map(([k, v]) => [Number(k), v]));
    if (!this.msrs.has(0x1b)) this.msrs.set(0x1b, 0xfee00900n);
    // The SYSCALL and SWAPGS MSRs every 64-bit CPU has (STAR, LSTAR, CSTAR,
    // FMASK, KERNEL_GS_BASE: SDM Vol. 4 Table 2-2), and IA32_TSC_AUX where
    // CPUID.80000001H:EDX.RDTSCP[27] says so: the core clears the guest's
    // values in them when the guest reboots (kernel/vm/vcpu.ts reset).
    for (const msr of [0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000102]) {
      if (!this.msrs.has(msr)) this.msrs.set(msr, 0n);
    }
    if ((this.cpuid(0x80000001, 0)[3] & (1 << 27)) !== 0 && !this.msrs.has(0xc0000103)) this.msrs.set(0xc0000103, 0n);
  }

  // Type `text` (Latin-1) on the host's COM1, readable from `after` ticks from now.
  type(text: string, after = 0n): void {
    for (const c of text) this.com1Input.push({ byte: c.charCodeAt(0) & 0xff, at: this.tsc + after });
  }

  private com1Ready(): boolean {
    return this.com1Input.length > 0 && this.com1Input[0].at <= this.tsc;
  }

  // Place bytes at a physical address (e.g. the Multiboot2 block).
  mapPhysical(base: bigint, bytes: Uint8Array): void {
    this.phys.push({ base, bytes });
  }

  private linear(): Uint8Array {
    if (!this.memory) throw new Error("HAL used before the core was instantiated");
    return new Uint8Array(this.memory.buffer);
  }

  // The identity map's end (boot/entry32.S: 4 GiB, or 64 GiB with 1 GiB pages).
  identityMapEnd = 64n << 30n;
  randomReady = true;
  randomState = 0x9e3779b97f4a7c15n;
  private random(out: number): number {
    if (!this.randomReady) return 0;
    let x = this.randomState;
    x ^= x >> 12n; x ^= BigInt.asUintN(64, x << 25n); x ^= x >> 27n;
    this.randomState = x;
    new DataView(this.linear().buffer).setBigUint64(out, BigInt.asUintN(64, x * 0x2545f4914f6cdd1dn), true);
    return 1;
  }

  private physRegion(addr: bigint, len: number) {
    const r = this.phys.find((p) => addr >= p.base && addr + BigInt(len) <= p.base + BigInt(p.bytes.length));
    if (!r) throw new Error(`physical access 0x${addr.toString(16)}+${len} outside simulated memory`);
    return { bytes: r.bytes, off: Number(addr - r.base) };
  }

  // The 8254's channel 2 in mode 0 (Intel 8254 datasheet): OUT2 (port 0x61
  // bit 5) goes high once the count written to port 0x42 (low byte, then
  // high byte) has run down at 1.193182 MHz of simulated time.
  private portB(): number {
    if (this.pitCh2Start === null || this.pitCh2Bytes.length < 2) return 0x01;
    const count = BigInt(this.pitCh2Bytes[0] | (this.pitCh2Bytes[1] << 8));
    const elapsed = this.tsc - this.pitCh2Start;
    return elapsed * PIT_HZ >= count * this.tscHz ? 0x21 : 0x01;
  }

  private inb(port: number): number {
    this.tsc += TICKS_PER_ACCESS;
    if (port === COM1_LSR) return LSR_THRE_TEMT | (this.com1Ready() ? LSR_DR : 0);
    if (port === COM1) return this.com1Ready() ? this.com1Input.shift()!.byte : 0;
    if (port === PORT_B) return this.portB();
    return 0xff;
  }

  private out(port: number, value: number): void {
    if (port === PIT_MODE) this.pitCh2Bytes = [];
    if (port === PIT_CH2) {
      this.pitCh2Bytes.push(value & 0xff);
      if (this.pitCh2Bytes.length === 2) this.pitCh2Start = this.tsc;
    }
    if (port === COM1 + 3) this.com1Dlab = (value & 0x80) !== 0; // LCR.DLAB: port 0 is the divisor latch
    if (port === COM1 && !this.com1Dlab) this.serial += String.fromCharCode(value & 0xff);
    else if (port === COM2) this.control += String.fromCharCode(value & 0xff);
    else if (port === DEBUG_EXIT_PORT) this.debugExit = value;
    else if (port === BOCHS_SHUTDOWN_PORT) this.bochsShutdown += String.fromCharCode(value & 0xff);
  }

  private cpuid(leaf: number, subleaf: number): readonly number[] {
    const t = this.cpu.cpuid;
    return t[`${hex(leaf)}:${subleaf}`] ?? t[hex(leaf)] ?? [0, 0, 0, 0];
  }

  private frameRegs(frame: number): Record<keyof typeof GPR_SLOT, bigint> {
    const v = new DataView(this.linear().buffer);
    const out = {} as Record<keyof typeof GPR_SLOT, bigint>;
    for (const [k, slot] of Object.entries(GPR_SLOT)) out[k as keyof typeof GPR_SLOT] = v.getBigUint64(frame + slot * 8, true);
    return out;
  }

  // VM entry: record the state the core prepared, then deliver the next scripted exit.
  private firstEntry(): void {
    const f = this.beforeFirstEntry;
    this.beforeFirstEntry = null;
    f?.();
  }

  private vmEnter(frame: number): number {
    this.firstEntry();
    this.onEntry?.(this.entries.length);
    this.entries.push({ vmcs: new Map(this.vmcs), regs: this.frameRegs(frame) });
    const e = this.exits.shift();
    if (!e) throw new Error("the core entered the guest again after the last scripted exit");
    this.tsc += e.tscAdvance ?? 0n;
    if (e.type) this.type(e.type.text, e.type.after);
    if (e.entryStatus) {
      this.vmcs.set(VMCS.VM_INSTRUCTION_ERROR, BigInt(e.entryStatus === 2 ? 7 : 0));
      return e.entryStatus;
    }
    this.vmcs.delete(VMCS.VM_ENTRY_INTR_INFO_FIELD); // injection is consumed by the entry
    this.vmcs.set(VMCS.VM_EXIT_REASON, BigInt(e.reason));
    this.vmcs.set(VMCS.EXIT_QUALIFICATION, e.qualification ?? 0n);
    this.vmcs.set(VMCS.VM_EXIT_INSTRUCTION_LEN, BigInt(e.instructionLength ?? 0));
    this.vmcs.set(VMCS.GUEST_PHYSICAL_ADDRESS, e.gpa ?? 0n);
    for (const [f, v] of Object.entries(e.fields ?? {})) this.vmcs.set(Number(f), v);
    // Every VM exit stores IA32_EFER.LMA into the "IA-32e mode guest"
    // VM-entry control (SDM Vol. 3C §28.3.1: a guest's own MOV to CR0
    // that switches long mode changes both), so a scripted EFER keeps them
    // in step as the processor would.
    const efer = this.vmcs.get(VMCS.GUEST_IA32_EFER);
    const entry = this.vmcs.get(VMCS.ENTRY_CONTROLS);
    if (efer !== undefined && entry !== undefined) {
      this.vmcs.set(VMCS.ENTRY_CONTROLS, (efer & EFER_LMA) !== 0n ? entry | ENTRY_IA32E_MODE_GUEST : entry & ~ENTRY_IA32E_MODE_GUEST);
    }
    const view = new DataView(this.linear().buffer);
    for (const [k, v] of Object.entries(e.regs ?? {})) view.setBigUint64(frame + GPR_SLOT[k as keyof typeof GPR_SLOT] * 8, v, true);
    return 0;
  }

  // VMRUN: record the VMCB the core prepared, then write the next scripted #VMEXIT into it.
  private svmRun(frame: number, vmcb: number): void {
    this.vmcbOffset = vmcb;
    this.firstEntry();
    this.onEntry?.(this.vmruns.length);
    const mem = this.linear();
    this.vmruns.push({ vmcb: mem.slice(vmcb, vmcb + 4096), regs: this.frameRegs(frame) });
    const e = this.svmExits.shift();
    if (!e) throw new Error("the core ran the guest again after the last scripted #VMEXIT");
    const v = new DataView(mem.buffer);
    const set = (off: number, x: bigint) => v.setBigUint64(vmcb + off, x, true);
    set(VMCB.EXITCODE, e.code);
    set(VMCB.EXITINFO1, e.info1 ?? 0n);
    set(VMCB.EXITINFO2, e.info2 ?? 0n);
    set(VMCB.NRIP, e.nrip ?? 0n);
    if (e.rax !== undefined) set(VMCB.RAX, e.rax);
    for (const [off, x] of Object.entries(e.save ?? {})) set(Number(off), x);
    for (const [k, x] of Object.entries(e.regs ?? {})) v.setBigUint64(frame + GPR_SLOT[k as keyof typeof GPR_SLOT] * 8, x, true);
  }

  imports(): WebAssembly.Imports {
    const hal = this.halImports();
    if (this.callLimit === Infinity) return { hal };
    const counted: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(hal)) {
      counted[name] = (...args: never[]) => {
        if (++this.calls > this.callLimit) throw new HangSignal(this.callLimit);
        return (f as (...a: never[]) => unknown)(...args);
      };
    }
    return { hal: counted as WebAssembly.ModuleImports };
  }

  private halImports(): WebAssembly.ModuleImports {
    const ret = (v: number) => v >>> 0;
    return {
      inb: (port: number) => this.inb(port),
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
      rdmsrSafe: (msr: number, out: number) => {
        msr >>>= 0;
        this.msrReads.push(msr);
        const v = this.msrs.get(msr);
        if (v === undefined) return 0;
        new DataView(this.linear().buffer).setBigUint64(out, v, true);
        return 1;
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
      rdtsc: () => (this.tsc += TICKS_PER_ACCESS),
      physRead: (dst: number, phys: bigint, len: number) => {
        const { bytes, off } = this.physRegion(BigInt.asUintN(64, phys), len);
        this.linear().set(bytes.subarray(off, off + len), dst);
      },
      physWrite: (phys: bigint, src: number, len: number) => {
        const { bytes, off } = this.physRegion(BigInt.asUintN(64, phys), len);
        bytes.set(this.linear().subarray(src, src + len), off);
      },
      // Only what is mapped is cleared: a test may map just part of a large
      // guest's RAM (the rest stands for memory nobody reads).
      physClear: (phys: bigint, len: bigint) => {
        const start = BigInt.asUintN(64, phys);
        for (const r of this.phys) {
          const lo = start > r.base ? start : r.base;
          const end = r.base + BigInt(r.bytes.length);
          const hi = start + len < end ? start + len : end;
          if (lo < hi) r.bytes.fill(0, Number(lo - r.base), Number(hi - r.base));
        }
        this.zeroed.push({ phys: start, len });
      },
      identityMapEnd: () => this.identityMapEnd,
      physCopy: (dst: bigint, src: bigint, len: bigint) => {
        const n = Number(len);
        const from = this.physRegion(BigInt.asUintN(64, src), n);
        const to = this.physRegion(BigInt.asUintN(64, dst), n);
        to.bytes.set(from.bytes.subarray(from.off, from.off + n), to.off);
      },
      // A deterministic generator (xorshift64*), so that tests can predict it;
      // `randomReady` false makes the instruction report no value (CF=0).
      rdrand64: (out: number) => this.random(out),
      rdseed64: (out: number) => this.random(out),
      halt: () => {
        throw new HaltSignal();
      },
      // STI; HLT; CLI: asleep until the host timer fires (the TSC jumps
      // there); with no timer armed the processor would never wake.
      haltWithInterrupts: () => {
        const at = this.lapic.expiry();
        if (at === null) throw new Error("the core halted with interrupts on and no host timer armed: it would sleep forever");
        if (this.tsc < at) this.tsc = at;
        this.lapic.deliverIfDue(this.tsc);
        return BigInt(this.lapic.interrupts);
      },
      takeInterrupts: () => {
        this.lapic.deliverIfDue(this.tsc);
        return BigInt(this.lapic.interrupts);
      },
      mmioRead32: (phys: bigint) => {
        const p = BigInt.asUintN(64, phys);
        if (!this.lapic.contains(p)) throw new Error(`MMIO read at 0x${p.toString(16)}: no simulated device there`);
        return this.lapic.read(p);
      },
      mmioWrite32: (phys: bigint, v: number) => {
        const p = BigInt.asUintN(64, phys);
        if (!this.lapic.contains(p)) throw new Error(`MMIO write at 0x${p.toString(16)}: no simulated device there`);
        this.lapic.write(p, v);
      },
      vmxon: () => 0,
      vmxoff: () => {},
      vmclear: () => 0,
      vmptrld: () => 0,
      vmread: (field: number) => this.vmcs.get(field) ?? 0n,
      vmwrite: (field: number, v: bigint) => {
        this.vmcs.set(field, BigInt.asUintN(64, v));
        return 0;
      },
      invept: () => 0,
      hostTables: () => {},
      xsetbv: (index: number, v: bigint) => {
        const value = BigInt.asUintN(64, v);
        if (this.xsetbvFaults(index, value)) return 1;
        this.xcr.set(index, value);
        return 0;
      },
      setBaselineExits: (on: number) => void (this.baselineExits = on !== 0),
      setPanicScreen: (phys: bigint, cols: number, rows: number, pitch: number) => void (this.panicScreen = { phys, cols, rows, pitch }),
      vmEnter: (frame: number) => this.vmEnter(frame),
      svmRun: (frame: number, vmcb: bigint) => this.svmRun(frame, Number(vmcb - this.linearBase)),
    };
  }
}

export function hex(n: number): string {
  return "0x" + (n >>> 0).toString(16);
}
