// A VMX vCPU for a VM: check what the backend needs, VMXON, EPT, the MSR
// bitmap, the VMCS controls and host state.
import { invept, vmread, rdmsr } from "../hal/imports";
import * as F from "./vmcs-fields";
import { PIN_PREEMPTION_TIMER } from "./controls";
import { IA32_VMX_MISC } from "../cpu/msr-index";
import { VmxCaps } from "../virt/vmx-caps";
import { enableVmx } from "./vmx-enable";
import { setupControls, setupHostState } from "./vmcs-setup";
import { VmxVcpu } from "./vmx-vcpu";
import { Vm } from "../vm/vm";
import { buildVmxMsrBitmap } from "../vm/msr-policy";
import { buildEpt, eptPointer } from "../mm/ept";
import { allocPage, physOf } from "../mm/linear";
import { hostHasXsave } from "../platform/xsave";
import { begin, endl, line, puts, putDec, putHex } from "../console/console";

// INVEPT after building the tables, so that no translation cached for this
// EPTP from an earlier use survives (SDM Vol. 3C §29.4.3.1): single-context
// where supported, else all-context.
const INVEPT_SINGLE: u32 = 1;
const INVEPT_ALL: u32 = 2;

export function createVmxVcpu(vmx: VmxCaps, vm: Vm, id: u32): VmxVcpu | null {
  if (!vmx.ept || !vmx.unrestrictedGuest) {
    line("VMX: tsvisor needs EPT and unrestricted guest to run a real-mode guest");
    return null;
  }
  // kernel/mm/nested-paging.ts maps guest RAM with 2 MiB pages and a 4-level walk.
  if (!vmx.ept2M || !vmx.eptWalk4 || !vmx.eptWriteBack) {
    line("VMX: tsvisor's EPT needs 2 MiB pages, a 4-level walk and write-back memory, which this CPU lacks");
    return null;
  }
  if (!enableVmx(vmx)) return null;
  const mem = vm.memory;
  const eptp = eptPointer(buildEpt(mem));
  const inveptType = vmx.invept ? (vmx.inveptSingle ? INVEPT_SINGLE : INVEPT_ALL) : 0;
  if (inveptType != 0 && invept(inveptType, eptp) != 0) line("VMX: INVEPT failed");
  const vcpu = new VmxVcpu(vm, id, vmx.revision);
  vcpu.eptp = eptp;
  vcpu.inveptType = inveptType; // again at each reset of the machine (VmxVcpu.resetBackend)
  if (!vcpu.activate()) return null;
  const msrBitmap = allocPage();
  vcpu.procControls = setupControls(eptp, physOf(msrBitmap), vcpu.features);
  vcpu.features.xsave = hostHasXsave(); // XSAVE needs no control; XSETBV always exits
  vcpu.preemptionTimer = (<u32>vmread(F.PIN_BASED_VM_EXEC_CONTROL) & PIN_PREEMPTION_TIMER) != 0;
  if (vcpu.preemptionTimer) vcpu.preemptionShift = rdmsr(IA32_VMX_MISC) & 0x1f;
  buildVmxMsrBitmap(msrBitmap, vcpu.features.rdtscp);
  setupHostState();
  begin("VMX: EPT pointer ");
  putHex(eptp);
  puts(", VPID 1, unrestricted guest");
  if (vcpu.preemptionTimer) {
    puts(", preemption timer (TSC >> ");
    putDec(vcpu.preemptionShift);
    puts(")");
  }
  endl();
  return vcpu;
}
