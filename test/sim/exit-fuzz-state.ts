// Random guest states for the exit fuzzer (test/unit/exit-fuzz.test.ts),
// shared by both backends: a CPU mode with CR0/CR3/CR4/EFER, CS and RIP
// as such a guest could have them when it exits, RFLAGS, the interrupt
// shadow and NMI blocking; the page tables every paged mode runs on (the
// first 16 MiB identity-mapped, and again from 0xffffffff80000000 in long
// mode), so that linear addresses near the code are guest-physical ones;
// and the instruction bytes a case places at RIP. Every state generated
// passes the VM-entry checks (./vmcs-guest-state-check.ts, ./vmcb-state-
// check.ts): a failing entry is the core's doing, never the generator's.
import fc from "fast-check";

export type Mode = "real" | "protected" | "paged32" | "pae" | "long" | "compat";

export interface GuestState {
  mode: Mode;
  cr0: bigint;          // as the guest sees it (VMX: the fixed bits go underneath)
  cr3: bigint;
  cr4: bigint;
  efer: bigint;         // without SVME
  cs: { sel: bigint; base: bigint; limit: bigint; ar: number }; // VMX access-rights encoding
  rip: bigint;
  rflags: bigint;
  shadow: "none" | "sti" | "movss";
  nmiBlocked: boolean;
}

const bit = (n: number) => 1n << BigInt(n);
const CR0_PE = bit(0), CR0_MP = bit(1), CR0_TS = bit(3), CR0_ET = bit(4), CR0_NE = bit(5), CR0_WP = bit(16);
const CR0_AM = bit(18), CR0_NW = bit(29), CR0_CD = bit(30), CR0_PG = bit(31);
const CR4_DE = bit(3), CR4_PSE = bit(4), CR4_PAE = bit(5), CR4_PGE = bit(7), CR4_PCE = bit(8);
const CR4_OSFXSR = bit(9), CR4_OSXMMEXCPT = bit(10), CR4_TSD = bit(2);
const EFER_SCE = bit(0), EFER_LME = bit(8), EFER_LMA = bit(10), EFER_NXE = bit(11);
export const RFLAGS_IF = bit(9), RFLAGS_TF = bit(8);
// RFLAGS bits a guest may hold (SDM Vol. 1 §3.4.3): CF PF AF ZF SF TF IF DF
// OF IOPL NT RF AC VIF VIP ID; bit 1 always set; never VM (virtual-8086
// mode is left out).
const RFLAGS_FREE = [0, 2, 4, 6, 7, 9, 10, 11, 12, 13, 14, 16, 18, 19, 20, 21].map(bit);

// Guest RAM of the fuzzed VM, and where the page tables sit in it (below
// the VGA hole, above every code address a case uses).
export const RAM_BYTES = 16 << 20;
export const TABLES = 0x90000;
const PML4 = TABLES, PDPT = TABLES + 0x1000, PD = TABLES + 0x2000, PDPT_HIGH = TABLES + 0x3000;
export const PAE_PDPT = TABLES + 0x4000, PD32 = TABLES + 0x5000;
export const TABLES_END = TABLES + 0x6000;
export const HIGH_HALF = 0xffffffff80000000n;

// Identity-map guest RAM: 4-level (PML4[0] and PML4[511]/PDPT[510] for the
// high half), PAE (PDPT → the same 2 MiB PD) and 32-bit (4 MiB PSE pages).
export function writePageTables(ram: Uint8Array): void {
  const v = new DataView(ram.buffer, ram.byteOffset);
  const put = (at: number, x: bigint) => v.setBigUint64(at, x, true);
  put(PML4, BigInt(PDPT) | 3n);
  put(PML4 + 511 * 8, BigInt(PDPT_HIGH) | 3n);
  put(PDPT, BigInt(PD) | 3n);
  put(PDPT_HIGH + 510 * 8, BigInt(PD) | 3n);
  for (let i = 0; i < RAM_BYTES >> 21; i++) put(PD + i * 8, (BigInt(i) << 21n) | 0x83n);
  put(PAE_PDPT, BigInt(PD) | 1n);
  for (let i = 0; i < RAM_BYTES >> 22; i++) v.setUint32(PD32 + i * 4, (i << 22) | 0x83, true);
}

