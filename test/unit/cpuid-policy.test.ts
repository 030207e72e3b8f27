// The guest's CPUID view (kernel/vm/cpuid-policy.ts), checked through the
// real exit path on every captured CPU: each simulated CPU boots the core,
// the guest's CPUID exits are scripted over every leaf and subleaf the CPU
// has and some it lacks, and what the guest saw is checked against the
// rule: a bit the guest sees is set in the host's leaf and allowed by the
// whitelist below (restated from the manuals, not taken from the core), or
// it is one of the values tsvisor synthesizes; a feature that needs a
// backend control appears exactly when the backend enabled it. The local
// APIC is tsvisor's own model: APIC, x2APIC, TSC-deadline and ARAT are
// offered whatever the host has.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import * as cpus from "../sim/cpu-profiles.js";
import type { CpuProfile } from "../sim/cpu-profiles.js";
import { SimExit, SimHal, SvmSimExit, VMCS, VMCB } from "../sim/hal.js";
import { runGuest, R, powerOff as vmxPowerOff } from "../sim/scripted-vmx.js";
import { runSvmGuest, X, powerOff as svmPowerOff } from "../sim/scripted-svm.js";

type Regs = readonly [number, number, number, number];
type Query = { leaf: number; sub: number; cr4: bigint };
interface Seen { q: Query; guest: Regs }
// What the backend enabled for the guest, read back from what the core wrote.
interface Enabled { xsave: boolean; rdtscp: boolean; invpcid: boolean; xsaves: boolean }

const bit = (n: number) => (1 << n) >>> 0;
const bits = (...ns: number[]) => ns.reduce((m, n) => (m | bit(n)) >>> 0, 0);
const has = (v: number, n: number) => (v & bit(n)) !== 0;
const hex = (n: number) => "0x" + (n >>> 0).toString(16);
const ALL = 0xffffffff;
const CR4_OSXSAVE = 1n << 18n;
const GUEST_CR4_RESET = 0n; // what the guest's CR4 holds until it writes it (as the core sets it up)
// The simulated TSC runs at 2 GHz and the core calibrates it against the
// simulated PIT (test/sim/hal.ts): within a port read's grain of 2,000,000 kHz.
const tscKhzOk = (khz: number) => khz >= 2_000_000 && khz <= 2_000_200;

// The host's answer, as the simulated CPU gives it (test/sim/hal.ts).
function host(p: CpuProfile, leaf: number, sub: number): Regs {
  return p.cpuid[`${hex(leaf)}:${sub}`] ?? p.cpuid[hex(leaf)] ?? [0, 0, 0, 0];
}
const hostMaxBasic = (p: CpuProfile) => host(p, 0, 0)[0] >>> 0;
const isIntel = (p: CpuProfile) => host(p, 0, 0)[1] === 0x756e6547; // "Genu"ineIntel
const hostMaxExt = (p: CpuProfile) => host(p, 0x80000000, 0)[0] >>> 0;

