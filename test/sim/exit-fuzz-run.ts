// One case of the exit fuzzer: boot the core with a one-byte flat guest on
// a simulated VT-x or AMD-V CPU, and deliver a script of random exits
// (./exit-fuzz-exits.ts) followed by a power-off, each made into the
// backend's own exit (VMCS fields / VMCB) at the moment it is delivered,
// against the guest state the core is entering with: the instruction bytes
// go where RIP points, SVM's next RIP (EXITINFO2 of IOIO, NRIP) is RIP
// plus the length. Afterwards: how the run ended, and every VM entry the
// CPU would have refused (./vmcs-guest-state-check.ts, ./vmcb-state-check.ts).
import { bootCore, BootResult } from "./core.js";
import { typicalPc } from "./multiboot2.js";
import type { CpuProfile } from "./cpu-profiles.js";
import { GeneralProtectionFault, HangSignal, SimExit, SimHal, SvmSimExit, VMCB, VMCS } from "./hal.js";
import { GUEST_RAM_HOST, MODULE_PHYS, R } from "./scripted-vmx.js";
import { X } from "./scripted-svm.js";
import { FuzzExit } from "./exit-fuzz-exits.js";
import { GuestState, RAM_BYTES, PAE_PDPTES, codePhys, writePageTables, RFLAGS_TF } from "./exit-fuzz-state.js";
import { vmxEntryViolations } from "./vmcs-guest-state-check.js";
import { vmrunViolations } from "./vmcb-state-check.js";

export type Backend = "vmx" | "svm";

// The last exit of every script: OUT to the debug-exit port (0xf4) with status 0.
export const POWER_OFF: FuzzExit = {
  kind: "io", other: 0, length: 2, msr: 0, raw: 0n, regs: { rax: 0n }, vectoring: null, state: null, code: [0xe6, 0xf4],
  io: { port: 0xf4, size: 1, isIn: false, string: false, rep: false, imm: true, addrSize: 2, seg: 3 },
  cr: { cr: 0, type: 0, gpr: 0, lmsw: 0 }, npf: { gpa: 0n, access: 0, walk: false },
};

// Enough HAL calls for the longest honest run (a boot, 13 exits, a REP
// string I/O of 4096 elements, the report): a core past it is spinning.
const CALL_LIMIT = 3_000_000;

export interface FuzzRun {
  r: BootResult;
  entries: number;
  violations: string[];   // "entry N: why", for every refused entry
  outcome: "ok" | "trap" | "panic" | "hang" | "resumed-after-end" | "sim-error";
}

const bit = (n: number) => 1n << BigInt(n);
const AR_L = 1 << 13;
const EFER_LMA = bit(10);

// ---- VMX ----
const VMX_VIRT_INSNS = [19, 20, 21, 22, 23, 24, 25, 26, 27, 50, 53];
function vmxReason(e: FuzzExit): number {
  switch (e.kind) {
    case "cpuid": return R.CPUID;
    case "hlt": return R.HLT;
    case "io": return R.IO;
    case "rdmsr": return R.RDMSR;
    case "wrmsr": return R.WRMSR;
    case "cr": return R.CR;
    case "npf": return R.EPT_VIOLATION;
    case "hypercall": return R.VMCALL;
    case "xsetbv": return R.XSETBV;
    case "cacheflush": return e.code[e.code.length - 1] === 0x08 ? R.INVD : R.WBINVD;
    case "extint": return R.EXTERNAL_INTERRUPT;
    case "intwindow": return R.INTERRUPT_WINDOW;
    case "nmiwindow": return R.NMI_WINDOW;
    case "timer": return R.PREEMPTION_TIMER;
    case "triplefault": return R.TRIPLE_FAULT;
    case "exception": return R.EXCEPTION_NMI;
    case "virtinsn": return VMX_VIRT_INSNS[e.other % VMX_VIRT_INSNS.length];
    // Basic reason 33, 34 or 41 with bit 31 set: the entry failed (SDM Vol. 3C §27.8).
    case "entryfail": return ([33, 34, 41][e.other % 3] | (1 << 31)) >>> 0;
    // Every basic reason the SDM defines (0-70, Appendix C) and unknown ones.
    case "other": return e.other % 2 === 0 ? e.other % 71 : e.other;
  }
}

