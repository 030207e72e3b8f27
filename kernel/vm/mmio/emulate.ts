// The MMIO emulator: one decoded instruction (./decode.ts) carried out
// against the device that claims the faulting guest-physical address, as
// bhyve's vmm_instruction_emul.c does it: one function per operation type,
// reads and writes of the operand's size through the MMIO bus, the
// destination register written with the SDM's extension rules, the
// arithmetic flags the operation defines (./flags.ts), and RIP moved past
// the instruction. The address comes from the CPU (the EPT violation's or
// #NPF's guest-physical address); the decoder only says what to do there.
// MOVS, which has a second memory operand, translates both itself.
import { Vcpu, RCX, RSI, RDI } from "../vcpu";
import { Insn, Op, MmioFailure, BT_BT, BT_BTS, BT_BTR, ALU_CMP } from "./insn";
import { aluResult, aluFlags, testFlags, sizeMask } from "./flags";
import { Unclaimed, unclaimedAccess } from "./unclaimed";
import { linearToGuestPhysical, NO_TRANSLATION } from "../guest-walk";
import { RFLAGS_CF, RFLAGS_DF } from "../../arch/x86";

const SEG_ES: u32 = 0;
const SEG_DS: u32 = 3;
const SEG_FS: u32 = 4;
const SEG_GS: u32 = 5;
const ramBuffer = memory.data(8);

// ---- registers (SDM Vol. 1 §3.4.1.1) ----
// Without a REX prefix, byte registers 4-7 are AH CH DH BH (bits 15:8 of
// registers 0-3); with one they are SPL BPL SIL DIL.
@inline function highByte(d: Insn, r: i32, size: u32): bool {
  return size == 1 && d.rex == 0 && r >= 4 && r < 8;
}

function getReg(vcpu: Vcpu, d: Insn, r: i32, size: u32): u64 {
  if (highByte(d, r, size)) return (vcpu.gpr(<u32>r - 4) >> 8) & 0xff;
  return vcpu.gpr(<u32>r) & sizeMask(size);
}

// A 32-bit destination zero-extends into the 64-bit register; 8- and
// 16-bit destinations keep the register's other bits.
function setReg(vcpu: Vcpu, d: Insn, r: i32, size: u32, v: u64): void {
  if (highByte(d, r, size)) {
    const i = <u32>r - 4;
    vcpu.setGpr(i, (vcpu.gpr(i) & ~(<u64>0xff00)) | ((v & 0xff) << 8));
  } else if (size >= 4) {
    vcpu.setGpr(<u32>r, v & sizeMask(size));
  } else {
    const m = sizeMask(size);
    vcpu.setGpr(<u32>r, (vcpu.gpr(<u32>r) & ~m) | (v & m));
  }
}

function signExtend(v: u64, size: u32): u64 {
  if (size >= 8) return v;
  const shift = <u64>(64 - size * 8);
  return <u64>((<i64>(v << shift)) >> <i64>shift);
}

// ---- memory: the device that claims the address, else RAM, else the unclaimed policy ----
function accessible(vcpu: Vcpu, gpa: u64, size: u32): bool {
  if (gpa == NO_TRANSLATION) return false;
  return vcpu.vm.mmio.claims(gpa) || vcpu.vm.memory.contains(gpa, size) || unclaimedAccess(gpa) == Unclaimed.AllOnes;
}

function readAt(vcpu: Vcpu, gpa: u64, size: u32): u64 {
  const bus = vcpu.vm.mmio;
  const dev = bus.find(gpa);
  if (dev >= 0) return bus.read(dev, gpa, size) & sizeMask(size);
  store<u64>(ramBuffer, 0);
  if (vcpu.vm.memory.read(gpa, ramBuffer, size)) return load<u64>(ramBuffer);
  return sizeMask(size); // an all-ones range (the caller checked `accessible`)
}

