// What a MOV to CR0 or CR4 (and CLTS, LMSW) may load, checked as the CPU
// checks it, for the writes that exit: under SVM every write to CR0 and
// CR4 is intercepted (kernel/svm/svm-vcpu.ts); under VMX only those that
// change a bit of the CR0/CR4 guest/host masks (kernel/vmx/vmx-vcpu.ts),
// the rest the CPU checks itself. Pure functions of the registers, so the
// rules are tested without a backend (test/unit/control-registers.test.ts).
//
// References: Intel SDM Vol. 3A §2.5 (control registers) and Vol. 2B "MOV—
// Move to/from Control Registers" (its #GP(0) list); AMD APM Vol. 2 §3.1.1
// (CR0), §3.1.3 (CR4), §14.6 (activating long mode).
import * as X from "../arch/x86";
import { Vcpu } from "./vcpu";
import { guestCpuid } from "./cpuid-policy";

// The result of a write the CPU refuses with #GP(0): no CR0 or CR4 value
// can be all-ones (bits 63:32 are reserved in both).
export const GP_FAULT: u64 = 0xffffffffffffffff;

// CR0 bits with a meaning (SDM Vol. 3A Figure 2-7). Writes to the other
// bits of 31:0 are ignored; any bit of 63:32 set is #GP(0) (§2.5).
export const CR0_DEFINED: u64 = X.CR0_PE | X.CR0_MP | X.CR0_EM | X.CR0_TS | X.CR0_ET | X.CR0_NE |
  X.CR0_WP | X.CR0_AM | X.CR0_NW | X.CR0_CD | X.CR0_PG;
// A change of these invalidates the TLBs (SDM Vol. 3A §4.10.4.1): an
// emulated write must flush what the guest's translations left cached.
export const CR0_PAGING: u64 = X.CR0_PG | X.CR0_PE | X.CR0_WP | X.CR0_CD | X.CR0_NW;
export const CR4_PAGING: u64 = X.CR4_PGE | X.CR4_PAE | X.CR4_PSE | X.CR4_PCIDE | X.CR4_SMEP | X.CR4_SMAP | X.CR4_LA57;
// CR4 bits not named in arch/x86.ts (SDM Vol. 3A §2.5, Figure 2-7).
const CR4_KL: u64 = 1 << 19;
const CR4_CET: u64 = 1 << 23;
const CR4_PKS: u64 = 1 << 24;
const CR4_UINTR: u64 = 1 << 25;
// The CPUID bits that enumerate them (SDM Vol. 2A CPUID, leaf 07H.0).
const CPUID7_ECX_LA57: u32 = 1 << 16;
const CPUID7_ECX_PKU: u32 = 1 << 3;
const CPUID7_ECX_CET_SS: u32 = 1 << 7;
const CPUID7_ECX_KL: u32 = 1 << 23;
const CPUID7_ECX_PKS: u32 = <u32>1 << 31;
const CPUID7_EDX_UINTR: u32 = 1 << 5;
const CPUID1_ECX_SMX: u32 = 1 << 6;

// The CR0 a write of `value` loads, given the guest's CR0, CR4 and EFER
// before it and whether CS is a 64-bit code segment (its L bit), or
// GP_FAULT where the SDM's MOV to CR0 list gives #GP(0):
//   - a bit of 63:32 set (§2.5);
//   - NW set with CD clear, or PG set with PE clear (Vol. 2B MOV CR);
//   - PG set with EFER.LME (activating IA-32e mode) while CR4.PAE is clear
//     or CS.L is set (§10.8.5; APM §14.6.1);
//   - PG cleared in 64-bit mode, or while CR4.PCIDE is set (§10.8.5.4).
// ET reads as 1 whatever is written (§2.5: "hardcoded to 1" since the
// Pentium 4; APM §3.1.1), and the undefined bits of 31:0 are dropped.
export function cr0Load(old: u64, value: u64, cr4: u64, efer: u64, csL: bool): u64 {
  if ((value >> 32) != 0) return GP_FAULT;
  if ((value & X.CR0_NW) != 0 && (value & X.CR0_CD) == 0) return GP_FAULT;
  if ((value & X.CR0_PG) != 0 && (value & X.CR0_PE) == 0) return GP_FAULT;
  const wasPaging = (old & X.CR0_PG) != 0;
  const paging = (value & X.CR0_PG) != 0;
  if (!wasPaging && paging && (efer & X.EFER_LME) != 0 && ((cr4 & X.CR4_PAE) == 0 || csL)) return GP_FAULT;
  if (wasPaging && !paging && (((efer & X.EFER_LMA) != 0 && csL) || (cr4 & X.CR4_PCIDE) != 0)) return GP_FAULT;
  return (value & CR0_DEFINED) | X.CR0_ET;
}

