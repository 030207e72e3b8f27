// An SVM vCPU for a guest: EFER.SVME on (AMD APM Vol. 2 §15.4), the host
// save area in VM_HSAVE_PA (§15.30.4), nested page tables, the VMCB.
import { rdmsr, wrmsr } from "../hal/imports";
import { IA32_EFER, VM_HSAVE_PA } from "../cpu/msr-index";
import { SvmCaps } from "../virt/svm-caps";
import { SvmVcpu } from "./svm-vcpu";
import { buildNpt } from "../mm/npt";
import { allocPage, physOf } from "../mm/linear";
import { cpuid } from "../cpu/cpuid";
import { cpu } from "../cpu/identify";
import { hostHasXsave } from "../platform/xsave";
import { CPUID7_EBX_INVPCID, CPUID81_EDX_RDTSCP } from "../arch/x86";
import { begin, endl, line, puts, putHex, yesNo } from "../console/console";

const EFER_SVME: u64 = 1 << 12;

export function createSvmVcpu(svm: SvmCaps, hostBase: u64, ramBytes: u64, entry: u64): SvmVcpu | null {
  if (!svm.usable() || !svm.npt) {
    line("SVM: tsvisor needs SVM with nested paging");
    return null;
  }
  wrmsr(IA32_EFER, rdmsr(IA32_EFER) | EFER_SVME);
  wrmsr(VM_HSAVE_PA, physOf(allocPage()));
  line("SVM: on (EFER.SVME set, host save area in VM_HSAVE_PA)");
  const npt = buildNpt(hostBase, ramBytes);
  const vcpu = new SvmVcpu();
  vcpu.create(npt.rootPhys(), svm.nripSave);
  vcpu.setupRealMode(entry, entry);
  // No intercept is set for RDTSCP, RDPID or INVPCID (svm-vcpu.ts), and
  // XSAVE needs none: each runs natively where the host has it.
  const f = vcpu.features;
  f.xsave = hostHasXsave();
  f.rdtscp = cpu.maxExtLeaf >= 0x80000001 && (cpuid(0x80000001).edx & CPUID81_EDX_RDTSCP) != 0;
  f.invpcid = cpu.maxLeaf >= 7 && (cpuid(7, 0).ebx & CPUID7_EBX_INVPCID) != 0;
  begin("SVM: nested CR3 ");
  putHex(npt.rootPhys());
  puts(", ASID 1, NRIP save ");
  yesNo(svm.nripSave);
  puts(svm.nripSave ? "" : " (instruction lengths from IOIO EXITINFO2 or decoded)");
  endl();
  return vcpu;
}