// The whitelist: per leaf, the host bits the guest may see, by register
// (SDM Vol. 2A CPUID; APM Vol. 3 Appendix E). null: the leaf reads 0.
function allowed(leaf: number, sub: number, e: Enabled): Regs | null {
  const ifX = (m: number) => (e.xsave ? m : 0);
  switch (leaf) {
    case 0x0: return [0, ALL, ALL, ALL]; // vendor string; EAX synthesized
    case 0x1: return [
      ALL, 0xffff,
      // SSE3 PCLMULQDQ SSSE3 CX16 PCID SSE4.1 SSE4.2 MOVBE POPCNT AES RDRAND | FMA XSAVE AVX F16C
      bits(0, 1, 9, 13, 17, 19, 20, 22, 23, 25, 30) | ifX(bits(12, 26, 28, 29)),
      // FPU VME DE PSE TSC MSR PAE CX8 SEP PGE CMOV PAT PSE36 CLFSH MMX FXSR SSE SSE2 SS (APIC: synthesized)
      bits(0, 1, 2, 3, 4, 5, 6, 8, 11, 13, 15, 16, 17, 19, 23, 24, 25, 26, 27),
    ];
    case 0x6: return [0, 0, 0, 0]; // no host bits; ARAT synthesized
    case 0x2: return [ALL, ALL, ALL, ALL];
    case 0x4: return [0x3fff, ALL, ALL, ALL];
    case 0x7: return sub !== 0 ? null : [
      0,
      // FSGSBASE BMI1 FDP SMEP BMI2 ERMS FCS/FDS RDSEED ADX SMAP CLFLUSHOPT CLWB SHA | AVX2 | INVPCID
      bits(0, 3, 6, 7, 8, 9, 13, 18, 19, 20, 23, 24, 29) | ifX(bit(5)) | (e.invpcid ? bit(10) : 0),
      // PREFETCHWT1 UMIP GFNI CLDEMOTE MOVDIRI MOVDIR64B | VAES VPCLMULQDQ | RDPID
      bits(0, 2, 8, 25, 27, 28) | ifX(bits(9, 10)) | (e.rdtscp ? bit(22) : 0),
      bits(4, 10, 14), // FSRM MD_CLEAR SERIALIZE
    ];
    case 0xd:
      if (!e.xsave) return null;
      if (sub === 0) return [bits(0, 1, 2), 0, 0, 0]; // x87 SSE AVX; EBX/ECX synthesized
      // XSAVEOPT XSAVEC XGETBV1, and XSAVES where the backend cannot hide it (SVM); EBX synthesized
      if (sub === 1) return [bits(0, 1, 2) | (e.xsaves ? bit(3) : 0), 0, 0, 0];
      if (sub === 2) return [ALL, ALL, bit(1), 0];    // AVX: size, offset, alignment
      return null;
    case 0x80000000: return [0, ALL, ALL, ALL];
    case 0x80000001: return [
      ALL, ALL,
      bits(0, 5, 6, 7, 8, 21) | ifX(bits(11, 16)), // LAHF LZCNT SSE4A MisAlignSse PREFETCHW TBM | XOP FMA4
      // leaf 1's copies, SYSCALL NX MmxExt 1G LM 3DNowExt 3DNow | RDTSCP
      bits(0, 1, 2, 3, 4, 5, 6, 8, 9, 11, 13, 15, 16, 17, 20, 22, 23, 24, 26, 29, 30, 31) | (e.rdtscp ? bit(27) : 0),
    ];
    case 0x80000002: case 0x80000003: case 0x80000004: case 0x80000005: case 0x80000006:
      return [ALL, ALL, ALL, ALL];
    case 0x80000007: return [0, 0, 0, bit(8)]; // invariant TSC
    case 0x80000008: return [0xffff, bits(0, 2), 0, 0]; // address sizes; CLZERO RstrFpErrPtrs
    default: return null;
  }
}

