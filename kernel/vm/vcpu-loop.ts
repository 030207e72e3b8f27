// The vCPU loop, one for both backends: take what is typed on the console,
// run expired device timers, deliver pending events (kernel/vm/events.ts),
// arm the host timer for the next deadline (kernel/platform/host-timer.ts),
// enter the guest, decode the exit
// into the neutral record, dispatch it by kind, count it; until the VM
// stops. A backend only enters, decodes and encodes; the exit layer
// (kernel/exits/dispatch.ts) comes in as `dispatch`.
import { rdtsc } from "../hal/imports";
import { Vcpu, RCX } from "./vcpu";
import { ExitKind, ExitDispatch, Action, completeDecode } from "./exit";
import { StopReason } from "./vm";
import { NEVER } from "./clock";
import { deliverEvents } from "./events";
import { isAsyncExit } from "./progress";

export function runVcpu(vcpu: Vcpu, dispatch: ExitDispatch): void {
  const vm = vcpu.vm;
  const exit = vcpu.exit;
  const clock = vm.clock;
  let slice = true; // the first entry, then each exit on the hypervisor's own timer
  while (vm.stopReason == StopReason.None) {
    // Typed bytes, to the guest's UART (kernel/console/guest-input.ts): when
    // the guest reads its UART (the UART pulls them), once a slice (10 ms)
    // while the guest runs, and on every HLT wake — not a host port read on
    // every exit for what a person types.
    if (slice) vm.input.poll();
    clock.runExpired();
    deliverEvents(vcpu);
    const next = clock.nextDeadline();
    vcpu.armTimer(next == NEVER ? NEVER : next - clock.offset);
    if (!vcpu.enter()) {
      vm.stop(StopReason.EntryFailed);
      return;
    }
    const timed = vm.stats.enabled;
    const t0 = timed ? rdtsc() : 0;
    vcpu.decodeExit(exit);
    completeDecode(exit, vcpu.gpr(RCX));
    vcpu.progressed = false;
    if (exit.kind == ExitKind.EntryFailure) {
      vcpu.reportEntryFailure(exit);
      vm.stop(StopReason.EntryFailed, 0, exit.raw);
    } else if (dispatch(vcpu, exit) == Action.Stop && vm.stopReason == StopReason.None) {
      vm.stop(StopReason.Unhandled, 0, exit.raw);
    } else if (vm.stopReason == StopReason.None && !isAsyncExit(exit.kind)) {
      const moved = vcpu.progressed || vcpu.eventQueued;
      if (vcpu.progress.stuck(exit.kind, moved, moved ? 0 : vcpu.rip())) vm.stop(StopReason.NoProgress, 0, exit.raw);
    }
    slice = exit.kind == ExitKind.TimerTick || exit.kind == ExitKind.ExternalInterrupt;
    if (timed) {
      const t1 = rdtsc();
      vm.stats.record(exit.kind, t1 - t0);
      if (t1 > vm.budgetEnd) vm.stop(StopReason.OutOfTime);
    } else if (vm.budgetEnd != NEVER && rdtsc() > vm.budgetEnd) {
      vm.stop(StopReason.OutOfTime);
    }
  }
}