function vmxQualification(e: FuzzExit): bigint {
  if (e.kind === "io") {
    const io = e.io;
    return (BigInt(io.port) << 16n) | BigInt(io.size - 1) | (io.isIn ? bit(3) : 0n) | (io.string ? bit(4) : 0n) |
      (io.rep ? bit(5) : 0n) | (io.imm ? bit(6) : 0n);
  }
  if (e.kind === "cr") return BigInt(e.cr.cr | (e.cr.type << 4) | (e.cr.gpr << 8)) | (BigInt(e.cr.lmsw) << 16n);
  // EPT violation (SDM Vol. 3C Table 28-7): the access (bits 2:0), the EPT
  // entry's permissions (5:3, from `raw`), a valid linear address (7) and
  // whether the access was to the translation (8) or the guest's page walk.
  if (e.kind === "npf") return BigInt(e.npf.access) | (e.raw & 0x38n) | bit(7) | (e.npf.walk ? 0n : bit(8));
  return e.raw;
}

// The VMCS fields of a guest state, as the CPU stores them at the exit.
function vmxStateFields(s: GuestState, cpu: CpuProfile): Record<number, bigint> {
  const cr0Fixed0 = (cpu.msrs[0x486] ?? 0n) & ~(bit(0) | bit(31)); // unrestricted guest lifts PE and PG
  const cr4Fixed0 = cpu.msrs[0x488] ?? 0n;
  const intr = (s.shadow === "sti" ? 1n : s.shadow === "movss" ? 2n : 0n) | (s.nmiBlocked ? 8n : 0n);
  // In a shadow, a single-step trap is pending as BS (SDM Vol. 3C §27.3.1.5).
  const bs = s.shadow !== "none" && (s.rflags & RFLAGS_TF) !== 0n ? bit(14) : 0n;
  const f: Record<number, bigint> = {
    [VMCS.GUEST_CR0]: s.cr0 | cr0Fixed0, [VMCS.GUEST_CR3]: s.cr3, [VMCS.GUEST_CR4]: s.cr4 | cr4Fixed0,
    [VMCS.GUEST_IA32_EFER]: s.efer, [VMCS.GUEST_ES_SELECTOR + 2]: s.cs.sel, [VMCS.GUEST_ES_BASE + 2]: s.cs.base,
    [VMCS.GUEST_ES_LIMIT + 2]: s.cs.limit, [VMCS.GUEST_ES_AR_BYTES + 2]: BigInt(s.cs.ar), [VMCS.GUEST_RIP]: s.rip,
    [VMCS.GUEST_RFLAGS]: s.rflags, [VMCS.GUEST_INTERRUPTIBILITY_INFO]: intr, [VMCS.GUEST_PENDING_DBG_EXCEPTIONS]: bs,
  };
  // With EPT and PAE paging the exit saves the PDPTEs (SDM Vol. 3C §28.3.4).
  if (s.mode === "pae") PAE_PDPTES.forEach((p, i) => (f[VMCS.GUEST_PDPTE0 + i * 2] = p));
  return f;
}

function vmxExit(e: FuzzExit, hal: SimHal, ram: Uint8Array): SimExit {
  const fields: Record<number, bigint> = e.state ? vmxStateFields(e.state, hal.cpu) : {};
  const v = e.vectoring;
  // IDT-vectoring information (SDM Vol. 3C Table 25-20), written by every exit.
  fields[VMCS.IDT_VECTORING_INFO_FIELD] = v ? BigInt(v.vector | (v.type << 8) | (v.errorCode !== null ? 1 << 11 : 0)) | bit(31) : 0n;
  fields[VMCS.IDT_VECTORING_ERROR_CODE] = BigInt(v?.errorCode ?? 0);
  // INS/OUTS: the address size (bits 9:7) and segment (17:15) of the
  // instruction-information field (SDM Vol. 3C Table 28-8).
  fields[VMCS.VMX_INSTRUCTION_INFO] = BigInt(({ 2: 0, 4: 1, 8: 2 } as Record<number, number>)[e.io.addrSize] << 7 | e.io.seg << 15);
  fields[VMCS.GUEST_LINEAR_ADDRESS] = e.raw;
  const get = (f: number) => fields[f] ?? hal.vmcs.get(f) ?? 0n;
  const code64 = (get(VMCS.GUEST_IA32_EFER) & EFER_LMA) !== 0n && (Number(get(VMCS.GUEST_ES_AR_BYTES + 2)) & AR_L) !== 0;
  placeCode(ram, e.code, get(VMCS.GUEST_RIP), get(VMCS.GUEST_ES_BASE + 2), code64);
  return {
    reason: vmxReason(e), qualification: vmxQualification(e), instructionLength: e.length,
    gpa: e.kind === "npf" ? e.npf.gpa : 0n, regs: e.regs, fields,
  };
}

