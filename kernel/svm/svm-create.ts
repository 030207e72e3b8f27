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
import { begin, endl, line, puts, putHex, yesNo } from "../console/console";

export function createSvmVcpu(svm: SvmCaps, vm: Vm, id: u32): SvmVcpu | null {
  if (!svm.usable() || !svm.npt) {
    line("SVM: tsvisor needs SVM with nested paging");
    return null;
  }
  wrmsr(IA32_EFER, rdmsr(IA32_EFER) | EFER_SVME);
  wrmsr(VM_HSAVE_PA, physOf(allocPage()));
  line("SVM: on (EFER.SVME set, host save area in VM_HSAVE_PA)");
  const npt = buildNpt(vm.memory.hostBase, vm.memory.size);
  const msrpm = allocPages(MSRPM_PAGES);
  buildSvmMsrPermissionMap(msrpm, false);
  const vcpu = new SvmVcpu(vm, id, npt.rootPhys(), msrpm, svm.nripSave);
  begin("SVM: nested CR3 ");
  putHex(npt.rootPhys());
  puts(", ASID 1, NRIP save ");
  yesNo(svm.nripSave);
  puts(svm.nripSave ? "" : " (instruction lengths from IOIO EXITINFO2 or decoded)");
  endl();
  return vcpu;
}
