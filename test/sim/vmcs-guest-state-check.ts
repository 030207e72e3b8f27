// The checks a VM entry makes on the guest state (Intel SDM Vol. 3C §27.3.1
// "Checks on the Guest State Area") and on the event it injects (§27.2.1.3
// "Checks on VM-Entry Control Fields"), on a snapshot of the simulated VMCS
// (SimHal.entries), against the capability MSRs of the CPU profile. A real
// CPU refuses an entry that fails one with exit reason 33 (invalid guest
// state) or VMfailValid; the simulator enters anyway, so the tests ask this.
// The main checks, not all: segment bases and limits beyond CS/SS/TR, the
// descriptor tables, SMM and the VMCS-shadowing cases are left out.
import type { CpuProfile } from "./cpu-profiles.js";
import { VMCS } from "./hal.js";

const bit = (n: number) => 1n << BigInt(n);
const mask = (hi: number, lo: number) => ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);

// Capability MSRs (SDM Vol. 3D Appendix A).
const IA32_VMX_MISC = 0x485;
const IA32_VMX_CR0_FIXED0 = 0x486, IA32_VMX_CR0_FIXED1 = 0x487;
const IA32_VMX_CR4_FIXED0 = 0x488, IA32_VMX_CR4_FIXED1 = 0x489;
const CR0_PE = bit(0), CR0_PG = bit(31), CR0_WP = bit(16);
const CR4_PAE = bit(5), CR4_PCIDE = bit(17), CR4_CET = bit(23);
const EFER_LME = bit(8), EFER_LMA = bit(10);
const EFER_DEFINED = bit(0) | EFER_LME | EFER_LMA | bit(11); // SCE LME LMA NXE (SDM Vol. 3A Table 2-1)
const RFLAGS_TF = bit(8), RFLAGS_IF = bit(9), RFLAGS_VM = bit(17);
const RFLAGS_RESERVED = mask(63, 22) | bit(15) | bit(5) | bit(3);
// Controls (SDM Vol. 3C §25.6-25.8).
const PIN_VIRTUAL_NMIS = bit(5);
const PROC_ACTIVATE_SECONDARY = bit(31);
const PROC2_EPT = bit(1), PROC2_UNRESTRICTED_GUEST = bit(7);
const ENTRY_LOAD_DEBUG_CONTROLS = bit(2), ENTRY_IA32E_MODE_GUEST = bit(9), ENTRY_LOAD_IA32_EFER = bit(15);
// Segment access rights (SDM Vol. 3C Table 25-2).
const AR_S = 1 << 4, AR_P = 1 << 7, AR_L = 1 << 13, AR_DB = 1 << 14, AR_G = 1 << 15, AR_UNUSABLE = 1 << 16;
const SEG_CS = 1, SEG_SS = 2, SEG_LDTR = 6, SEG_TR = 7;
// Interruption types (Table 25-17) and the exceptions that push an error code.
const EXTERNAL = 0, NMI = 2, HW_EXCEPTION = 3, SW_INTERRUPT = 4, PRIV_SW_EXCEPTION = 5, SW_EXCEPTION = 6, OTHER = 7;
const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17]);
// Interruptibility state (Table 25-3) and activity states (§25.4.2).
const BLOCK_STI = 1n, BLOCK_MOV_SS = 2n, BLOCK_SMI = 4n, BLOCK_NMI = 8n;
const ACTIVE = 0n, HLT = 1n;
const PENDING_BS = bit(14);
const PENDING_DBG_RESERVED = mask(11, 4) | bit(13) | bit(15) | mask(63, 17);
const DEBUGCTL_BTF = bit(1);
const DEBUGCTL_RESERVED = mask(5, 2) | mask(63, 16);

function profileMsr(cpu: CpuProfile, msr: number): bigint {
  return cpu.msrs[msr] ?? 0n;
}

// CPUID 80000008H: EAX[7:0] physical, EAX[15:8] linear address bits.
export function addressBits(cpu: CpuProfile): { phys: number; linear: number } {
  const eax = cpu.cpuid["0x80000008"]?.[0] ?? 0;
  return { phys: (eax & 0xff) || 36, linear: ((eax >> 8) & 0xff) || 48 };
}

export function canonical(v: bigint, bits: number): boolean {
  const top = BigInt.asUintN(64, v) >> BigInt(bits - 1);
  return top === 0n || top === (1n << BigInt(65 - bits)) - 1n;
}

