// Port I/O exits: IN/OUT go to the VM's port bus; INS/OUTS (and REP) move
// data between the bus and guest memory (kernel/exits/string-io.ts).
import { Vcpu, RAX } from "../vm/vcpu";
import { handleStringIo } from "./string-io";
import { ExitInfo, Action } from "../vm/exit";
import { Vm, StopReason } from "../vm/vm";

const SIZE_MASK: StaticArray<u64> = [0, 0xff, 0xffff, 0, 0xffffffff];

export function handleIo(vcpu: Vcpu, exit: ExitInfo): Action {
  const vm: Vm = vcpu.vm;
  const io = exit.io;
  // An access of 1, 2 or 4 bytes is all a CPU reports (VMX qualification
  // bits 2:0 = 0, 1 or 3, SDM Vol. 3C Table 28-5; SVM's one-hot SZ8/16/32,
  // APM Vol. 2 §15.10.2). Any other is a state the hypervisor did not
  // expect: the VM stops with a report rather than guess (found by the
  // exit fuzzer: it indexed past SIZE_MASK and panicked the core).
  if (io.size != 1 && io.size != 2 && io.size != 4) {
    vm.stop(StopReason.Unhandled, 0, exit.raw);
    return Action.Stop;
  }
  if (io.isString) return handleStringIo(vcpu, exit, vm, io);
  const mask = SIZE_MASK[<i32>io.size];
  if (io.isIn) {
    const v = <u64>vm.ports.read(io.port, io.size) & mask;
    // IN AL/AX/EAX: a 32-bit result zero-extends into RAX; 8/16-bit keep the rest.
    const rax = vcpu.gpr(RAX);
    vcpu.setGpr(RAX, io.size == 4 ? v : (rax & ~mask) | v);
  } else {
    vm.ports.write(io.port, io.size, <u32>(vcpu.gpr(RAX) & mask));
  }
  if (vm.stopReason != StopReason.None) return Action.Stop;
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}