// Fields tsvisor writes itself, left out of the subset rule and checked here.
function synthesized(p: CpuProfile, s: Seen, e: Enabled): Regs {
  const { leaf, sub, cr4 } = s.q;
  const [a, b, c, d] = s.guest;
  const where = `${p.name}: leaf ${hex(leaf)}.${sub}`;
  if (leaf === 0) {
    // Intel: up to 16H, which tell the TSC's rate (kernel/vm/cpuid-policy.ts timingLeaf).
    const clamped = Math.min(hostMaxBasic(p), 0xd);
    expect(a, `${where} EAX: the max basic leaf, clamped to the table`).toBe(isIntel(p) ? Math.max(clamped, 0x16) : clamped);
    return [ALL, 0, 0, 0];
  }
  if (leaf === 1) {
    expect(b >>> 16, `${where} EBX[31:16]: APIC ID 0, one logical processor`).toBe(0x0001);
    expect(has(c, 31), `${where} ECX: the hypervisor bit`).toBe(true);
    expect(has(c, 27), `${where} ECX: OSXSAVE follows the guest's CR4`).toBe(e.xsave && (cr4 & CR4_OSXSAVE) !== 0n);
    // The local APIC model (SDM Table 3-10, 3-11): x2APIC (21), TSC-deadline (24); APIC (EDX 9).
    expect(has(c, 21) && has(c, 24), `${where} ECX: x2APIC and TSC-deadline`).toBe(true);
    expect(has(d, 9), `${where} EDX: APIC`).toBe(true);
    return [0, 0xffff0000, bits(21, 24, 27, 31), bit(9)];
  }
  if (leaf === 6) {
    expect(a, `${where} EAX: ARAT (bit 2) only`).toBe(bit(2));
    return [bit(2), 0, 0, 0];
  }
  if (leaf === 0xd && e.xsave && sub <= 1) {
    const components = host(p, 0xd, 0)[0] & bits(0, 1, 2);
    const avx = host(p, 0xd, 2);
    const all = Math.max(576, has(components, 2) ? avx[0] + avx[1] : 0);
    if (sub === 0) {
      expect(c, `${where} ECX: the size for x87, SSE and AVX`).toBe(all);
      expect(b >= 576 && b <= all, `${where} EBX ${hex(b)} within 576..${hex(all)}`).toBe(true);
    } else {
      expect(b <= all, `${where} EBX ${hex(b)} within ${hex(all)}`).toBe(true);
    }
    return [0, ALL, sub === 0 ? ALL : 0, 0];
  }
  if (leaf === 0x80000000) {
    expect(a, `${where} EAX: the max extended leaf, clamped to the table`).toBe(Math.min(hostMaxExt(p), 0x80000008));
    return [ALL, 0, 0, 0];
  }
  if (leaf === 0x80000008) {
    expect((a >> 8) & 0xff, `${where} EAX[15:8]: linear-address bits of a 4-level walk`).toBe(Math.min((host(p, leaf, sub)[0] >> 8) & 0xff, 48));
    return [0xff00, 0, 0, 0];
  }
  return [0, 0, 0, 0];
}