// Every rule the entry breaks, in words (empty: the CPU would enter).
export function vmxEntryViolations(vmcs: Map<number, bigint>, cpu: CpuProfile): string[] {
  const bad: string[] = [];
  const f = (field: number) => vmcs.get(field) ?? 0n;
  const fail = (why: string) => bad.push(why);
  const { phys, linear } = addressBits(cpu);
  const pin = f(VMCS.PIN_BASED), proc = f(VMCS.PROC_BASED);
  const proc2 = (proc & PROC_ACTIVATE_SECONDARY) !== 0n ? f(VMCS.PROC_BASED2) : 0n;
  const entry = f(VMCS.ENTRY_CONTROLS);
  const ug = (proc2 & PROC2_UNRESTRICTED_GUEST) !== 0n;
  const ia32e = (entry & ENTRY_IA32E_MODE_GUEST) !== 0n;
  const misc = profileMsr(cpu, IA32_VMX_MISC);
  const cr0 = f(VMCS.GUEST_CR0), cr4 = f(VMCS.GUEST_CR4), cr3 = f(VMCS.GUEST_CR3);
  const efer = f(VMCS.GUEST_IA32_EFER), rflags = f(VMCS.GUEST_RFLAGS), rip = f(VMCS.GUEST_RIP);
  const ar = (seg: number) => Number(f(VMCS.GUEST_ES_AR_BYTES + seg * 2));
  const csAr = ar(SEG_CS), ssAr = ar(SEG_SS);
  const dpl = (a: number) => (a >> 5) & 3;

  // §27.3.1.1: CR0 and CR4 within IA32_VMX_CR0/CR4_FIXED0 (must be 1) and
  // FIXED1 (may be 1); "unrestricted guest" lifts PE and PG from FIXED0.
  let cr0Fixed0 = profileMsr(cpu, IA32_VMX_CR0_FIXED0);
  if (ug) cr0Fixed0 &= ~(CR0_PE | CR0_PG);
  const fixed = (name: string, v: bigint, f0: bigint, f1: bigint) => {
    if ((v & f0) !== f0) fail(`${name} 0x${v.toString(16)} lacks fixed-1 bits 0x${(f0 & ~v).toString(16)}`);
    if ((v & ~f1) !== 0n) fail(`${name} 0x${v.toString(16)} has fixed-0 bits 0x${(v & ~f1).toString(16)}`);
  };
  fixed("CR0", cr0, cr0Fixed0, profileMsr(cpu, IA32_VMX_CR0_FIXED1));
  fixed("CR4", cr4, profileMsr(cpu, IA32_VMX_CR4_FIXED0), profileMsr(cpu, IA32_VMX_CR4_FIXED1));
  if ((cr0 & CR0_PG) !== 0n && (cr0 & CR0_PE) === 0n) fail("CR0.PG set with CR0.PE clear");
  if ((cr4 & CR4_CET) !== 0n && (cr0 & CR0_WP) === 0n) fail("CR4.CET set with CR0.WP clear");
  if ((entry & ENTRY_LOAD_DEBUG_CONTROLS) !== 0n) {
    if ((f(VMCS.GUEST_IA32_DEBUGCTL) & DEBUGCTL_RESERVED) !== 0n) fail("IA32_DEBUGCTL reserved bits set");
    if ((f(VMCS.GUEST_DR7) >> 32n) !== 0n) fail("DR7 bits 63:32 set");
  }
  if (ia32e && ((cr0 & CR0_PG) === 0n || (cr4 & CR4_PAE) === 0n)) fail("IA-32e mode guest without CR0.PG and CR4.PAE");
  if (!ia32e && (cr4 & CR4_PCIDE) !== 0n) fail("CR4.PCIDE set outside IA-32e mode");
  if ((cr3 >> BigInt(phys)) !== 0n) fail(`CR3 0x${cr3.toString(16)} beyond the ${phys}-bit physical-address width`);
  if ((entry & ENTRY_LOAD_IA32_EFER) !== 0n) {
    if ((efer & ~EFER_DEFINED) !== 0n) fail(`EFER 0x${efer.toString(16)} has reserved bits set`);
    if (((efer & EFER_LMA) !== 0n) !== ia32e) fail(`EFER.LMA ${(efer & EFER_LMA) !== 0n ? 1 : 0} but "IA-32e mode guest" ${ia32e ? 1 : 0}`);
    if ((cr0 & CR0_PG) !== 0n && ((efer & EFER_LMA) !== 0n) !== ((efer & EFER_LME) !== 0n)) fail("CR0.PG set and EFER.LMA != EFER.LME");
  }

  // §27.3.1.2 (the unrestricted-guest forms): CS, SS and TR.
  const csType = csAr & 0xf;
  if (![3, 9, 11, 13, 15].includes(csType) || (csType === 3 && !ug)) fail(`CS type ${csType}`);
  if ((csAr & AR_S) === 0 || (csAr & AR_P) === 0 || (csAr & AR_UNUSABLE) !== 0) fail(`CS access rights 0x${csAr.toString(16)}: not a present code segment`);
  if (csType === 3 && dpl(csAr) !== 0) fail("CS type 3 (unrestricted guest) with DPL not 0");
  if ((csType === 9 || csType === 11) && (ssAr & AR_UNUSABLE) === 0 && dpl(csAr) !== dpl(ssAr)) fail("CS DPL != SS DPL for a non-conforming CS");
  if (ia32e && (csAr & AR_L) !== 0 && (csAr & AR_DB) !== 0) fail("CS.L and CS.D both set in IA-32e mode");
  const csLimit = f(VMCS.GUEST_ES_LIMIT + SEG_CS * 2);
  if ((csLimit & 0xfffn) !== 0xfffn && (csAr & AR_G) !== 0) fail("CS limit[11:0] not all ones with G set");
  if ((csLimit >> 20n) !== 0n && (csAr & AR_G) === 0) fail("CS limit above 1 MiB with G clear");
  if ((f(VMCS.GUEST_ES_BASE + SEG_CS * 2) >> 32n) !== 0n) fail("CS base bits 63:32 set");
  if ((ssAr & AR_UNUSABLE) === 0) {
    if (![3, 7].includes(ssAr & 0xf)) fail(`SS type ${ssAr & 0xf}`);
    if ((csType === 3 || (cr0 & CR0_PE) === 0n) && dpl(ssAr) !== 0) fail("SS DPL not 0 in real mode or with a type-3 CS");
  }
  const trAr = ar(SEG_TR);
  if ((trAr & AR_UNUSABLE) !== 0 || (trAr & AR_P) === 0 || (trAr & AR_S) !== 0) fail(`TR access rights 0x${trAr.toString(16)}`);
  if ((trAr & 0xf) !== 11 && (ia32e || (trAr & 0xf) !== 3)) fail(`TR type ${trAr & 0xf}`);
  if ((f(VMCS.GUEST_ES_SELECTOR + SEG_TR * 2) & 4n) !== 0n) fail("TR selector TI set");
  const ldtrAr = ar(SEG_LDTR);
  if ((ldtrAr & AR_UNUSABLE) === 0 && ((ldtrAr & 0xf) !== 2 || (ldtrAr & AR_S) !== 0 || (ldtrAr & AR_P) === 0)) fail(`LDTR access rights 0x${ldtrAr.toString(16)}`);

  // §27.3.1.4: RIP and RFLAGS.
  const code64 = ia32e && (csAr & AR_L) !== 0;
  if (!code64 && (rip >> 32n) !== 0n) fail(`RIP 0x${rip.toString(16)} has bits 63:32 set outside 64-bit mode`);
  if (code64 && !canonical(rip, linear)) fail(`RIP 0x${rip.toString(16)} not canonical`);
  if ((rflags & RFLAGS_RESERVED) !== 0n || (rflags & 2n) === 0n) fail(`RFLAGS 0x${rflags.toString(16)}: reserved bits`);
  if ((rflags & RFLAGS_VM) !== 0n && (ia32e || (cr0 & CR0_PE) === 0n)) fail("RFLAGS.VM set in IA-32e mode or real mode");

  // §27.3.1.5: activity and interruptibility state, pending debug exceptions.
  const activity = f(VMCS.GUEST_ACTIVITY_STATE);
  const intr = f(VMCS.GUEST_INTERRUPTIBILITY_INFO);
  if (activity > 3n || (activity !== ACTIVE && (misc & bit(5 + Number(activity))) === 0n)) fail(`activity state ${activity} not supported`);
  if (activity === HLT && dpl(ssAr) !== 0) fail("HLT activity state with SS.DPL not 0");
  if (activity !== ACTIVE && (intr & (BLOCK_STI | BLOCK_MOV_SS)) !== 0n) fail("blocking by STI or MOV SS outside the active state");
  if ((intr & mask(63, 5)) !== 0n) fail(`interruptibility 0x${intr.toString(16)}: reserved bits`);
  if ((intr & BLOCK_STI) !== 0n && (intr & BLOCK_MOV_SS) !== 0n) fail("blocking by both STI and MOV SS");
  if ((intr & BLOCK_STI) !== 0n && (rflags & RFLAGS_IF) === 0n) fail("blocking by STI with RFLAGS.IF clear");
  if ((intr & BLOCK_SMI) !== 0n) fail("blocking by SMI outside SMM");
  const pending = f(VMCS.GUEST_PENDING_DBG_EXCEPTIONS);
  if ((pending & PENDING_DBG_RESERVED) !== 0n) fail("pending debug exceptions: reserved bits");
  if ((intr & (BLOCK_STI | BLOCK_MOV_SS)) !== 0n || activity === HLT) {
    const wantBs = (rflags & RFLAGS_TF) !== 0n && (f(VMCS.GUEST_IA32_DEBUGCTL) & DEBUGCTL_BTF) === 0n;
    if (((pending & PENDING_BS) !== 0n) !== wantBs) fail(`pending debug exceptions BS ${wantBs ? "clear" : "set"} with RFLAGS.TF ${wantBs ? 1 : 0} in a shadow or HLT`);
  }
  if (f(VMCS.VMCS_LINK_POINTER) !== 0xffffffffffffffffn) fail("VMCS link pointer not all ones");
  // §27.3.1.6: with EPT and PAE paging the PDPTEs come from the VMCS, and
  // a present one may set no reserved bit (2:1, 8:5, above MAXPHYADDR).
  if ((proc2 & PROC2_EPT) !== 0n && (cr0 & CR0_PG) !== 0n && (cr4 & CR4_PAE) !== 0n && !ia32e) {
    for (let i = 0; i < 4; i++) {
      const e = f(VMCS.GUEST_PDPTE0 + i * 2);
      if ((e & 1n) !== 0n && (e & (mask(2, 1) | mask(8, 5) | (mask(63, 0) << BigInt(phys)) & mask(63, 0))) !== 0n) fail(`PDPTE${i} 0x${e.toString(16)}: reserved bits`);
    }
  }

  // §27.2.1.3: the VM-entry interruption-information field.
  const info = f(VMCS.VM_ENTRY_INTR_INFO_FIELD);
  if ((info & bit(31)) !== 0n) {
    const vector = Number(info & 0xffn), type = Number((info >> 8n) & 7n), deliver = (info & bit(11)) !== 0n;
    const what = `injection 0x${info.toString(16)}`;
    if ((info & mask(30, 12)) !== 0n) fail(`${what}: reserved bits`);
    if (type === 1 || type === OTHER) fail(`${what}: interruption type ${type}`);
    if (type === NMI && vector !== 2) fail(`${what}: an NMI with vector ${vector}`);
    if (type === HW_EXCEPTION && vector > 31) fail(`${what}: a hardware exception with vector ${vector}`);
    const wantCode = (!ug || (cr0 & CR0_PE) !== 0n) && type === HW_EXCEPTION && ERROR_CODE_VECTORS.has(vector);
    if (deliver !== wantCode) fail(`${what}: deliver-error-code ${deliver ? 1 : 0} where it must be ${wantCode ? 1 : 0}`);
    if (deliver && (f(VMCS.VM_ENTRY_EXCEPTION_ERROR_CODE) >> 16n) !== 0n) fail(`${what}: error code bits 31:16 set`);
    if (type === SW_INTERRUPT || type === PRIV_SW_EXCEPTION || type === SW_EXCEPTION) {
      const len = f(VMCS.VM_ENTRY_INSTRUCTION_LEN);
      const zeroOk = (misc & bit(30)) !== 0n; // IA32_VMX_MISC[30]: zero-length software events allowed
      if (len > 15n || (len === 0n && !zeroOk)) fail(`${what}: instruction length ${len}`);
    }
    // §27.3.1.4-5: what the event needs of RFLAGS and the interruptibility state.
    if (type === EXTERNAL && (rflags & RFLAGS_IF) === 0n) fail(`${what}: an external interrupt with RFLAGS.IF clear`);
    if (type === EXTERNAL && (intr & (BLOCK_STI | BLOCK_MOV_SS)) !== 0n) fail(`${what}: an external interrupt in an STI/MOV SS shadow`);
    // A processor may refuse an NMI after STI too (§27.3.1.5); the core promises not to try.
    if (type === NMI && (intr & (BLOCK_STI | BLOCK_MOV_SS)) !== 0n) fail(`${what}: an NMI in an STI/MOV SS shadow`);
    if (type === NMI && (pin & PIN_VIRTUAL_NMIS) !== 0n && (intr & BLOCK_NMI) !== 0n) fail(`${what}: an NMI while blocking by NMI`);
    if (activity === HLT && !(type === EXTERNAL || type === NMI || (type === HW_EXCEPTION && (vector === 1 || vector === 18)))) {
      fail(`${what}: not an event the HLT state can take`);
    }
  }
  return bad;
}
