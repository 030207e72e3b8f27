// Control-register access exits. tsvisor lets the guest own CR0 and CR3
// and all of CR4 but VMXE, so the one access that exits is a MOV to CR4 that
// would change a host-owned bit: setting VMXE. VMX is hidden from the guest
// (CPUID), and setting CR4.VMXE without it raises #GP (SDM Vol. 3A §2.5).
import { Vcpu } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { StopReason } from "../vm/vm";
import { currentVm } from "../vm/current";

export class CrAccess {
  cr: u32 = 0;   // register number
  type: u32 = 0; // 0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW
  gpr: u32 = 0;  // source/destination register, x86 encoding
}

export const crAccess = new CrAccess(); // filled by the backend's decoder

const MOV_TO_CR: u32 = 0;
const CR4_VMXE: u64 = 1 << 13;
const VECTOR_GP: u32 = 13;

export function handleCrAccess(vcpu: Vcpu, exit: ExitInfo): Action {
  if (crAccess.type == MOV_TO_CR && crAccess.cr == 4) {
    const value = vcpu.gpr(crAccess.gpr);
    if ((value & CR4_VMXE) != 0) {
      vcpu.injectException(VECTOR_GP, 0, true);
      return Action.Resume;
    }
    vcpu.setCr4(value);
    vcpu.advance(exit.instructionLength);
    return Action.Resume;
  }
  currentVm().stop(StopReason.Unhandled, 0, exit.raw);
  return Action.Stop;
}