function checkRule(p: CpuProfile, seen: Seen[], e: Enabled): void {
  for (const s of seen) {
    const { leaf, sub } = s.q;
    const where = `${p.name}: leaf ${hex(leaf)}.${sub}`;
    const g = s.guest;
    if (leaf >= 0x40000000 && leaf <= 0x4fffffff) {
      if (leaf === 0x40000001) {
        expect(tscKhzOk(g[0]), `${where}: TSC kHz ${g[0]}`).toBe(true);
        // EBX: the local APIC timer's clock, the TSC's / 8 (drivers/lapic/lapic-timer.ts).
        expect(g[1], `${where}: APIC timer kHz`).toBe(Math.floor(g[0] / 8));
        expect(g.slice(2), `${where}: tsvisor's leaves`).toEqual([0, 0]);
        continue;
      }
      const want: Regs = leaf === 0x40000000 ? [0x40000001, 0x69767374, 0x54726f73, 0x00495653] : [0, 0, 0, 0];
      expect(g, `${where}: tsvisor's leaves`).toEqual(want);
      continue;
    }
    if ((leaf === 0x15 || leaf === 0x16) && isIntel(p)) {
      // The TSC's rate, told: 15H TSC = crystal × 8 / 1 with the crystal the APIC
      // timer's clock (leaf 40000001H EBX); 16H base = max = TSC MHz, bus = crystal MHz.
      const hv = seen.find((x) => x.q.leaf === 0x40000001)!.guest;
      const want = leaf === 0x15 ? [1, 8, hv[1] * 1000, 0] : [Math.floor(hv[0] / 1000), Math.floor(hv[0] / 1000), Math.floor(hv[1] / 1000), 0];
      expect(g, `${where}: the TSC's rate`).toEqual(want);
      continue;
    }
    const inHost = leaf <= hostMaxBasic(p) || (leaf >= 0x80000000 && leaf <= hostMaxExt(p));
    const a = inHost ? allowed(leaf, sub, e) : null;
    if (a === null) {
      expect(g, `${where}: not in the table (or not in the host), reads 0`).toEqual([0, 0, 0, 0]);
      continue;
    }
    const h = host(p, leaf, sub);
    const synth = synthesized(p, s, e);
    for (let r = 0; r < 4; r++) {
      const stray = (g[r] & ~synth[r] & ~(h[r] & a[r])) >>> 0;
      expect(stray, `${where} ${"ABCD"[r]}: bits ${hex(stray)} neither the host's and allowed, nor synthesized`).toBe(0);
    }
    // The features that depend on the backend: present exactly when it enabled them.
    if (leaf === 1) expect(has(g[2], 26), `${where}: XSAVE`).toBe(e.xsave && has(h[2], 26));
    if (leaf === 1) expect(has(g[2], 28), `${where}: AVX`).toBe(e.xsave && has(h[2], 28));
    if (leaf === 7 && sub === 0) {
      expect(has(g[1], 10), `${where}: INVPCID`).toBe(e.invpcid && has(h[1], 10));
      expect(has(g[2], 22), `${where}: RDPID`).toBe(e.rdtscp && has(h[2], 22));
      expect(has(g[1], 5), `${where}: AVX2`).toBe(e.xsave && has(h[1], 5));
    }
    if (leaf === 0x80000001) expect(has(g[3], 27), `${where}: RDTSCP`).toBe(e.rdtscp && has(h[3], 27));
    if (leaf === 0xd && sub === 1) expect(has(g[0], 3), `${where}: XSAVES`).toBe(e.xsaves && has(h[0], 3));
  }
  // Never, whatever the host has: VMX, MONITOR, PDCM (01H ECX), HTT (01H EDX), LA57 (07H
  // ECX), SVM (80000001H ECX).
  for (const s of seen) {
    const g = s.guest;
    if (s.q.leaf === 1) expect(g[2] & bits(3, 5, 15), `${p.name}: leaf 1 ECX`).toBe(0);
    if (s.q.leaf === 1) expect(g[3] & bit(28), `${p.name}: leaf 1 EDX`).toBe(0);
    if (s.q.leaf === 7) expect(g[2] & bit(16), `${p.name}: leaf 7 ECX LA57`).toBe(0);
    if (s.q.leaf === 0x80000001) expect(g[2] & bit(2), `${p.name}: leaf 0x80000001 ECX SVM`).toBe(0);
  }
}

// Leaves no table row describes, inside and outside each range.
const ABSENT = [
  0x3, 0x5, 0x8, 0x9, 0xa, 0xb, 0xc, 0xe, 0xf, 0x10, 0x12, 0x14, 0x15, 0x16, 0x1f, 0x20,
  0x40000000, 0x40000001, 0x40000002, 0x400000ff, 0x40000100, 0x4fffffff,
  0x80000009, 0x8000000a, 0x80000019, 0x8000001d, 0x8000001e, 0x8000001f, 0x80000020, 0x80000021,
  0x20000000, 0xc0000000, 0xffffffff,
];

// Every leaf the CPU has (every subleaf up to 10 where it has subleaves), the absent
// ones, and leaf 1 again with the guest's CR4.OSXSAVE set.
function queries(p: CpuProfile): Query[] {
  const keys = new Set<string>();
  for (const k of Object.keys(p.cpuid)) {
    const [l, s] = k.split(":");
    for (let sub = 0; sub <= (s === undefined ? 1 : 10); sub++) keys.add(`${Number(l)}:${sub}`);
  }
  for (const l of ABSENT) keys.add(`${l}:0`);
  const out = [...keys].map((k) => {
    const [leaf, sub] = k.split(":").map(Number);
    return { leaf, sub, cr4: GUEST_CR4_RESET };
  });
  out.push({ leaf: 1, sub: 0, cr4: CR4_OSXSAVE });
  return out;
}

