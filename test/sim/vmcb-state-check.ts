// The consistency checks VMRUN makes on the VMCB (AMD APM Vol. 2 §15.5.1
// "Basic Operation": each failed check is a #VMEXIT with VMEXIT_INVALID),
// its event injection (§15.20), and a few invariants of any state a real
// guest can be in that VMRUN does not check itself but the emulator would
// run wrongly from (RIP beyond 32 bits outside 64-bit mode, RFLAGS reserved
// bits, EFER.LMA against LME and PG, an interrupt injected into a guest
// that masks it) — the same rules the VMX checker enforces
// (./vmcs-guest-state-check.ts), for a snapshot of the VMCB at a VMRUN
// (SimHal.vmruns).
import type { CpuProfile } from "./cpu-profiles.js";
import { VMCB } from "./hal.js";
import { addressBits, canonical } from "./vmcs-guest-state-check.js";

const bit = (n: number) => 1n << BigInt(n);
const mask = (hi: number, lo: number) => ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);

const CR0_PE = bit(0), CR0_NW = bit(29), CR0_CD = bit(30), CR0_PG = bit(31);
const CR4_PAE = bit(5);
// CR4 bits 63:32 are reserved (APM Vol. 2 §3.1.3), as are 15 and 31:25.
const CR4_MBZ = mask(63, 32) | mask(31, 25) | bit(15);
const EFER_LME = bit(8), EFER_LMA = bit(10), EFER_SVME = bit(12);
// EFER (APM Vol. 2 §3.1.7): SCE 0, LME 8, LMA 10, NXE 11, SVME 12, LMSLE
// 13, FFXSR 14, TCE 15, MCOMMIT 17, INTWB 18, UAIE 20, AIBRSE 21; the rest MBZ.
const EFER_MBZ = mask(7, 1) | bit(9) | bit(16) | bit(19) | mask(63, 22);
const RFLAGS_IF = bit(9);
const RFLAGS_RESERVED = mask(63, 22) | bit(15) | bit(5) | bit(3);
// Packed segment attributes (§15.5.1): L is bit 9, D/B bit 10.
const ATTRIB_L = 1 << 9, ATTRIB_D = 1 << 10;
const MISC2_VMRUN = 1;
// EVENTINJ (§15.20): vector 7:0, type 10:8, EV 11, V 31, error code 63:32.
const EVENT_INTR = 0, EVENT_NMI = 2, EVENT_EXCEPTION = 3, EVENT_SOFT_INT = 4;
const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);

export function vmrunViolations(vmcb: Uint8Array, cpu: CpuProfile): string[] {
  const bad: string[] = [];
  const fail = (why: string) => bad.push(why);
  const v = new DataView(vmcb.buffer, vmcb.byteOffset, vmcb.byteLength);
  const q = (off: number) => v.getBigUint64(off, true);
  const { phys, linear } = addressBits(cpu);
  const cr0 = q(VMCB.CR0), cr3 = q(VMCB.CR3), cr4 = q(VMCB.CR4), efer = q(VMCB.EFER);
  const rflags = q(VMCB.RFLAGS), rip = q(VMCB.RIP);
  const csAttrib = v.getUint16(VMCB.SEG_CS + VMCB.SEG_ATTRIB, true);
  const lme = (efer & EFER_LME) !== 0n, lma = (efer & EFER_LMA) !== 0n, pg = (cr0 & CR0_PG) !== 0n;
  const pae = (cr4 & CR4_PAE) !== 0n;

  // §15.5.1, in the APM's order.
  if ((efer & EFER_SVME) === 0n) fail("EFER.SVME clear");
  if ((cr0 & CR0_CD) === 0n && (cr0 & CR0_NW) !== 0n) fail("CR0.CD clear with CR0.NW set");
  if ((cr0 >> 32n) !== 0n) fail(`CR0 0x${cr0.toString(16)}: bits 63:32 set`);
  if ((cr3 >> BigInt(lma ? phys : 52)) !== 0n) fail(`CR3 0x${cr3.toString(16)}: MBZ bits set`);
  if ((cr4 & CR4_MBZ) !== 0n) fail(`CR4 0x${cr4.toString(16)}: MBZ bits set`);
  if ((q(VMCB.DR6) >> 32n) !== 0n) fail("DR6 bits 63:32 set");
  if ((q(VMCB.DR7) >> 32n) !== 0n) fail("DR7 bits 63:32 set");
  if ((efer & EFER_MBZ) !== 0n) fail(`EFER 0x${efer.toString(16)}: MBZ bits set`);
  if (lme && pg && !pae) fail("EFER.LME and CR0.PG set with CR4.PAE clear");
  if (lme && pg && (cr0 & CR0_PE) === 0n) fail("EFER.LME and CR0.PG set with CR0.PE clear");
  if (lme && pg && pae && (csAttrib & ATTRIB_L) !== 0 && (csAttrib & ATTRIB_D) !== 0) fail("EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D all set");
  if ((v.getUint32(VMCB.INTERCEPT_MISC2, true) & MISC2_VMRUN) === 0) fail("the VMRUN intercept is clear");
  if (v.getUint32(VMCB.GUEST_ASID, true) === 0) fail("ASID 0");

  // The invariants of a state a guest can be in.
  if (pg && (cr0 & CR0_PE) === 0n) fail("CR0.PG set with CR0.PE clear");
  if (lma !== (lme && pg)) fail(`EFER.LMA ${lma ? 1 : 0} with EFER.LME ${lme ? 1 : 0} and CR0.PG ${pg ? 1 : 0}`);
  const code64 = lma && (csAttrib & ATTRIB_L) !== 0;
  if (!code64 && (rip >> 32n) !== 0n) fail(`RIP 0x${rip.toString(16)} has bits 63:32 set outside 64-bit mode`);
  if (code64 && !canonical(rip, linear)) fail(`RIP 0x${rip.toString(16)} not canonical`);
  if ((rflags & RFLAGS_RESERVED) !== 0n || (rflags & 2n) === 0n) fail(`RFLAGS 0x${rflags.toString(16)}: reserved bits`);

  // §15.20: EVENTINJ.
  const inj = q(VMCB.EVENTINJ);
  if ((inj & bit(31)) !== 0n) {
    const vector = Number(inj & 0xffn), type = Number((inj >> 8n) & 7n), ev = (inj & bit(11)) !== 0n;
    const what = `EVENTINJ 0x${inj.toString(16)}`;
    if (![EVENT_INTR, EVENT_NMI, EVENT_EXCEPTION, EVENT_SOFT_INT].includes(type)) fail(`${what}: reserved type ${type}`);
    if ((inj & mask(30, 12)) !== 0n) fail(`${what}: reserved bits`);
    if (type === EVENT_EXCEPTION && (vector === 2 || vector > 31)) fail(`${what}: an exception with vector ${vector}`);
    // An error code goes only with an exception that has one, and not in
    // real mode, which pushes none (as VMX requires, SDM Vol. 3C §27.2.1.3).
    const wantEv = type === EVENT_EXCEPTION && ERROR_CODE_VECTORS.has(vector) && (cr0 & CR0_PE) !== 0n;
    if (ev !== wantEv) fail(`${what}: EV ${ev ? 1 : 0} where it must be ${wantEv ? 1 : 0}`);
    const shadow = (q(VMCB.INTERRUPT_SHADOW) & 1n) !== 0n;
    if (type === EVENT_INTR && ((rflags & RFLAGS_IF) === 0n || shadow)) fail(`${what}: an external interrupt with RFLAGS.IF clear or in a shadow`);
  }
  return bad;
}