// The PDPTEs of PAE mode, as the VMCS holds them (SDM Vol. 3C §25.4.2).
export const PAE_PDPTES = [BigInt(PD) | 1n, 0n, 0n, 0n];

// Segment access rights (SDM Vol. 3C Table 25-2): a present accessed
// execute/read code segment, with G and D (32-bit) or L (64-bit).
const CS_AR_16 = 0x9b, CS_AR_32 = 0xc09b, CS_AR_64 = 0xa09b;

// Where a guest's code may be: guest-physical 0x1000-0x8ffff, RAM below
// the page tables; and addresses that are not in RAM at all.
const codeOffset = fc.integer({ min: 0x1000, max: TABLES - 0x20 });

const rip32 = fc.oneof(
  { weight: 8, arbitrary: codeOffset.map(BigInt) },
  // The last bytes below 4 GiB: the next instruction wraps to 0 (SDM Vol. 3A §5.3).
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 15 }).map((k) => 0xffffffffn - BigInt(k)) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 0xffffffffn }) },
);
const rip64 = fc.oneof(
  { weight: 6, arbitrary: codeOffset.map(BigInt) },
  { weight: 3, arbitrary: codeOffset.map((o) => HIGH_HALF + BigInt(o)) },
  // Anywhere canonical but the last bytes of the lower half.
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 0x7fffffff0000n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0xffff800000000000n, max: 0xffffffffffffffffn }) },
);

// CR0's free bits: MP, TS, WP, AM, and caching — CD alone, CD with NW, or
// neither (NW without CD is #GP, SDM Vol. 2B MOV CR).
const cr0Extra = fc.tuple(fc.subarray([CR0_MP, CR0_TS, CR0_WP, CR0_AM]), fc.constantFrom(0n, CR0_CD, CR0_CD | CR0_NW))
  .map(([bits, cache]) => bits.reduce((a, b) => a | b, cache));
// CR4 bits every profile's guest may set (its CPUID offers them).
const cr4Extra = fc.subarray([CR4_DE, CR4_PGE, CR4_PCE, CR4_OSFXSR, CR4_OSXMMEXCPT, CR4_TSD]).map((b) => b.reduce((a, x) => a | x, 0n));
const eferExtra = fc.subarray([EFER_SCE, EFER_NXE]).map((b) => b.reduce((a, x) => a | x, 0n));

interface ModeShape { cr0: bigint; cr4: bigint; efer: bigint; cr3: bigint; cs: GuestState["cs"] }

function shape(mode: Mode, realSel: bigint, lmeOff: boolean): ModeShape {
  const flat32 = { sel: 0x10n, base: 0n, limit: 0xffffffffn, ar: CS_AR_32 };
  switch (mode) {
    case "real": return { cr0: 0n, cr4: 0n, efer: lmeOff ? EFER_LME : 0n, cr3: 0n, cs: { sel: realSel, base: realSel << 4n, limit: 0xffffn, ar: CS_AR_16 } };
    case "protected": return { cr0: CR0_PE, cr4: 0n, efer: lmeOff ? EFER_LME : 0n, cr3: 0n, cs: flat32 };
    case "paged32": return { cr0: CR0_PE | CR0_PG, cr4: CR4_PSE, efer: 0n, cr3: BigInt(PD32), cs: flat32 };
    case "pae": return { cr0: CR0_PE | CR0_PG, cr4: CR4_PAE, efer: 0n, cr3: BigInt(PAE_PDPT), cs: flat32 };
    case "long": return { cr0: CR0_PE | CR0_PG, cr4: CR4_PAE, efer: EFER_LME | EFER_LMA, cr3: BigInt(PML4), cs: { ...flat32, sel: 0x08n, ar: CS_AR_64 } };
    case "compat": return { cr0: CR0_PE | CR0_PG, cr4: CR4_PAE, efer: EFER_LME | EFER_LMA, cr3: BigInt(PML4), cs: flat32 };
  }
}

export const modeArb = fc.constantFrom<Mode>("real", "protected", "paged32", "pae", "long", "long", "compat");