// ---- SVM ----
const SVM_VIRT_INSNS = [0x80n, 0x82n, 0x83n, 0x84n, 0x85n, 0x86n];
// Instruction intercepts, for which a CPU with NRIP save stores the next RIP (APM Vol. 2 §15.7.1).
const SVM_WITH_NRIP = new Set<FuzzExit["kind"]>(["cpuid", "hlt", "io", "rdmsr", "wrmsr", "cr", "hypercall", "xsetbv", "cacheflush", "virtinsn"]);

function svmCode(e: FuzzExit): bigint {
  switch (e.kind) {
    case "cpuid": return X.CPUID;
    case "hlt": return X.HLT;
    case "io": return X.IOIO;
    case "rdmsr": case "wrmsr": return X.MSR;
    // CR8 is V_TPR, never intercepted: a CR8 case is a CR0 write here.
    case "cr": return e.cr.cr === 4 ? X.CR4_WRITE : e.cr.cr === 0 || e.cr.cr === 8 ? X.CR0_WRITE : 0x10n + BigInt(e.cr.cr);
    case "npf": return X.NPF;
    case "hypercall": return X.VMMCALL;
    case "xsetbv": return X.XSETBV;
    case "cacheflush": return e.code[e.code.length - 1] === 0x08 ? X.INVD : X.WBINVD;
    case "extint": case "timer": return e.other % 2 === 0 ? X.INTR : X.NMI;
    case "intwindow": return X.VINTR;
    case "nmiwindow": return X.IRET;
    case "triplefault": return X.SHUTDOWN;
    case "exception": return X.EXCP_BASE + BigInt(e.other % 32);
    case "virtinsn": return SVM_VIRT_INSNS[e.other % SVM_VIRT_INSNS.length];
    // VMEXIT_INVALID as the APM has it (64-bit -1) and as QEMU stores it (32-bit -1).
    case "entryfail": return e.other % 2 === 0 ? 0xffffffffffffffffn : 0xffffffffn;
    // Codes of APM Vol. 2 Appendix C (0-0x8f, 0x400-0x403) and unknown ones.
    case "other": return e.other % 3 === 0 ? BigInt(e.other % 0x90) : e.other % 3 === 1 ? 0x400n + BigInt(e.other % 4) : e.raw;
  }
}

function svmInfo1(e: FuzzExit): bigint {
  if (e.kind === "io") {
    // IOIO (APM Vol. 2 Figure 15-2): IN 0, STR 2, REP 3, SZ8/16/32 4-6, A16/32/64 7-9, SEG 12:10, port 31:16.
    const io = e.io;
    const sz = io.size === 1 ? bit(4) : io.size === 2 ? bit(5) : io.size === 4 ? bit(6) : 0n;
    const a = io.addrSize === 2 ? bit(7) : io.addrSize === 4 ? bit(8) : bit(9);
    return (io.isIn ? 1n : 0n) | (io.string ? bit(2) : 0n) | (io.rep ? bit(3) : 0n) | sz | a | (BigInt(io.seg) << 10n) | (BigInt(io.port) << 16n);
  }
  if (e.kind === "rdmsr" || e.kind === "wrmsr") return e.kind === "wrmsr" ? 1n : 0n;
  if (e.kind === "npf") {
    // #NPF (§15.25.6): a page-fault error code — P 0, W 1, ID 4 — with bit
    // 32 (the final translation) or 33 (the guest's page walk).
    const err = (e.raw & 0xdn) | (e.npf.access & 2 ? bit(1) : 0n) | (e.npf.access & 4 ? bit(4) : 0n);
    return err | (e.npf.walk ? bit(33) : bit(32));
  }
  if (e.kind === "cr") return bit(63) | BigInt(e.cr.gpr); // decode assists' MOV-CR form (the core decodes the bytes)
  return e.raw;
}

function svmAttrib(ar: number): bigint {
  return BigInt((ar & 0xff) | ((ar >> 4) & 0xf00)); // VMX access rights → the VMCB's packed form (§15.5.1)
}

function svmStateSave(s: GuestState): Record<number, bigint> {
  return {
    [VMCB.CR0]: s.cr0, [VMCB.CR3]: s.cr3, [VMCB.CR4]: s.cr4, [VMCB.EFER]: s.efer | bit(12),
    [VMCB.SEG_CS]: s.cs.sel | (svmAttrib(s.cs.ar) << 16n) | (s.cs.limit << 32n), [VMCB.SEG_CS + VMCB.SEG_BASE]: s.cs.base,
    [VMCB.RIP]: s.rip, [VMCB.RFLAGS]: s.rflags, [VMCB.INTERRUPT_SHADOW]: s.shadow === "none" ? 0n : 1n,
  };
}

