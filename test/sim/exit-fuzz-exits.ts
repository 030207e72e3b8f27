// Random exits for the exit fuzzer (test/unit/exit-fuzz.test.ts), in a
// neutral shape both backends' scripts are made from (./exit-fuzz-run.ts):
// what the exit is for, its details (qualification / EXITINFO1, the I/O
// port, the MSR, the guest-physical address), the instruction's length,
// the guest registers, the event the exit interrupted, the bytes at RIP,
// and the guest state it exits from (or none: the state the core left).
// The generators are biased to reach the handlers' real paths: ports with
// devices behind them, the MSRs of the policy (kernel/vm/msr-policy.ts),
// addresses at the device windows, instructions the decoders know.
import fc from "fast-check";
import { GuestState, guestStateArb, gprsArb, gprValue, mmioCode, prefixes, Gpr, TABLES } from "./exit-fuzz-state.js";

export type Kind = "cpuid" | "hlt" | "io" | "rdmsr" | "wrmsr" | "cr" | "npf" | "hypercall" | "xsetbv" | "cacheflush"
  | "extint" | "intwindow" | "nmiwindow" | "timer" | "triplefault" | "exception" | "virtinsn" | "entryfail" | "other";

export interface Vectoring { type: number; vector: number; errorCode: number | null; length: number }

export interface FuzzExit {
  kind: Kind;
  other: number;          // "other": a raw reason/code of its own (unknown ones included)
  length: number;         // the instruction's length as the CPU reports it (0..15)
  io: { port: number; size: number; isIn: boolean; string: boolean; rep: boolean; imm: boolean; addrSize: number; seg: number };
  msr: number;
  cr: { cr: number; type: number; gpr: number; lmsw: number };
  npf: { gpa: bigint; access: number; walk: boolean };
  regs: Partial<Record<Gpr, bigint>>;
  vectoring: Vectoring | null;
  state: GuestState | null;
  code: number[];         // bytes at RIP (placed where RIP is in guest RAM)
  raw: bigint;            // the raw qualification / EXITINFO1 where a kind takes one as is
}

// Ports with a device behind them (kernel/run-guest.ts addLegacyPc,
// addDevices), with the ones that end the run (debug exit 0xf4, reset at
// 0xcf9, the 8042 at 0x64) among them but rarer.
const DEVICE_PORTS = [0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71, 0xcf8, 0xcfc, 0xcfd,
  0xcfe, 0xcff, 0x510, 0x511, 0x60, 0x600, 0x604, 0x608, 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff, 0x80, 0xe9,
  0x402, 0x1040, 0x1044, 0x1050, 0x1060];
const portArb = fc.oneof(
  { weight: 24, arbitrary: fc.constantFrom(...DEVICE_PORTS) },
  { weight: 1, arbitrary: fc.constantFrom(0xf4, 0xcf9, 0x64) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);

// MSRs: the policy's, the x2APIC range, the MTRRs, passed-through ones
// (which never exit on hardware: the core stops the VM), and any.
const POLICY_MSRS = [0x10, 0x1b, 0x6e0, 0x1a0, 0x277, 0x2ff, 0xc0000080, 0xc0010055, 0x8b];
const MTRR_MSRS = [0xfe, 0x200, 0x201, 0x20e, 0x20f, 0x250, 0x258, 0x259, 0x268, 0x26f];
const PASSED_MSRS = [0x174, 0x175, 0x176, 0xc0000100, 0xc0000101, 0xc0000081, 0xc0000082, 0xc0000102, 0xc0000103];
const msrArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...POLICY_MSRS) },
  { weight: 5, arbitrary: fc.oneof(fc.integer({ min: 0x800, max: 0x8ff }), fc.constantFrom(0x802, 0x803, 0x808, 0x80b, 0x80f, 0x830, 0x832, 0x838, 0x839, 0x83e)) },
  { weight: 2, arbitrary: fc.constantFrom(...MTRR_MSRS) },
  { weight: 1, arbitrary: fc.constantFrom(...PASSED_MSRS) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
);
// WRMSR values (EDX:EAX) worth trying: APIC base with and without x2APIC
// (EXTD bit 10, EN bit 11, BSP bit 8), PATs, EFERs, x2APIC register values.
const msrValueArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0xfee00900n, 0xfee00d00n, 0xfee00c00n, 0xfee00800n, 0xfee00100n, 0n, 0xfec00900n) },
  { weight: 2, arbitrary: fc.constantFrom(0x0007040600070406n, 0x0606060606060606n, 0x0202020202020202n, 0xc06n, 0x806n) },
  { weight: 2, arbitrary: fc.constantFrom(0n, 1n, 0x100n, 0x500n, 0x501n, 0xd01n, 0x901n, 0x400n, 0x1000n) },
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 0xffffffffn }) },
  { weight: 2, arbitrary: gprValue },
);

