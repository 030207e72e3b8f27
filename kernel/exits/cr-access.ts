// Control-register access exits. tsvisor lets the guest own CR0 and CR3
// and all of CR4 but VMXE, so the one access that exits is a MOV to CR4 that
// would change a host-owned bit: setting VMXE. VMX is hidden from the guest
// (CPUID), and setting CR4.VMXE without it raises #GP (SDM Vol. 3A §2.5).
import { Vcpu } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { StopReason } from "../vm/vm";
import { CR_MOV_TO } from "../vm/exit";
import { CR4_VMXE, VECTOR_GP } from "../arch/x86";

export function handleCrAccess(vcpu: Vcpu, exit: ExitInfo): Action {
  const cr = exit.cr;
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
