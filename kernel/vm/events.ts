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
// An NMI goes before step 2 (it outranks maskable interrupts, SDM Vol. 3A
// §7.9 Table 7-2): injected when nothing else is and the guest is not
// blocking NMIs (still in the last one's handler, or in a shadow), else an
// NMI window is asked for; a maskable interrupt may still follow it, as
// NMI blocking does not block INTR.
import { Vcpu, EVENT_EXTERNAL, EVENT_SW_INTERRUPT } from "./vcpu";
import { InterruptController, SOURCE_NMI } from "./irq";
import { line } from "../console/console";

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
  deliverNmi(vcpu, ic);
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

function deliverNmi(vcpu: Vcpu, ic: InterruptController): void {
  if (!ic.nmiPending()) {
    vcpu.setNmiWindow(false);
    return;
  }
  if (!vcpu.features.nmi) {
    // No way to tell when the guest's handler returns (VMX without virtual NMIs).
    ic.acknowledgeNmi();
    if (vcpu.vm.stats.nmisDropped++ == 0) line("NMI dropped: this CPU's VMX has no virtual NMIs, so the guest gets none");
    return;
  }
  if (!vcpu.eventQueued && vcpu.nmiInjectable()) {
    ic.acknowledgeNmi();
    vcpu.injectNmi();
    vcpu.vm.stats.recordInjection(2, SOURCE_NMI);
    vcpu.setNmiWindow(false);
  } else {
    vcpu.setNmiWindow(true);
  }
}
