// A virtual machine: its RAM, its port bus, and why it stopped.
import { GuestMemory } from "./guest-memory";
import { PortBus } from "./port-bus";

export enum StopReason {
  None,
  PowerOff,      // the guest asked (debug-exit port or hypercall), with a status
  Halted,        // HLT with interrupts disabled: nothing can ever wake it
  TripleFault,
  BadAccess,     // guest-physical access outside RAM that no device claims
  EntryFailed,   // the CPU refused to enter the guest
  Unhandled,     // an exit tsvisor does not handle
}

export class Vm {
  ports: PortBus = new PortBus();
  stopReason: StopReason = StopReason.None;
  status: u32 = 0;       // guest's power-off status (0: success)
  detail: u64 = 0;       // e.g. the faulting guest-physical address
  constructor(public memory: GuestMemory) {}

  stop(reason: StopReason, status: u32 = 0, detail: u64 = 0): void {
    if (this.stopReason != StopReason.None) return;
    this.stopReason = reason;
    this.status = status;
    this.detail = detail;
  }
}