function svmExit(e: FuzzExit, hal: SimHal, ram: Uint8Array): SvmSimExit {
  const save = e.state ? svmStateSave(e.state) : {};
  const v = e.vectoring;
  // EXITINTINFO (APM Vol. 2 §15.7.2), written by every #VMEXIT: INT1, INT3
  // and INTO are exceptions to SVM (type 3), not VMX's types 5 and 6.
  const type = v && v.type >= 5 ? 3 : v?.type ?? 0;
  save[VMCB.EXITINTINFO] = v
    ? BigInt(v.vector | (type << 8) | (v.errorCode !== null ? 1 << 11 : 0)) | bit(31) | (BigInt(v.errorCode ?? 0) << 32n) : 0n;
  const mem = new DataView(hal.memory!.buffer, hal.vmcbOffset!);
  const get = (off: number) => save[off] ?? mem.getBigUint64(off, true);
  const code64 = (get(VMCB.EFER) & bit(10)) !== 0n && ((get(VMCB.SEG_CS) >> 16n) & 0x200n) !== 0n;
  const rip = get(VMCB.RIP);
  placeCode(ram, e.code, rip, get(VMCB.SEG_CS + VMCB.SEG_BASE), code64);
  // The next RIP wraps as the instruction pointer does: at 4 GiB outside 64-bit mode.
  const next = BigInt.asUintN(code64 ? 64 : 32, rip + BigInt(e.length));
  const nripSave = ((hal.cpu.cpuid["0x8000000a"]?.[3] ?? 0) & (1 << 3)) !== 0;
  const { rax, ...regs } = e.regs;
  return {
    code: svmCode(e), info1: svmInfo1(e),
    info2: e.kind === "io" ? next : e.kind === "npf" ? e.npf.gpa : e.raw,
    nrip: nripSave && SVM_WITH_NRIP.has(e.kind) ? next : 0n,
    rax, regs, save,
  };
}

function placeCode(ram: Uint8Array, code: number[], rip: bigint, csBase: bigint, code64: boolean): void {
  const at = codePhys(rip, csBase, code64, code.length);
  if (at !== null) ram.set(code, at);
}

export function runFuzzCase(backend: Backend, cpu: CpuProfile, cmdline: string, script: FuzzExit[]): FuzzRun {
  const all = [...script, POWER_OFF];
  const image = new Uint8Array([0xf4]);
  let hal!: SimHal;
  const r = bootCore(cpu, {
    info: typicalPc(512, cmdline, { start: MODULE_PHYS, end: MODULE_PHYS + image.length, name: "fuzz.bin" }),
    setup: (h) => {
      hal = h;
      h.callLimit = CALL_LIMIT;
      h.mapPhysical(BigInt(MODULE_PHYS), image);
      const ram = new Uint8Array(RAM_BYTES);
      h.mapPhysical(GUEST_RAM_HOST, ram);
      h.onEntry = (n) => {
        writePageTables(ram); // again after a reboot, which zeroes RAM
        const e = all[n];
        if (backend === "vmx") h.exits = e ? [vmxExit(e, h, ram)] : [];
        else h.svmExits = e ? [svmExit(e, h, ram)] : [];
      };
    },
  });
  const violations: string[] = [];
  if (backend === "vmx") hal.entries.forEach((en, i) => vmxEntryViolations(en.vmcs, cpu).forEach((w) => violations.push(`entry ${i}: ${w}`)));
  else hal.vmruns.forEach((en, i) => vmrunViolations(en.vmcb, cpu).forEach((w) => violations.push(`VMRUN ${i}: ${w}`)));
  const err = r.error;
  let outcome: FuzzRun["outcome"] = "ok";
  if (err instanceof WebAssembly.RuntimeError || err instanceof GeneralProtectionFault) outcome = "trap";
  else if (err instanceof HangSignal) outcome = "hang";
  else if (err instanceof Error && /again after the last scripted/.test(err.message)) outcome = "resumed-after-end";
  else if (err !== null) outcome = "sim-error";
  // A panic prints its line and halts (kernel/panic.ts); the hypervisor's
  // own power-off halts too, where no debug-exit device answers.
  else if (r.lines.some((l) => l.startsWith("PANIC"))) outcome = "panic";
  const entries = backend === "vmx" ? hal.entries.length : hal.vmruns.length;
  return { r, entries, violations, outcome };
}

// A failing case in words: how it ended, what it broke, the last lines.
export function describeRun(run: FuzzRun): string {
  const err = run.r.error instanceof Error ? `${run.r.error.name}: ${run.r.error.message}\n${run.r.error.stack ?? ""}` : String(run.r.error);
  return [`outcome ${run.outcome} after ${run.entries} entries`, `error: ${err}`, ...run.violations.slice(0, 10),
    ...run.r.lines.slice(-25)].join("\n");
}
