// The vCPU loop, one for both backends: enter the guest, decode the exit
// into the neutral record, dispatch it by kind, count it, repeat until the
// VM stops. A backend only enters, decodes and encodes; the exit layer
// (kernel/exits/dispatch.ts) comes in as `dispatch`.
import { rdtsc } from "../hal/imports";
import { Vcpu, RCX } from "./vcpu";
import { ExitKind, ExitDispatch, Action, completeDecode } from "./exit";
import { StopReason } from "./vm";

export function runVcpu(vcpu: Vcpu, dispatch: ExitDispatch): void {
  const vm = vcpu.vm;
  const exit = vcpu.exit;
  while (vm.stopReason == StopReason.None) {
    if (!vcpu.enter()) {
      vm.stop(StopReason.EntryFailed);
      return;
    }
    const t0 = rdtsc();
    vcpu.decodeExit(exit);
    completeDecode(exit, vcpu.gpr(RCX));
    if (exit.kind == ExitKind.EntryFailure) {
      vcpu.reportEntryFailure(exit);
      vm.stop(StopReason.EntryFailed, 0, exit.raw);
    } else if (dispatch(vcpu, exit) == Action.Stop && vm.stopReason == StopReason.None) {
      vm.stop(StopReason.Unhandled, 0, exit.raw);
    }
    vm.stats.record(exit.kind, rdtsc() - t0);
  }
}