const regsOf = (r: Record<"rax" | "rbx" | "rcx" | "rdx", bigint>): Regs =>
  [Number(r.rax & 0xffffffffn), Number(r.rbx & 0xffffffffn), Number(r.rcx & 0xffffffffn), Number(r.rdx & 0xffffffffn)];

const hostXsaveOn = (hal: SimHal) => ((hal.crs.get(4) ?? 0n) & CR4_OSXSAVE) !== 0n;

function vmxRun(p: CpuProfile, qs: Query[]) {
  const exits: SimExit[] = qs.map((q) => ({
    reason: R.CPUID, instructionLength: 2, regs: { rax: BigInt(q.leaf), rcx: BigInt(q.sub) },
    fields: { [VMCS.GUEST_CR4]: q.cr4 | (1n << 13n) }, // the real CR4 keeps VMXE; the guest's bits are its own
  }));
  const r = runGuest([...exits, vmxPowerOff], p);
  const seen = qs.map((q, i) => ({ q, guest: regsOf(r.hal.entries[i + 1].regs) }));
  const proc = r.hal.entries[0].vmcs.get(VMCS.PROC_BASED)!;
  const proc2 = (proc & (1n << 31n)) !== 0n ? r.hal.entries[0].vmcs.get(VMCS.PROC_BASED2)! : 0n;
  // XSAVES never: "enable XSAVES/XRSTORS" stays off.
  const enabled: Enabled = {
    xsave: hostXsaveOn(r.hal), rdtscp: (proc2 & (1n << 3n)) !== 0n, invpcid: (proc2 & (1n << 12n)) !== 0n, xsaves: false,
  };
  return { r, seen, enabled };
}

function svmRun(p: CpuProfile, qs: Query[]) {
  const exits: SvmSimExit[] = qs.map((q, i) => ({
    code: X.CPUID, rax: BigInt(q.leaf), regs: { rcx: BigInt(q.sub) }, nrip: 0x7c00n + 2n * BigInt(i + 1),
    save: { [VMCB.CR4]: q.cr4 },
  }));
  const code = qs.flatMap(() => [0x0f, 0xa2]); // CPUID, for a CPU without NRIP save to decode
  const r = runSvmGuest(p, [...exits, svmPowerOff], code);
  const seen = qs.map((q, i) => ({ q, guest: regsOf(r.hal.vmruns[i + 1].regs) }));
  // Nothing intercepts RDTSCP, RDPID or INVPCID, and nothing can intercept
  // XSAVES (with XSAVE on): they run where the host has them.
  const xsave = hostXsaveOn(r.hal);
  const enabled: Enabled = {
    xsave, rdtscp: has(host(p, 0x80000001, 0)[3], 27), invpcid: has(host(p, 7, 0)[1], 10), xsaves: xsave && has(host(p, 0xd, 1)[0], 3),
  };
  return { r, seen, enabled };
}

const runOn = (p: CpuProfile, qs: Query[] = queries(p)) => (isIntel(p) ? vmxRun(p, qs) : svmRun(p, qs));

const profiles = Object.entries(cpus).filter(([, v]) => typeof v === "object" && v !== null && "cpuid" in v) as [string, CpuProfile][];
// The ones that cannot run a guest, and say so (test/unit/virt-report.test.ts has why).
const REFUSED = ["skylakeVmxLockedOff", "merom", "epycSvmDisabled", "qemu64Plain", "qemu64NoSvm"];

describe("the rule, on every CPU profile", () => {
  it.each(profiles.filter(([n]) => !REFUSED.includes(n)))("%s", (_n, p) => {
    const { r, seen, enabled } = runOn(p);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    checkRule(p, seen, enabled);
  });

  it.each(profiles.filter(([n]) => REFUSED.includes(n)))("%s: the VM is refused, so no guest ever asks", (_n, p) => {
    const r = isIntel(p) ? runGuest([vmxPowerOff], p) : runSvmGuest(p, [svmPowerOff]);
    expect(r.hal.entries).toEqual([]);
    expect(r.hal.vmruns).toEqual([]);
    expect(r.poweredOff).toBe("failure");
  });
});