// Guest-physical addresses of nested page faults: the local APIC and I/O
// APIC pages, the VGA hole and the MMIO window (all-ones), RAM (which EPT
// maps, so no exit should name it), above 4 GiB, beyond any width.
const gpaArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 0x3ff }).map((o) => 0xfee00000n + BigInt(o & ~3)) },
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 0x40 }).map((o) => 0xfec00000n + BigInt(o & ~3)) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0xa0000n, max: 0xbffffn }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0xc0000000n, max: 0xffffffffn }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 0xffffffn }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0x100000000n, max: 0xfffffffffffn }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
);

// The event whose delivery the exit interrupted (SDM Vol. 3C §28.2.4; APM
// Vol. 2 §15.7.2), as a CPU reports it: external interrupts 32-255, NMI,
// hardware exceptions (an error code for those that push one, outside real
// mode; not #CP, #VC, #SX, whose error code is the vendor's own), software interrupts with their instruction's length, INT1, INT3/INTO.
const vectoringArb: fc.Arbitrary<Vectoring> = fc.oneof(
  fc.record({ type: fc.constant(0), vector: fc.integer({ min: 32, max: 255 }), errorCode: fc.constant(null), length: fc.constant(0) }),
  fc.record({ type: fc.constant(2), vector: fc.constant(2), errorCode: fc.constant(null), length: fc.constant(0) }),
  fc.record({ type: fc.constant(3), vector: fc.integer({ min: 0, max: 31 }).filter((v) => ![2, 21, 29, 30].includes(v)), errorCode: fc.integer({ min: 0, max: 0xffff }), length: fc.constant(0) }),
  fc.record({ type: fc.constant(4), vector: fc.integer({ min: 0, max: 255 }), errorCode: fc.constant(null), length: fc.integer({ min: 2, max: 4 }) }),
  fc.record({ type: fc.constant(5), vector: fc.constant(1), errorCode: fc.constant(null), length: fc.constant(1) }),
  fc.record({ type: fc.constant(6), vector: fc.constantFrom(3, 4), errorCode: fc.constant(null), length: fc.constant(1) }),
);

const DURING_DELIVERY = new Set<Kind>(["npf", "exception", "extint", "timer", "triplefault", "other"]);

// The usual encoded length of each kind's instruction (VMX / SVM agree).
const NATURAL: Partial<Record<Kind, number>> = { cpuid: 2, hlt: 1, rdmsr: 2, wrmsr: 2, cr: 3, hypercall: 3, xsetbv: 3, cacheflush: 2, io: 1 };

const kindArb = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Kind>("io") },
  { weight: 3, arbitrary: fc.constant<Kind>("rdmsr") },
  { weight: 4, arbitrary: fc.constant<Kind>("wrmsr") },
  { weight: 4, arbitrary: fc.constant<Kind>("cr") },
  { weight: 4, arbitrary: fc.constant<Kind>("npf") },
  { weight: 2, arbitrary: fc.constant<Kind>("cpuid") },
  { weight: 1, arbitrary: fc.constant<Kind>("hlt") },
  { weight: 1, arbitrary: fc.constant<Kind>("hypercall") },
  { weight: 1, arbitrary: fc.constant<Kind>("xsetbv") },
  { weight: 1, arbitrary: fc.constant<Kind>("cacheflush") },
  { weight: 3, arbitrary: fc.constantFrom<Kind>("extint", "intwindow", "nmiwindow", "timer") },
  { weight: 1, arbitrary: fc.constantFrom<Kind>("triplefault", "exception", "virtinsn", "virtinsn", "entryfail") },
  { weight: 1, arbitrary: fc.constant<Kind>("other") },
);

