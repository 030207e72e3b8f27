// An SVM vCPU for a VM: EFER.SVME on (AMD APM Vol. 2 §15.4), the host save
// area in VM_HSAVE_PA (§15.30.4), nested page tables, the MSR permission
// map, the VMCB.
import { rdmsr, wrmsr } from "../hal/imports";
import { IA32_EFER, VM_HSAVE_PA } from "../cpu/msr-index";
import { SvmCaps } from "../virt/svm-caps";
import { SvmVcpu, MSRPM_PAGES } from "./svm-vcpu";
import { Vm } from "../vm/vm";
import { buildSvmMsrPermissionMap } from "../vm/msr-policy";
import { buildNpt } from "../mm/npt";
import { allocPage, allocPages, physOf } from "../mm/linear";
import { EFER_SVME } from "../arch/x86";
import { cpuid } from "../cpu/cpuid";
import { cpu } from "../cpu/identify";
import { hostHasXsave } from "../platform/xsave";
import { CPUID7_EBX_INVPCID, CPUID81_EDX_RDTSCP, CPUIDD1_EAX_XSAVES } from "../arch/x86";
import { GuestFeatures } from "../vm/guest-features";
import { begin, endl, line, puts, putHex, yesNo } from "../console/console";

export function createSvmVcpu(svm: SvmCaps, vm: Vm, id: u32): SvmVcpu | null {
  if (!svm.usable() || !svm.npt) {
    line("SVM: tsvisor needs SVM with nested paging");
    return null;
  }
  wrmsr(IA32_EFER, rdmsr(IA32_EFER) | EFER_SVME);
  wrmsr(VM_HSAVE_PA, physOf(allocPage()));
  line("SVM: on (EFER.SVME set, host save area in VM_HSAVE_PA)");
  const npt = buildNpt(vm.memory);
  // No intercept is set for RDTSCP, RDPID or INVPCID (svm-vcpu.ts), XSAVE
  // needs none, and XSAVES/XRSTORS have none: each runs natively where the
  // host has it.
  const f = new GuestFeatures();
  f.xsave = hostHasXsave();
  // NMIs: EVENTINJ type 2, their blocking kept by the IRET intercept (svm-vcpu.ts).
  f.nmi = true;
  f.rdtscp = cpu.maxExtLeaf >= 0x80000001 && (cpuid(0x80000001).edx & CPUID81_EDX_RDTSCP) != 0;
  f.invpcid = cpu.maxLeaf >= 7 && (cpuid(7, 0).ebx & CPUID7_EBX_INVPCID) != 0;
  f.xsaves = f.xsave && cpu.maxLeaf >= 0xd && (cpuid(0xd, 1).eax & CPUIDD1_EAX_XSAVES) != 0;
  const msrpm = allocPages(MSRPM_PAGES);
  buildSvmMsrPermissionMap(msrpm, f.rdtscp);
  const vcpu = new SvmVcpu(vm, id, npt.rootPhys(), msrpm, svm.nripSave);
  vcpu.features = f;
  begin("SVM: nested CR3 ");
  putHex(npt.rootPhys());
  puts(", ASID 1, NRIP save ");
  yesNo(svm.nripSave);
  puts(svm.nripSave ? "" : " (instruction lengths from IOIO EXITINFO2 or decoded)");
  endl();
  return vcpu;
}