// EFER after a CR0 write the CPU accepted: setting PG with LME activates
// long mode (LMA set), clearing it deactivates it (SDM Vol. 3A §10.8.5;
// APM §14.6.1). Under VMX with "load IA32_EFER", and under SVM, LMA is
// what the next entry takes, so an emulated write must set it.
export function eferAfterCr0(old: u64, cr0: u64, efer: u64): u64 {
  const wasPaging = (old & X.CR0_PG) != 0;
  const paging = (cr0 & X.CR0_PG) != 0;
  if (!wasPaging && paging && (efer & X.EFER_LME) != 0) return efer | X.EFER_LMA;
  if (wasPaging && !paging) return efer & ~X.EFER_LMA;
  return efer;
}

// The CR4 a MOV to CR4 of `value` loads, or GP_FAULT (SDM Vol. 2B MOV CR):
//   - a bit the guest's CPU does not offer (`reserved`, guestCr4Reserved);
//   - PAE cleared, or LA57 changed, in IA-32e mode (§2.5, §4.5);
//   - PCIDE set outside IA-32e mode, or with CR3[11:0] not 0 (§4.10.1).
export function cr4Load(old: u64, value: u64, reserved: u64, cr3: u64, efer: u64): u64 {
  if ((value & reserved) != 0) return GP_FAULT;
  const ia32e = (efer & X.EFER_LMA) != 0;
  if (ia32e && ((value & X.CR4_PAE) == 0 || ((old ^ value) & X.CR4_LA57) != 0)) return GP_FAULT;
  if ((old & X.CR4_PCIDE) == 0 && (value & X.CR4_PCIDE) != 0 && (!ia32e || (cr3 & 0xfff) != 0)) return GP_FAULT;
  return value;
}

// PAE paging (SDM Vol. 3A §4.1.1): CR0.PG and CR4.PAE outside IA-32e mode.
// A MOV to CR0 or CR4 that leaves it in use and changes one of these bits
// makes the CPU load the four PDPTEs from CR3, and any present one with a
// reserved bit set — bits 2:1, 8:5, or above the physical-address width —
// is #GP(0) (§4.4.1; Vol. 2B MOV CR). The check is the hypervisor's for a
// write it emulates: VMX takes the PDPTEs from the VMCS and would refuse
// the entry instead (Vol. 3C §27.3.1.6).
export const CR0_PDPTE_LOAD: u64 = X.CR0_CD | X.CR0_NW | X.CR0_PG;
export const CR4_PDPTE_LOAD: u64 = X.CR4_PAE | X.CR4_PGE | X.CR4_PSE | X.CR4_SMEP;

export function paePaging(cr0: u64, cr4: u64, efer: u64): bool {
  return (cr0 & X.CR0_PG) != 0 && (cr4 & X.CR4_PAE) != 0 && (efer & X.EFER_LMA) == 0;
}

export function pdpteValid(e: u64, physBits: u32): bool {
  if ((e & 1) == 0) return true;
  const reserved: u64 = 0x1e6 | (physBits >= 64 ? 0 : ~((<u64>1 << physBits) - 1));
  return (e & reserved) == 0;
}