// Mostly the accesses that exit on hardware: MOV to CR0/CR4, CLTS and
// LMSW, MOV to and from CR8; sometimes any register and type.
const crArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ cr: fc.constant(0), type: fc.constantFrom(0, 0, 0, 2, 3) }) },
  { weight: 3, arbitrary: fc.record({ cr: fc.constant(4), type: fc.constant(0) }) },
  { weight: 2, arbitrary: fc.record({ cr: fc.constant(8), type: fc.constantFrom(0, 1) }) },
  { weight: 1, arbitrary: fc.record({ cr: fc.integer({ min: 0, max: 15 }), type: fc.integer({ min: 0, max: 3 }) }) },
).chain((c) => fc.record({ cr: fc.constant(c.cr), type: fc.constant(c.type), gpr: fc.integer({ min: 0, max: 15 }), lmsw: fc.integer({ min: 0, max: 0xffff }) }));
// Values a MOV to CR0/CR4/CR8 loads: the modes' own, their neighbours, and any.
const crValueArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0x10n, 0x11n, 0x31n, 0x80000011n, 0x80000031n, 0x80000001n, 0xe0000011n, 0x60000011n, 0x20000011n, 0x80010033n) },
  { weight: 2, arbitrary: fc.constantFrom(0n, 0x20n, 0x30n, 0x6f0n, 0x620n, 0x2000n, 0x20020n, 0x1000n, 0x10n, 0x40000n) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 16 }).map(BigInt) },
  { weight: 2, arbitrary: gprValue },
);
const GPR_NAMES: (Gpr | null)[] = ["rax", "rcx", "rdx", "rbx", null, "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

const ioArb = fc.record({
  port: portArb,
  size: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(1, 2, 4) }, { weight: 1, arbitrary: fc.constant(3) }),
  isIn: fc.boolean(),
  string: fc.integer({ min: 0, max: 5 }).map((k) => k === 0),
  rep: fc.boolean(),
  imm: fc.boolean(),
  addrSize: fc.constantFrom(2, 4, 8),
  seg: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.integer({ min: 6, max: 7 }) }),
});

// Bytes at RIP for each kind: the instruction itself (what the SVM length
// decoder and CR-write decoder read; VMX reads them only for MMIO), with
// prefixes sometimes, or junk.
function codeFor(kind: Kind, cr: FuzzExit["cr"]): fc.Arbitrary<number[]> {
  const op: Partial<Record<Kind, number[][]>> = {
    cpuid: [[0x0f, 0xa2]], hlt: [[0xf4]], rdmsr: [[0x0f, 0x32]], wrmsr: [[0x0f, 0x30]], xsetbv: [[0x0f, 0x01, 0xd1]],
    cacheflush: [[0x0f, 0x09], [0x0f, 0x08]], hypercall: [[0x0f, 0x01, 0xd9], [0x0f, 0x01, 0xc1]],
    // MOV to CR0/CR4, CLTS, LMSW as the CR-access type says (kernel/svm/cr-decode.ts).
    cr: [cr.type === 2 ? [0x0f, 0x06] : cr.type === 3 ? [0x0f, 0x01, 0xf0 | (cr.gpr & 7)] : [0x0f, 0x22, (cr.cr === 4 ? 0xe0 : 0xc0) | (cr.gpr & 7)]],
  };
  if (kind === "npf") return fc.tuple(prefixes.filter((p) => p.length === 0 || p[0] !== 0x67), mmioCode).map(([p, c]) => [...p, ...c]);
  const forms = op[kind];
  const junk = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 0, maxLength: 15 });
  if (!forms) return junk;
  return fc.oneof({ weight: 10, arbitrary: fc.tuple(prefixes, fc.constantFrom(...forms)).map(([p, c]) => [...p, ...c]) }, { weight: 1, arbitrary: junk });
}

