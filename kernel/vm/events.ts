// Event injection, the same for both backends, before every entry:
//   1. an event whose delivery the last exit interrupted is delivered again
//      (SDM Vol. 3C §29.2.1.1; APM Vol. 2 §15.7.2), unless the exit's
//      handler queued one of its own;
//   2. else the highest-priority pending interrupt of the vCPU's interrupt
//      controller is injected if the guest can take it — RFLAGS.IF set, no
//      STI / MOV SS shadow, nothing else being injected (SDM Vol. 3C
//      §26.3.1.5 and §27.6.5 refuse an injection in a shadow; APM §15.20);
//   3. else the backend asks for an interrupt window, and the exit it
//      causes brings the vCPU back here as soon as the guest can take it.
import { Vcpu, EVENT_EXTERNAL, EVENT_SW_INTERRUPT } from "./vcpu";

export function deliverEvents(vcpu: Vcpu): void {
  const again = vcpu.exit.vectoring;
  if (again.valid) {
    again.valid = false;
    if (!vcpu.eventQueued) {
      vcpu.injectEvent(again.type, again.vector, again.errorCode, again.hasErrorCode);
      if (again.type >= EVENT_SW_INTERRUPT) vcpu.setEventInstructionLength(again.instructionLength);
      vcpu.vm.stats.reinjected++;
    }
  }
  const ic = vcpu.interrupts;
  if (ic === null) return;
  const vector = ic.pending();
  if (vector < 0) {
    vcpu.setInterruptWindow(false);
    return;
  }
  if (!vcpu.eventQueued && vcpu.interruptible()) {
    ic.acknowledge(<u32>vector);
    vcpu.injectEvent(EVENT_EXTERNAL, <u32>vector, 0, false);
    vcpu.vm.stats.recordInjection(<u32>vector, ic.source(<u32>vector));
    vcpu.setInterruptWindow(false);
  } else {
    vcpu.setInterruptWindow(true);
  }
}