function writeAt(vcpu: Vcpu, gpa: u64, size: u32, v: u64): void {
  const bus = vcpu.vm.mmio;
  const dev = bus.find(gpa);
  if (dev >= 0) {
    bus.write(dev, gpa, size, v & sizeMask(size));
    return;
  }
  store<u64>(ramBuffer, v);
  vcpu.vm.memory.write(gpa, ramBuffer, size); // dropped outside RAM: an all-ones range
}

// ---- one function per operation type ----
// ADD OR ADC SBB AND SUB XOR CMP with the memory operand as destination or
// source; the other operand is a register or the immediate.
function emulateAlu(vcpu: Vcpu, d: Insn, gpa: u64): void {
  const size = d.memSize;
  const mem = readAt(vcpu, gpa, size);
  const other = d.register >= 0 ? getReg(vcpu, d, d.register, d.regSize) : <u64>d.imm & sizeMask(size);
  const a = d.memIsDest ? mem : other;
  const b = d.memIsDest ? other : mem;
  const rflags = vcpu.rflags();
  const carry = rflags & RFLAGS_CF;
  const r = aluResult(d.sub, a, b, size, carry);
  vcpu.setRflags(aluFlags(d.sub, a, b, r, size, carry, rflags));
  if (d.sub == ALU_CMP) return;
  if (d.memIsDest) writeAt(vcpu, gpa, size, r);
  else setReg(vcpu, d, d.register, d.regSize, r);
}

function emulateTest(vcpu: Vcpu, d: Insn, gpa: u64): void {
  const size = d.memSize;
  const mem = readAt(vcpu, gpa, size);
  const other = d.register >= 0 ? getReg(vcpu, d, d.register, d.regSize) : <u64>d.imm & sizeMask(size);
  vcpu.setRflags(testFlags(mem, other, size, vcpu.rflags()));
}

// BT BTS BTR BTC: CF is the bit; the others set, clear or flip it (ZF is
// kept; OF SF AF PF are undefined and kept). A register bit offset may
// reach past the operand: the CPU then addresses the operand-sized unit
// that holds the bit (SDM Vol. 2A BT, "bit string"), which is the address
// that faulted, so the bit within it is the offset modulo the operand size.
function emulateBt(vcpu: Vcpu, d: Insn, gpa: u64): void {
  const size = d.memSize;
  const offset = d.register >= 0 ? getReg(vcpu, d, d.register, d.regSize) : <u64>d.imm;
  const bit = <u64>1 << (offset & (<u64>size * 8 - 1));
  const v = readAt(vcpu, gpa, size);
  const rflags = vcpu.rflags() & ~RFLAGS_CF;
  vcpu.setRflags((v & bit) != 0 ? rflags | RFLAGS_CF : rflags);
  if (d.sub == BT_BT) return;
  writeAt(vcpu, gpa, size, d.sub == BT_BTS ? v | bit : d.sub == BT_BTR ? v & ~bit : v ^ bit);
}

function emulateXchg(vcpu: Vcpu, d: Insn, gpa: u64): void {
  const old = readAt(vcpu, gpa, d.memSize);
  writeAt(vcpu, gpa, d.memSize, getReg(vcpu, d, d.register, d.regSize));
  setReg(vcpu, d, d.register, d.regSize, old);
}

// ---- string instructions: one element per exit ----
// The linear address of a string operand: seg:rSI / ES:rDI with the address
// size; in 64-bit mode only FS and GS have a base (SDM Vol. 3A §3.4.4).
function stringLinear(vcpu: Vcpu, d: Insn, seg: u32, reg: u32): u64 {
  const offset = vcpu.gpr(reg) & sizeMask(d.addressSize);
  if (d.codeBits == 64) return (seg == SEG_FS || seg == SEG_GS ? vcpu.segmentBase(seg) : 0) + offset;
  return (vcpu.segmentBase(seg) + offset) & 0xffffffff;
}

// Step rSI or rDI by the element size, down if RFLAGS.DF.
function stepIndex(vcpu: Vcpu, d: Insn, reg: u32, df: bool): void {
  const v = vcpu.gpr(reg);
  setReg(vcpu, d, <i32>reg, d.addressSize, df ? v - d.memSize : v + d.memSize);
}