// The VMX capability MSRs of six Intel models as Bochs reports them (as in
// vmx-controls.test.ts), with Skylake-X's CPUID: where a model's secondary
// controls lack "enable INVPCID" (Sandy Bridge), the host has INVPCID but
// the guest must not see it.
function fixture(model: string): CpuProfile {
  const text = fs.readFileSync(path.resolve(__dirname, `../fixtures/vmxcaps-bochs-${model}.txt`), "utf8");
  const msrs: Record<number, bigint> = { 0x3a: 0x5n, 0xc0000080: 0x500n };
  for (const line of text.trim().split("\n")) {
    const [msr, value] = line.split(" ");
    msrs[Number(msr)] = BigInt(value);
  }
  return { name: `${model} (Skylake-X CPUID)`, cpuid: cpus.skylakeX.cpuid, msrs };
}

describe("the rule, on each captured VMX model", () => {
  it.each(["corei7_sandy_bridge_2600k", "corei7_haswell_4770", "corei7_skylake_x", "tigerlake"])("%s", (model) => {
    const p = fixture(model);
    const { r, seen, enabled } = vmxRun(p, queries(p));
    const allowed1 = p.msrs[0x48b] >> 32n;
    expect(enabled.rdtscp).toBe((allowed1 & (1n << 3n)) !== 0n);
    expect(enabled.invpcid).toBe((allowed1 & (1n << 12n)) !== 0n);
    expect(r.lines.some((l) => l.includes("lack wanted bits"))).toBe(false);
    checkRule(p, seen, enabled);
  });

  it.each(["core2_penryn_t9600", "corei5_lynnfield_750"])("%s: no EPT or no unrestricted guest, so the VM is refused", (model) => {
    const r = runGuest([vmxPowerOff], fixture(model));
    expect(r.hal.entries).toEqual([]);
    expect(r.poweredOff).toBe("failure");
  });

  it("a CPU whose secondary controls offer neither RDTSCP nor INVPCID: both hidden, neither reported missing", () => {
    const p: CpuProfile = { ...cpus.skylakeX, name: "Skylake-X without the RDTSCP/INVPCID controls",
      msrs: { ...cpus.skylakeX.msrs, 0x48b: cpus.skylakeX.msrs[0x48b] & ~(0x1008n << 32n) } };
    const { r, seen, enabled } = vmxRun(p, queries(p));
    expect(enabled).toEqual({ xsave: true, rdtscp: false, invpcid: false, xsaves: false });
    expect(r.lines.some((l) => l.includes("lack wanted bits"))).toBe(false);
    checkRule(p, seen, enabled);
    const at = (leaf: number) => seen.find((s) => s.q.leaf === leaf && s.q.sub === 0)!.guest;
    expect(at(0x80000001)[3]).toBe(0x24100800); // SYSCALL NX 1G LM, no RDTSCP
    expect(at(7)[1]).toBe(0x019c23e9);         // as Skylake-X below, without INVPCID
    expect(at(7)[2]).toBe(0);                  // no RDPID (Skylake-X has none anyway)
  });
});

