// Exits that end the VM: a triple fault (the guest's shutdown) and anything
// tsvisor does not handle (a guest-physical access outside RAM that no
// device claims stops it too: ./mmio.ts). The VM stops with the facts; the
// hypervisor itself carries on and reports.
import { Vcpu } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { StopReason } from "../vm/vm";
import { VECTOR_UD } from "../arch/x86";
import { hostTimer } from "../platform/host-timer";

export function handleTripleFault(vcpu: Vcpu, exit: ExitInfo): Action {
  vcpu.vm.stop(StopReason.TripleFault);
  return Action.Stop;
}

export function handleUnhandled(vcpu: Vcpu, exit: ExitInfo): Action {
  vcpu.vm.stop(StopReason.Unhandled, 0, exit.raw);
  return Action.Stop;
}

// A host interrupt arrived while the guest ran — the hypervisor's own timer
// (kernel/platform/host-timer.ts), its only unmasked source: take it. The
// loop then runs the device timers that are due.
export function handleExternalInterrupt(vcpu: Vcpu, exit: ExitInfo): Action {
  hostTimer.takePending();
  return Action.Resume;
}

// The hypervisor's own timer ran out in the guest (VMX preemption timer):
// the loop runs the device timers that are due.
export function handleTimerTick(vcpu: Vcpu, exit: ExitInfo): Action {
  return Action.Resume;
}

// The guest can take an interrupt now: the loop injects it before entry.
export function handleInterruptWindow(vcpu: Vcpu, exit: ExitInfo): Action {
  return Action.Resume;
}

// The guest's NMI blocking may have ended (VMX: NMI-window exiting; SVM:
// the IRET of its NMI handler, which the backend notes): the loop injects
// a pending NMI before entry once it can.
export function handleNmiWindow(vcpu: Vcpu, exit: ExitInfo): Action {
  vcpu.nmiWindowExit();
  return Action.Resume;
}

// INVD/WBINVD: caches are coherent for the guest's purposes; skip them.
export function handleCacheFlush(vcpu: Vcpu, exit: ExitInfo): Action {
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}

// A guest ran a VMX or SVM instruction, or another instruction its CPUID
// hides that the backend intercepts (MONITOR/MWAIT, ENCLS, INVLPGA). On a
// CPU without them these raise #UD (SDM Vol. 2C VMXON etc., Vol. 2B
// MONITOR; APM Vol. 3 VMRUN etc.), so that is what the guest gets. RIP
// stays on the instruction.
export function handleVirtInstruction(vcpu: Vcpu, exit: ExitInfo): Action {
  vcpu.injectException(VECTOR_UD, 0, false);
  return Action.Resume;
}
