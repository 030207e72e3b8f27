// Port I/O exits: IN/OUT go to the VM's port bus; INS/OUTS (and REP) move
// data between the bus and guest memory (kernel/exits/string-io.ts).
import { Vcpu, RAX } from "../vm/vcpu";
import { handleStringIo } from "./string-io";
import { ExitInfo, Action } from "../vm/exit";
import { Vm, StopReason } from "../vm/vm";
import { currentVm } from "../vm/current";

export class IoAccess {
  port: u32 = 0;
  size: u32 = 1; // bytes: 1, 2 or 4
  isIn: bool = false;
  isString: bool = false;
  isRep: bool = false;
  addressBytes: u32 = 2; // string forms: 2, 4 or 8
  linearAddress: u64 = 0; // string forms: the memory operand
}

export const io = new IoAccess(); // filled by the backend's decoder

const SIZE_MASK: StaticArray<u64> = [0, 0xff, 0xffff, 0, 0xffffffff];

export function handleIo(vcpu: Vcpu, exit: ExitInfo): Action {
  const vm: Vm = currentVm();
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
