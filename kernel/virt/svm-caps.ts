// What AMD-V offers on this CPU: VM_CR.SVMDIS and CPUID Fn8000_000A
// (AMD APM Vol. 2 §15.4 "Enabling SVM", Vol. 3 Appendix E.4.9).
import { rdmsrSafe } from "../hal/imports";
import { VM_CR } from "../cpu/msr-index";
import { CpuInfo } from "../cpu/identify";
import { cpuid } from "../cpu/cpuid";

// VM_CR (APM Vol. 2 §15.30.1).
const VM_CR_LOCK: u64 = 1 << 3;
const VM_CR_SVMDIS: u64 = 1 << 4;
const LEAF_SVM: u32 = 0x8000000a;
// CPUID Fn8000_000A_EDX feature bits (APM Vol. 3 E.4.9).
const SVM_NP: u32 = 1 << 0;
const SVM_NRIPS: u32 = 1 << 3;
const SVM_VMCB_CLEAN: u32 = 1 << 5;
const SVM_FLUSH_BY_ASID: u32 = 1 << 6;
const SVM_DECODE_ASSISTS: u32 = 1 << 7;

export class SvmCaps {
  present: bool = false;
  disabled: bool = false; // VM_CR.SVMDIS
  // CPUID says SVM, yet VM_CR raises #GP (Bochs 2.7 lacks the MSR). With no
  // VM_CR there is no SVMDIS to be set, so SVM counts as enabled.
  noVmCr: bool = false;
  locked: bool = false; // VM_CR.LOCK: SVMDIS cannot be cleared by software
  revision: u32 = 0;
  asids: u32 = 0;
  npt: bool = false;
  nripSave: bool = false;
  vmcbClean: bool = false;
  flushByAsid: bool = false;
  decodeAssists: bool = false;

  usable(): bool { return this.present && !this.disabled; }
}

export const svmCaps = new SvmCaps();
const vmcrValue = memory.data(8);

export function readSvmCaps(cpu: CpuInfo): SvmCaps {
  const c = svmCaps;
  c.present = cpu.svm;
  if (!c.present) return c;
  // VM_CR exists whenever CPUID reports SVM (APM Vol. 2 §15.30.1); read it
  // safely all the same, since emulators have been seen to lack it.
  c.noVmCr = rdmsrSafe(VM_CR, vmcrValue) == 0;
  const vmcr: u64 = c.noVmCr ? 0 : load<u64>(vmcrValue);
  c.disabled = (vmcr & VM_CR_SVMDIS) != 0;
  c.locked = (vmcr & VM_CR_LOCK) != 0;
  if (cpu.maxExtLeaf < LEAF_SVM) return c;
  const r = cpuid(LEAF_SVM);
  c.revision = r.eax & 0xff;
  c.asids = r.ebx;
  c.npt = (r.edx & SVM_NP) != 0;
  c.nripSave = (r.edx & SVM_NRIPS) != 0;
  c.vmcbClean = (r.edx & SVM_VMCB_CLEAN) != 0;
  c.flushByAsid = (r.edx & SVM_FLUSH_BY_ASID) != 0;
  c.decodeAssists = (r.edx & SVM_DECODE_ASSISTS) != 0;
  return c;
}