// Known-good views, worked out by hand from the table in
// kernel/vm/cpuid-policy.ts and the host values in test/sim/cpu-profiles.ts.
describe("spot checks", () => {
  const view = (p: CpuProfile, leaf: number, sub = 0, cr4 = GUEST_CR4_RESET) => runOn(p, [{ leaf, sub, cr4 }]).seen[0].guest;

  it("Skylake-X leaf 1: family/model/stepping; one processor; ECX and EDX filtered", () => {
    // EBX 0x02100800: APIC ID 2 and 16 logical processors become 0 and 1.
    // ECX 0x7ffefbbf: keeps SSE3 PCLMULQDQ SSSE3 FMA CX16 PCID SSE4.1 SSE4.2 MOVBE POPCNT AES
    //   XSAVE AVX F16C RDRAND (0x76da3203), adds the hypervisor bit (0x80000000) and the
    //   local APIC model's x2APIC and TSC-deadline (0x01200000); drops DTES64 MONITOR
    //   DS-CPL VMX EIST TM2 SDBG xTPR PDCM DCA, and OSXSAVE (the guest's CR4 has none yet).
    // EDX 0xbfebfbff: drops MCE MTRR MCA DS ACPI HTT TM PBE (0xb0605080); APIC (0x200) is the model's.
    expect(view(cpus.skylakeX, 1)).toEqual([0x00050654, 0x00010800, 0xf7fa3203, 0x0f8bab7f]);
    expect(view(cpus.skylakeX, 1, 0, CR4_OSXSAVE)[2]).toBe(0xfffa3203);
  });

  it("Skylake-X leaves 0, 4, 7 and 0DH", () => {
    expect(view(cpus.skylakeX, 0)[0]).toBe(0x16); // 0EH-14H are not described; 15H and 16H tell the TSC's rate
    expect(view(cpus.skylakeX, 4, 3)).toEqual([0x00000163, 0x0280003f, 0x00002fff, 0x4]); // L3, no sharing counts
    // EBX 0xd39ffffb keeps FSGSBASE BMI1 AVX2 FDP SMEP BMI2 ERMS INVPCID FCS/FDS RDSEED ADX SMAP
    // CLFLUSHOPT CLWB; ECX drops PKU; EDX keeps MD_CLEAR only.
    expect(view(cpus.skylakeX, 7)).toEqual([0, 0x019c27e9, 0, 0x00000400]);
    expect(view(cpus.skylakeX, 7, 1)).toEqual([0, 0, 0, 0]);
    // XCR0 x87|SSE|AVX of 0x2ff; sizes 576 + 256; the host's EBX (0xa80) clamped to them.
    expect(view(cpus.skylakeX, 0xd, 0)).toEqual([0x7, 0x340, 0x340, 0]);
    expect(view(cpus.skylakeX, 0xd, 1)).toEqual([0x7, 0x340, 0, 0]); // no XSAVES, no XSS (0x100)
    expect(view(cpus.skylakeX, 0xd, 2)).toEqual([0x100, 0x240, 0, 0]);
    for (const sub of [3, 5, 6, 7, 8, 9]) expect(view(cpus.skylakeX, 0xd, sub)).toEqual([0, 0, 0, 0]);
    for (const leaf of [5, 0xa, 0xb, 0x14]) expect(view(cpus.skylakeX, leaf)).toEqual([0, 0, 0, 0]);
    const [base, , bus] = view(cpus.skylakeX, 0x16);
    const crystal = view(cpus.skylakeX, 0x15);
    expect([crystal[0], crystal[1], crystal[3]]).toEqual([1, 8, 0]);
    expect(Math.floor(crystal[2] / 1e6)).toBe(bus); // Hz in 15H, MHz in 16H
    expect(base).toBe(2000); // MHz: the simulated TSC runs at 2 GHz
    // 06H: ARAT only (the host's 0x77 of turbo, HWP, PLN... is thermal and power management).
    expect(view(cpus.skylakeX, 6)).toEqual([0x4, 0, 0, 0]);
  });

  it("Skylake-X extended leaves", () => {
    expect(view(cpus.skylakeX, 0x80000000)).toEqual([0x80000008, 0, 0, 0]);
    expect(view(cpus.skylakeX, 0x80000001)).toEqual([0, 0, 0x121, 0x2c100800]); // RDTSCP enabled
    expect(view(cpus.skylakeX, 0x80000007)).toEqual([0, 0, 0, 0x100]);
    expect(view(cpus.skylakeX, 0x80000008)).toEqual([0x302e, 0, 0, 0]);
  });

  it("Ice Lake-SP: LA57 hidden and 48 linear-address bits; RDPID, VAES, VPCLMULQDQ, GFNI, UMIP kept", () => {
    expect(view(cpus.iceLakeSp, 0x80000008)).toEqual([0x3034, 0, 0, 0]); // 52/57 → 52/48; WBNOINVD dropped
    // EBX 0xf3bfbfff: Skylake-X's kept bits plus SHA; ECX 0x40417f5e: UMIP GFNI VAES VPCLMULQDQ
    // RDPID of it (not the AVX-512 ones, PKU, OSPKE, LA57, SGX_LC); EDX: FSRM MD_CLEAR.
    expect(view(cpus.iceLakeSp, 7)).toEqual([0, 0x219c27e9, 0x00400704, 0x00000410]);
  });

  it("EPYC 7702: leaf 1 and AMD's extended leaves", () => {
    expect(view(cpus.epycRome, 1)).toEqual([0x00830f10, 0x00010800, 0xf7f83203, 0x078bab7f]);
    expect(view(cpus.epycRome, 0x80000000)).toEqual([0x80000008, 0x68747541, 0x444d4163, 0x69746e65]);
    // ECX 0x75c237ff keeps LAHF ABM SSE4A MisAlignSse PREFETCHW only; EDX drops MCE MTRR MCA FFXSR.
    expect(view(cpus.epycRome, 0x80000001)).toEqual([0x00830f10, 0x40000000, 0x000001e1, 0x2dd3ab7f]);
    expect(view(cpus.epycRome, 0x80000007)).toEqual([0, 0, 0, 0x100]);
    expect(view(cpus.epycRome, 0x80000008)).toEqual([0x3030, 0x5, 0, 0]); // CLZERO RstrFpErrPtrs; no core count
    for (const leaf of [0x8000000a, 0x80000019, 0x8000001d, 0x8000001e, 0x8000001f]) {
      expect(view(cpus.epycRome, leaf)).toEqual([0, 0, 0, 0]);
    }
  });

  it("QEMU TCG with +xsave: tsvisor leaves XSAVE off there, so the guest sees no XSAVE and no leaf 0DH", () => {
    expect(view(cpus.qemuTcgSvmXsave, 1)[2]).toBe(0x81a02001); // SSE3 CX16 POPCNT + hypervisor, x2APIC, TSC-deadline; no XSAVE
    expect(view(cpus.qemuTcgSvmXsave, 0xd, 0)).toEqual([0, 0, 0, 0]);
  });
});