function bitIf(bit: u64, offered: bool): u64 { return offered ? bit : 0; }

// The CR4 bits the guest may not set: every bit a CPU of the guest's CPUID
// (kernel/vm/cpuid-policy.ts) lacks is reserved, and setting it is #GP(0)
// (SDM Vol. 3A §2.5: "Attempting to set any reserved bits in CR4 causes a
// #GP"; APM §3.1.3). So VMXE and SMXE (VMX and SMX hidden), LA57 (the
// guest walk is 4-level), MCE (no machine-check MSRs), PKE, CET, KL, PKS,
// UINTR are refused although the host CPU may have them. PCE enumerates no
// CPUID bit (every P6-class CPU has it); OSXMMEXCPT follows SSE.
export function guestCr4Reserved(vcpu: Vcpu): u64 {
  const l1 = guestCpuid(1, 0, vcpu, 0);
  const ecx1 = l1.ecx;
  const edx1 = l1.edx;
  const l7 = guestCpuid(7, 0, vcpu, 0); // the same result object, read after
  let ok: u64 = X.CR4_PCE;
  ok |= bitIf(X.CR4_VME | X.CR4_PVI, (edx1 & X.CPUID1_EDX_VME) != 0);
  ok |= bitIf(X.CR4_TSD, (edx1 & X.CPUID1_EDX_TSC) != 0);
  ok |= bitIf(X.CR4_DE, (edx1 & X.CPUID1_EDX_DE) != 0);
  ok |= bitIf(X.CR4_PSE, (edx1 & X.CPUID1_EDX_PSE) != 0);
  ok |= bitIf(X.CR4_PAE, (edx1 & X.CPUID1_EDX_PAE) != 0);
  ok |= bitIf(X.CR4_MCE, (edx1 & (1 << 7)) != 0); // CPUID.1:EDX.MCE[7]
  ok |= bitIf(X.CR4_PGE, (edx1 & X.CPUID1_EDX_PGE) != 0);
  ok |= bitIf(X.CR4_OSFXSR, (edx1 & X.CPUID1_EDX_FXSR) != 0);
  ok |= bitIf(X.CR4_OSXMMEXCPT, (edx1 & X.CPUID1_EDX_SSE) != 0);
  ok |= bitIf(X.CR4_VMXE, (ecx1 & X.CPUID1_ECX_VMX) != 0);
  ok |= bitIf(X.CR4_SMXE, (ecx1 & CPUID1_ECX_SMX) != 0);
  ok |= bitIf(X.CR4_PCIDE, (ecx1 & X.CPUID1_ECX_PCID) != 0);
  ok |= bitIf(X.CR4_OSXSAVE, (ecx1 & X.CPUID1_ECX_XSAVE) != 0);
  ok |= bitIf(X.CR4_FSGSBASE, (l7.ebx & X.CPUID7_EBX_FSGSBASE) != 0);
  ok |= bitIf(X.CR4_SMEP, (l7.ebx & X.CPUID7_EBX_SMEP) != 0);
  ok |= bitIf(X.CR4_SMAP, (l7.ebx & X.CPUID7_EBX_SMAP) != 0);
  ok |= bitIf(X.CR4_UMIP, (l7.ecx & X.CPUID7_ECX_UMIP) != 0);
  ok |= bitIf(X.CR4_LA57, (l7.ecx & CPUID7_ECX_LA57) != 0);
  ok |= bitIf(X.CR4_PKE, (l7.ecx & CPUID7_ECX_PKU) != 0);
  ok |= bitIf(CR4_CET, (l7.ecx & CPUID7_ECX_CET_SS) != 0);
  ok |= bitIf(CR4_KL, (l7.ecx & CPUID7_ECX_KL) != 0);
  ok |= bitIf(CR4_PKS, (l7.ecx & CPUID7_ECX_PKS) != 0);
  ok |= bitIf(CR4_UINTR, (l7.edx & CPUID7_EDX_UINTR) != 0);
  return ~ok;
}