export const guestStateArb: fc.Arbitrary<GuestState> = modeArb.chain((mode) => fc.record({
  mode: fc.constant(mode),
  realSel: fc.constantFrom(0n, 0x7c0n, 0x1000n, 0x7000n),
  lmeOff: fc.boolean(),
  cr0: cr0Extra,
  cr4: cr4Extra,
  efer: eferExtra,
  ip: fc.integer({ min: 0x100, max: 0xfff0 }),
  rip: mode === "long" ? rip64 : rip32,
  flags: fc.subarray(RFLAGS_FREE),
  tf: fc.integer({ min: 0, max: 9 }).map((k) => k === 0), // TF rarely: a guest being single-stepped
  shadow: fc.constantFrom<GuestState["shadow"]>("none", "none", "sti", "movss"),
  nmiBlocked: fc.boolean(),
}).map((r) => {
  const s = shape(mode, r.realSel, r.lmeOff);
  let rflags = r.flags.reduce((a, b) => a | b, 2n) | (r.tf ? RFLAGS_TF : 0n);
  // Blocking by STI follows an STI, which set IF (SDM Vol. 2B STI).
  if (r.shadow === "sti") rflags |= RFLAGS_IF;
  const rip = mode === "real" ? BigInt(r.ip) : r.rip;
  return {
    mode, cr0: s.cr0 | CR0_ET | CR0_NE | r.cr0, cr3: s.cr3, cr4: s.cr4 | r.cr4, efer: s.efer | r.efer,
    cs: s.cs, rip, rflags, shadow: r.shadow, nmiBlocked: r.nmiBlocked,
  };
}));

// The guest-physical address of the code at a state's CS:RIP, if it is in
// the guest RAM a case may write (identity-mapped, clear of the tables).
export function codePhys(rip: bigint, csBase: bigint, code64: boolean, len: number): number | null {
  let lin = code64 ? rip : (csBase + rip) & 0xffffffffn;
  if (code64 && lin >= HIGH_HALF) lin -= HIGH_HALF;
  if (lin < 0x1000n || lin + BigInt(len) > BigInt(TABLES)) return null;
  return Number(lin);
}

// Instruction bytes, by what the exit is for; a legacy prefix or two in
// front sometimes (the SVM length decoder skips them).
export const prefixes = fc.oneof(
  { weight: 6, arbitrary: fc.constant<number[]>([]) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(0x66, 0x67, 0x2e, 0x3e, 0xf3, 0xf2, 0x26), { minLength: 1, maxLength: 3 }) },
);

// Instructions the MMIO decoder emulates (kernel/vm/mmio/decode.ts), with
// [rbx]/[ebx] or [rsi]/[rdi] memory operands, and some it does not.
export const mmioCode = fc.constantFrom(
  [0x8b, 0x03], [0x89, 0x03], [0x8a, 0x03], [0x88, 0x03], [0x66, 0x89, 0x03], [0x48, 0x8b, 0x03], [0x48, 0x89, 0x03],
  [0xc7, 0x03, 0x78, 0x56, 0x34, 0x12], [0xc6, 0x03, 0x5a], [0x0f, 0xb6, 0x03], [0x0f, 0xb7, 0x03], [0x0f, 0xbe, 0x03],
  [0x83, 0x0b, 0x01], [0x81, 0x23, 0xff, 0x00, 0x00, 0x00], [0x85, 0x03], [0x0f, 0xba, 0x23, 0x03], [0x87, 0x03],
  [0xa1, 0x00, 0x00, 0xc0, 0xfe], [0xa3, 0x00, 0x00, 0xc0, 0xfe], [0xab], [0xf3, 0xab], [0xa5], [0xf3, 0xa4],
  [0x8b, 0x43, 0x10], [0x8b, 0x83, 0x00, 0x01, 0x00, 0x00], [0x8b, 0x04, 0x8b],
  [0x0f, 0x0b], [0xff, 0xff], [0x00, 0x00], [0xcc],
);

// Register values: small numbers, the interesting edges, and anything.
export const gprValue = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 0xffffn }) },
  { weight: 2, arbitrary: fc.constantFrom(0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn, 0x8000000000000000n) },
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
);
export const GPRS = ["rax", "rcx", "rdx", "rbx", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"] as const;
export type Gpr = (typeof GPRS)[number];
export const gprsArb = fc.subarray([...GPRS]).chain((names) =>
  fc.tuple(...names.map(() => gprValue)).map((vals) => Object.fromEntries(names.map((n, i) => [n, vals[i]])) as Partial<Record<Gpr, bigint>>));

// Is CS a 64-bit code segment in this state?
export const code64 = (s: GuestState) => s.mode === "long";
export { CR0_PG, CR0_PE, EFER_LMA };