export const fuzzExitArb: fc.Arbitrary<FuzzExit> = kindArb.chain((kind) => crArb.chain((cr) => fc.record({
  kind: fc.constant(kind),
  other: fc.integer({ min: 0, max: 0xffff }),
  lengthChoice: fc.oneof({ weight: 24, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 15 }) }),
  io: ioArb,
  msr: msrArb,
  msrValue: msrValueArb,
  cr: fc.constant(cr),
  crValue: crValueArb,
  npf: fc.record({ gpa: gpaArb, access: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }) }), walk: fc.integer({ min: 0, max: 15 }).map((k) => k === 0) }),
  regs: gprsArb,
  stringRegs: fc.record({ rcx: fc.oneof(fc.bigInt({ min: 0n, max: 64n }), gprValue), index: fc.oneof(fc.integer({ min: 0x1000, max: TABLES + 0x8000 }).map(BigInt), gprValue) }),
  hypercall: fc.record({ rax: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0n, 1n) }, { weight: 1, arbitrary: fc.constant(2n) }, { weight: 1, arbitrary: gprValue }), rbx: fc.oneof(fc.bigInt({ min: 0n, max: 0x100000n }), gprValue), rcx: fc.oneof(fc.bigInt({ min: 0n, max: 80n }), gprValue) }),
  // Only an exit during event delivery reports one (SDM Vol. 3C §28.2.4,
  // APM Vol. 2 §15.7.2): a fault, a nested page fault, an interrupt or a
  // triple fault on the way — never an instruction's own exit.
  vectoring: DURING_DELIVERY.has(kind) ? fc.option(vectoringArb, { freq: 2 }) : fc.constant(null),
  keepState: fc.integer({ min: 0, max: 9 }).map((k) => k < 3),
  state: guestStateArb,
  code: codeFor(kind, cr),
  raw: gprValue,
}).map((r): FuzzExit => {
  let vectoring = r.vectoring;
  let state: GuestState | null = r.keepState ? null : r.state;
  // An interrupt or NMI was being delivered, so the guest could take it:
  // IF set and no shadow for an interrupt, no shadow and no NMI blocking
  // for an NMI (SDM Vol. 3A §7.8.3, Vol. 3C §26.7.1); a state is needed.
  if (vectoring && (vectoring.type === 0 || vectoring.type === 2)) {
    state = { ...r.state, shadow: "none", nmiBlocked: vectoring.type === 2 ? false : r.state.nmiBlocked };
    if (vectoring.type === 0) state.rflags |= 1n << 9n;
  }
  // Real mode pushes no error code (SDM Vol. 3A §21.1.4).
  if (vectoring && vectoring.type === 3) {
    const pushes = [8, 10, 11, 12, 13, 14, 17].includes(vectoring.vector) && state !== null && state.mode !== "real";
    vectoring = { ...vectoring, errorCode: pushes ? vectoring.errorCode : null };
    if ([8, 10, 11, 12, 13, 14, 17].includes(vectoring.vector) && state === null) vectoring = null;
  }
  let length = r.lengthChoice === -1 ? NATURAL[kind] ?? 1 : r.lengthChoice;
  if (kind === "io" && r.lengthChoice === -1) length = r.io.imm ? 2 : 1;
  // A software event's exit reports that instruction's length (SDM Vol. 3C §28.2.5).
  if (vectoring && vectoring.type >= 4) length = vectoring.length;
  const regs = { ...r.regs };
  if (kind === "rdmsr" || kind === "wrmsr") {
    regs.rcx = BigInt(r.msr);
    if (kind === "wrmsr") { regs.rax = r.msrValue & 0xffffffffn; regs.rdx = r.msrValue >> 32n; }
  }
  if (kind === "cr") {
    const g = GPR_NAMES[cr.gpr];
    if (g) regs[g] = r.crValue;
  }
  if (kind === "io" && r.io.string) {
    regs.rcx = r.stringRegs.rcx;
    regs[r.io.isIn ? "rdi" : "rsi"] = r.stringRegs.index;
  }
  if (kind === "hypercall") Object.assign(regs, r.hypercall);
  return {
    kind, other: r.other, length, io: r.io, msr: r.msr, cr, npf: r.npf, regs, vectoring, state, code: r.code, raw: r.raw,
  };
})));

// Up to 14 exits, of every length alike (fast-check's default favours short arrays).
export const fuzzScriptArb = fc.array(fuzzExitArb, { minLength: 1, maxLength: 14, size: "max" });
