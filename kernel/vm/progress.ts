// The no-progress detector: the last line of defence against an exit that
// repeats forever. A handler either moves the guest on (Vcpu.advance, a new
// RIP, an injected event), or leaves it to run the same instruction again,
// which is right only when something changed meanwhile (the next entry
// delivers an interrupt, a device's state moved). The same kind of exit,
// at the same RIP, with nothing moved or injected, many times in a row,
// is a hypervisor bug or an unforeseen guest state — in KVM's words an
// "emulation failure" loop — and the VM stops with a report naming it
// rather than spin the host (issue 11 item 2).
//
// Exits the guest did not cause by an instruction (host interrupts, the
// hypervisor's timer, interrupt/NMI windows) neither count nor clear the
// run: a guest spinning on `jmp $` is the time budget's business
// (guest_timeout=), not a lack of progress in the exit path.
import { ExitKind } from "./exit";

// Consecutive stuck exits before the VM stops. A real "retry" (an exit
// resolved by a state change elsewhere) repeats a handful of times at most;
// a thousand costs well under a second even on Bochs.
export const NO_PROGRESS_LIMIT: u32 = 1000;

export function isAsyncExit(kind: ExitKind): bool {
  return kind == ExitKind.ExternalInterrupt || kind == ExitKind.TimerTick ||
    kind == ExitKind.InterruptWindow || kind == ExitKind.NmiWindow;
}

export class ProgressWatch {
  kind: ExitKind = ExitKind.Count;
  rip: u64 = 0;
  count: u32 = 0;

  // After one exit's handler: `moved` if it moved RIP or queued an event,
  // `rip` read only when it did not (a VMREAD the hot path is spared).
  // True when the VM must stop: the limit is reached.
  stuck(kind: ExitKind, moved: bool, rip: u64): bool {
    if (moved) {
      this.count = 0;
      return false;
    }
    if (kind != this.kind || rip != this.rip) {
      this.kind = kind;
      this.rip = rip;
      this.count = 1;
      return false;
    }
    this.count++;
    return this.count >= NO_PROGRESS_LIMIT;
  }

  reset(): void {
    this.kind = ExitKind.Count;
    this.count = 0;
  }
}
