// INS/OUTS and their REP forms (SDM Vol. 2B INS, OUTS, REP). The CPU gives
// the linear address of the first element; with paging off that is the
// guest-physical address (real mode, unpaged protected mode). RSI/RDI move
// by the element size (down when RFLAGS.DF is set), RCX counts down, all
// within the instruction's address size. A REP runs at most CHUNK elements
// per exit and leaves RIP on the instruction until RCX reaches 0, so the
// guest can be interrupted between chunks as on hardware.
import { Vcpu, RCX, RSI, RDI } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { Vm, StopReason } from "../vm/vm";
import { IoExit } from "../vm/exit";
import { RFLAGS_DF, CR0_PG } from "../arch/x86";
import { line } from "../console/console";

const CHUNK: u64 = 4096;
const element = memory.data(8);

function addressMask(bytes: u32): u64 {
  return bytes == 8 ? 0xffffffffffffffff : (<u64>1 << (<u64>bytes * 8)) - 1;
}

export function handleStringIo(vcpu: Vcpu, exit: ExitInfo, vm: Vm, io: IoExit): Action {
  if ((vcpu.cr0() & CR0_PG) != 0) {
    line("string I/O with guest paging on is not emulated yet");
    vm.stop(StopReason.Unhandled, 0, exit.raw);
    return Action.Stop;
  }
  const mask = addressMask(io.addressBytes);
  const indexReg = io.isIn ? RDI : RSI;
  let count: u64 = io.isRep ? vcpu.gpr(RCX) & mask : 1;
  const todo = count < CHUNK ? count : CHUNK;
  const step: u64 = <u64>io.size;
  const down = (vcpu.rflags() & RFLAGS_DF) != 0;
  let gpa = io.linearAddress;
  let index = vcpu.gpr(indexReg);
  for (let i: u64 = 0; i < todo; i++) {
    if (io.isIn) {
      store<u32>(element, vm.ports.read(io.port, io.size));
      if (!vm.memory.write(gpa, element, io.size)) return outside(vm, gpa);
    } else {
      store<u32>(element, 0);
      if (!vm.memory.read(gpa, element, io.size)) return outside(vm, gpa);
      vm.ports.write(io.port, io.size, load<u32>(element));
    }
    gpa = down ? gpa - step : gpa + step;
    index = down ? index - step : index + step;
  }
  // Only the address-size part of RSI/RDI/RCX changes (SDM Vol. 1 §3.3.7).
  vcpu.setGpr(indexReg, (vcpu.gpr(indexReg) & ~mask) | (index & mask));
  if (io.isRep) {
    count -= todo;
    vcpu.setGpr(RCX, (vcpu.gpr(RCX) & ~mask) | count);
    if (count != 0) return Action.Resume; // RIP stays: the REP goes on
  }
  if (vm.stopReason != StopReason.None) return Action.Stop;
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}

function outside(vm: Vm, gpa: u64): Action {
  vm.stop(StopReason.BadAccess, 0, gpa);
  return Action.Stop;
}
