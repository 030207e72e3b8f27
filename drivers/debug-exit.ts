// The guest-visible exit port (QEMU isa-debug-exit style, DESIGN.md): a
// write of V stops the VM with status V (0: success). Test guests end
// their run with it.
import { PortDevice } from "../kernel/vm/port-bus";
import { Vm, StopReason } from "../kernel/vm/vm";

export const DEBUG_EXIT_PORT: u32 = 0xf4;

export class DebugExit extends PortDevice {
  constructor(public vm: Vm) { super(); }
  name(): string { return "debug-exit"; }
  read(offset: u32, size: u32): u32 { return 0xffffffff; }
  write(offset: u32, size: u32, value: u32): void {
    this.vm.stop(StopReason.PowerOff, value);
  }
}
