// Control-register access exits. tsvisor lets the guest own CR0 and CR3
// and all of CR4 but VMXE, so one access that exits is a MOV to CR4 that
// would change a host-owned bit: setting VMXE. VMX is hidden from the guest
// (CPUID), and setting CR4.VMXE without it raises #GP (SDM Vol. 3A §2.5).
// The other is MOV to or from CR8 under VMX (CR8-load/store exiting): CR8
// is the local APIC's task priority (SDM Vol. 3A §12.8.6.1), bits 63:4
// reserved (#GP). Under SVM the guest's CR8 is V_TPR, kept in step with
// the APIC around each VMRUN (kernel/svm/svm-vcpu.ts).
import { Vcpu } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { StopReason } from "../vm/vm";
import { CR_MOV_TO, CR_MOV_FROM } from "../vm/exit";
import { CR4_VMXE, VECTOR_GP } from "../arch/x86";

export function handleCrAccess(vcpu: Vcpu, exit: ExitInfo): Action {
  const cr = exit.cr;
  if (cr.cr == 8 && (cr.type == CR_MOV_TO || cr.type == CR_MOV_FROM)) {
    const ic = vcpu.interrupts;
    if (cr.type == CR_MOV_FROM) {
      vcpu.setGpr(cr.gpr, ic === null ? 0 : <u64>ic.cr8());
    } else {
      const value = vcpu.gpr(cr.gpr);
      if ((value >> 4) != 0) {
        vcpu.injectException(VECTOR_GP, 0, true);
        return Action.Resume;
      }
      if (ic !== null) ic.setCr8(<u32>value);
    }
    vcpu.advance(exit.instructionLength);
    return Action.Resume;
  }
  if (cr.type == CR_MOV_TO && cr.cr == 4) {
    const value = vcpu.gpr(cr.gpr);
    if ((value & CR4_VMXE) != 0) {
      vcpu.injectException(VECTOR_GP, 0, true);
      return Action.Resume;
    }
    vcpu.setCr4(value);
    vcpu.advance(exit.instructionLength);
    return Action.Resume;
  }
  vcpu.vm.stop(StopReason.Unhandled, 0, exit.raw);
  return Action.Stop;
}
