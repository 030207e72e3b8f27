// HLT exits. The vCPU sleeps until an interrupt is pending for it (SDM Vol.
// 2A HLT: "an enabled interrupt (including NMI and SMI), a debug exception,
// BINIT#, INIT# or RESET#" resumes it): the device timers run, and while
// nothing is pending the processor itself halts with interrupts on until
// the host timer fires for the next deadline, or one slice later at the
// latest, so that what is typed on the console reaches the guest
// (kernel/console/guest-input.ts) — no busy loop. A HLT with interrupts
// disabled can never be woken by one (tsvisor has no NMI source): the VM
// stops and says so, as it does for a HLT that nothing armed could ever
// wake (no timer, no budget, and no UART that interrupts on input).
import { rdtsc } from "../hal/imports";
import { Vcpu } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { StopReason } from "../vm/vm";
import { NEVER } from "../vm/clock";
import { hostTimer } from "../platform/host-timer";
import { RFLAGS_IF } from "../arch/x86";

export function handleHlt(vcpu: Vcpu, exit: ExitInfo): Action {
  vcpu.advance(exit.instructionLength);
  const vm = vcpu.vm;
  if ((vcpu.rflags() & RFLAGS_IF) == 0) {
    vm.stop(StopReason.Halted, 0, 0);
    return Action.Stop;
  }
  const ic = vcpu.interrupts;
  const clock = vm.clock;
  const t0 = rdtsc();
  vm.stats.halts++;
  while (true) {
    vm.input.poll(); // typing wakes the guest, within a slice
    clock.runExpired();
    if (ic !== null && ic.pending() >= 0) break;
    if (rdtsc() > vm.budgetEnd) {
      vm.stop(StopReason.OutOfTime);
      break;
    }
    const next = clock.nextDeadline();
    if (next == NEVER && vm.budgetEnd == NEVER && !vm.input.canWake()) {
      vm.stop(StopReason.Halted, 0, 1);
      break;
    }
    let until = next == NEVER ? NEVER : next - clock.offset;
    if (vm.budgetEnd < until) until = vm.budgetEnd;
    // No host timer: wait on the TSC (emulators and CPUs without a usable
    // local APIC; the report at boot says so). Either way no longer than a
    // slice, so that the console's input is polled.
    if (!hostTimer.sleepUntil(until)) {
      const end = hostTimer.limit(rdtsc(), until);
      while (rdtsc() < end) {}
    }
  }
  vm.stats.asleepTicks += rdtsc() - t0;
  return vm.stopReason == StopReason.None ? Action.Resume : Action.Stop;
}