describe("XSETBV follows the policy's XCR0 components", () => {
  const xsetbv = (xcr0: bigint): SimExit => ({ reason: R.XSETBV, instructionLength: 3, regs: { rcx: 0n, rax: xcr0 & 0xffffffffn, rdx: xcr0 >> 32n } });

  it("x87|SSE|AVX is loaded", () => {
    const { hal } = runGuest([xsetbv(7n), vmxPowerOff]);
    expect(hal.xcr.get(0)).toBe(7n);
  });

  it.each([["AVX-512 opmask", 0xe7n], ["PKRU", 0x207n]])("%s, which the host supports but the guest is not offered, raises #GP", (_n, v) => {
    const { hal } = runGuest([xsetbv(v), vmxPowerOff]);
    expect(hal.xcr.get(0)).toBe(1n);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x8000030dn);
  });

  it("where tsvisor leaves XSAVE off (QEMU TCG), XSETBV raises #UD", () => {
    const r = runSvmGuest(cpus.qemuTcgSvmXsave, [{ code: X.XSETBV, rax: 3n, regs: { rcx: 0n, rdx: 0n } }, svmPowerOff], [0x0f, 0x01, 0xd1]);
    expect(new DataView(r.hal.vmruns[1].vmcb.buffer).getBigUint64(VMCB.EVENTINJ, true)).toBe(0x80000306n);
  });
});
