// HLT exits. A halted vCPU sleeps until an interrupt. tsvisor has no virtual
// interrupt source yet (no timer, no device interrupts), so nothing could
// ever wake it: the VM stops and says whether the guest halted with
// interrupts disabled (the classic "halt for good") or enabled.
import { Vcpu } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { StopReason } from "../vm/vm";
import { RFLAGS_IF } from "../arch/x86";

export function handleHlt(vcpu: Vcpu, exit: ExitInfo): Action {
  vcpu.advance(exit.instructionLength);
  vcpu.vm.stop(StopReason.Halted, 0, (vcpu.rflags() & RFLAGS_IF) != 0 ? 1 : 0);
  return Action.Stop;
}
