// INS/OUTS and their REP forms (SDM Vol. 2B INS, OUTS, REP; Vol. 1 §3.3.7).
// Each element's address is worked out as the CPU does: the segment's base
// (ES for INS, the decoded segment — override or DS — for OUTS; in 64-bit
// mode only FS and GS have one, SDM Vol. 3A §3.4.4) plus RSI/RDI within
// the instruction's address size, so a 16-bit index wraps at 64 KiB and
// DF=1 walks down through the wrap; the linear address goes through the
// guest's page tables (kernel/vm/guest-walk.ts), byte by byte where an
// element crosses a page. RSI/RDI move by the element size, RCX counts
// down, only their address-size parts changing. A REP runs at most CHUNK
// elements per exit and leaves RIP on the instruction until RCX reaches 0,
// so the guest can be interrupted between chunks as on hardware.
import { Vcpu, RCX, RSI, RDI } from "../vm/vcpu";
import { ExitInfo, Action, IoExit } from "../vm/exit";
import { Vm, StopReason } from "../vm/vm";
import { linearToGuestPhysical, NO_TRANSLATION } from "../vm/guest-walk";
import { AR_L } from "../vm/initial-state";
import { RFLAGS_DF, EFER_LMA } from "../arch/x86";

const CHUNK: u64 = 4096;
const SEG_FS: u32 = 4;
const element = memory.data(8);

function addressMask(bytes: u32): u64 {
  return bytes == 8 ? 0xffffffffffffffff : (<u64>1 << (<u64>bytes * 8)) - 1;
}

// Copy one element between `element` and guest memory at `linear`; the
// guest-physical address that failed, or NO_TRANSLATION on success.
function moveElement(vcpu: Vcpu, vm: Vm, linear: u64, size: u32, toGuest: bool): u64 {
  if ((linear & 0xfff) + <u64>size <= 0x1000) {
    const gpa = linearToGuestPhysical(vcpu, vm.memory, linear);
    const ok = gpa != NO_TRANSLATION && (toGuest ? vm.memory.write(gpa, element, size) : vm.memory.read(gpa, element, size));
    return ok ? NO_TRANSLATION : gpa == NO_TRANSLATION ? linear : gpa;
  }
  for (let b: u32 = 0; b < size; b++) {
    const gpa = linearToGuestPhysical(vcpu, vm.memory, linear + b);
    const ok = gpa != NO_TRANSLATION && (toGuest ? vm.memory.write(gpa, element + b, 1) : vm.memory.read(gpa, element + b, 1));
    if (!ok) return gpa == NO_TRANSLATION ? linear + b : gpa;
  }
  return NO_TRANSLATION;
}

export function handleStringIo(vcpu: Vcpu, exit: ExitInfo, vm: Vm, io: IoExit): Action {
  const mask = addressMask(io.addressBytes);
  const indexReg = io.isIn ? RDI : RSI;
  let count: u64 = io.isRep ? vcpu.gpr(RCX) & mask : 1;
  const todo = count < CHUNK ? count : CHUNK;
  const step: u64 = <u64>io.size;
  const down = (vcpu.rflags() & RFLAGS_DF) != 0;
  const mode64 = (vcpu.efer() & EFER_LMA) != 0 && (vcpu.segmentAr(1) & AR_L) != 0;
  const base = mode64 && io.segment < SEG_FS ? 0 : vcpu.segmentBase(io.segment);
  let index = vcpu.gpr(indexReg);
  for (let i: u64 = 0; i < todo; i++) {
    // Outside 64-bit mode a linear address is 32 bits (SDM Vol. 3A §3.4).
    let linear = base + (index & mask);
    if (!mode64) linear &= 0xffffffff;
    let failed = NO_TRANSLATION;
    if (io.isIn) {
      store<u32>(element, vm.ports.read(io.port, io.size));
      failed = moveElement(vcpu, vm, linear, io.size, true);
    } else {
      store<u32>(element, 0);
      failed = moveElement(vcpu, vm, linear, io.size, false);
      if (failed == NO_TRANSLATION) vm.ports.write(io.port, io.size, load<u32>(element));
    }
    if (failed != NO_TRANSLATION) {
      vm.stop(StopReason.BadAccess, 0, failed);
      return Action.Stop;
    }
    index = down ? index - step : index + step;
  }
  // Only the address-size part of RSI/RDI/RCX changes (SDM Vol. 1 §3.3.7).
  vcpu.setGpr(indexReg, (vcpu.gpr(indexReg) & ~mask) | (index & mask));
  if (io.isRep) {
    count -= todo;
    vcpu.setGpr(RCX, (vcpu.gpr(RCX) & ~mask) | count);
    if (count != 0) {
      vcpu.madeProgress();
      return Action.Resume; // RIP stays: the REP goes on
    }
  }
  if (vm.stopReason != StopReason.None) return Action.Stop;
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}