// After one element of a REP form: count rCX down (address-sized); the
// instruction is done when it reaches 0, else RIP stays on it and the guest
// re-executes it, exiting again for each element still in device memory
// (SDM Vol. 2B REP; bhyve does the same).
function repeatDone(vcpu: Vcpu, d: Insn): bool {
  if (d.rep == 0) return true;
  const count = (vcpu.gpr(RCX) - 1) & sizeMask(d.addressSize);
  setReg(vcpu, d, <i32>RCX, d.addressSize, count);
  vcpu.madeProgress();
  return count == 0;
}

function emulateStos(vcpu: Vcpu, d: Insn, gpa: u64): bool {
  writeAt(vcpu, gpa, d.memSize, getReg(vcpu, d, d.register, d.regSize));
  stepIndex(vcpu, d, RDI, (vcpu.rflags() & RFLAGS_DF) != 0);
  return repeatDone(vcpu, d);
}

// MOVS from seg:rSI (DS unless overridden) to ES:rDI: either side, or both,
// may be device memory; the other may be RAM. Both are translated through
// the guest's page tables and checked before either is touched.
function emulateMovs(vcpu: Vcpu, d: Insn): bool {
  const mem = vcpu.vm.memory;
  const seg = d.segment >= 0 ? <u32>d.segment : SEG_DS;
  const src = linearToGuestPhysical(vcpu, mem, stringLinear(vcpu, d, seg, RSI));
  const dst = linearToGuestPhysical(vcpu, mem, stringLinear(vcpu, d, SEG_ES, RDI));
  if (!accessible(vcpu, src, d.memSize) || !accessible(vcpu, dst, d.memSize)) {
    d.failure = MmioFailure.OtherOperand;
    d.otherGpa = accessible(vcpu, src, d.memSize) ? dst : src;
    return false;
  }
  writeAt(vcpu, dst, d.memSize, readAt(vcpu, src, d.memSize));
  const df = (vcpu.rflags() & RFLAGS_DF) != 0;
  stepIndex(vcpu, d, RSI, df);
  stepIndex(vcpu, d, RDI, df);
  return true;
}

// Carry out `d` at `gpa` (claimed by a device, or in an all-ones range).
// False (with d.failure set) if it cannot be done; nothing was touched then.
export function emulate(vcpu: Vcpu, d: Insn, gpa: u64): bool {
  const size = d.memSize;
  d.failure = MmioFailure.None;
  if (d.rep != 0 && (d.op == Op.Stos || d.op == Op.Movs) && (vcpu.gpr(RCX) & sizeMask(d.addressSize)) == 0) {
    vcpu.advance(d.length); // a REP with nothing to repeat
    return true;
  }
  let done = true;
  switch (d.op) {
    case Op.MovToMem: writeAt(vcpu, gpa, size, getReg(vcpu, d, d.register, d.regSize)); break;
    case Op.MovImm: writeAt(vcpu, gpa, size, <u64>d.imm); break;
    case Op.MovFromMem:
    case Op.MovZx: setReg(vcpu, d, d.register, d.regSize, readAt(vcpu, gpa, size)); break;
    case Op.MovSx: setReg(vcpu, d, d.register, d.regSize, signExtend(readAt(vcpu, gpa, size), size)); break;
    case Op.Alu: emulateAlu(vcpu, d, gpa); break;
    case Op.Test: emulateTest(vcpu, d, gpa); break;
    case Op.Bt: emulateBt(vcpu, d, gpa); break;
    case Op.Xchg: emulateXchg(vcpu, d, gpa); break;
    case Op.Stos: done = emulateStos(vcpu, d, gpa); break;
    case Op.Movs:
      if (!emulateMovs(vcpu, d)) return false;
      done = repeatDone(vcpu, d);
      break;
    default:
      d.failure = MmioFailure.Undecodable;
      return false;
  }
  if (done) vcpu.advance(d.length);
  return true;
}
