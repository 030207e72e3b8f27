// The ALU operations the MMIO emulator performs, and the arithmetic flags
// each leaves, as the SDM defines them per instruction (Vol. 2A/2B: ADD,
// ADC, SUB, SBB, CMP, AND, OR, XOR, TEST "Flags Affected"; Vol. 1 §3.4.3.1
// and Appendix A for CF PF AF ZF SF OF). Pure functions over `size`-byte
// operands (1, 2, 4 or 8).
import { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP } from "./insn";
import { RFLAGS_CF, RFLAGS_PF, RFLAGS_AF, RFLAGS_ZF, RFLAGS_SF, RFLAGS_OF } from "../../arch/x86";

export const ARITH_FLAGS: u64 = RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF;

export function sizeMask(size: u32): u64 {
  return size >= 8 ? 0xffffffffffffffff : (<u64>1 << (<u64>size * 8)) - 1;
}

@inline function signBit(size: u32): u64 {
  return <u64>1 << (<u64>size * 8 - 1);
}

// The result of ALU_* on a and b, truncated to `size`; `carry` is CF (0 or 1).
export function aluResult(op: u32, a: u64, b: u64, size: u32, carry: u64): u64 {
  let r: u64;
  if (op == ALU_ADD) r = a + b;
  else if (op == ALU_OR) r = a | b;
  else if (op == ALU_ADC) r = a + b + carry;
  else if (op == ALU_SBB) r = a - b - carry;
  else if (op == ALU_AND) r = a & b;
  else if (op == ALU_XOR) r = a ^ b;
  else r = a - b; // SUB, CMP
  return r & sizeMask(size);
}

// ZF, SF and PF of a result (PF: even parity of its low byte).
function resultFlags(r: u64, size: u32): u64 {
  let f: u64 = 0;
  if (r == 0) f |= RFLAGS_ZF;
  if ((r & signBit(size)) != 0) f |= RFLAGS_SF;
  if ((popcnt<u64>(r & 0xff) & 1) == 0) f |= RFLAGS_PF;
  return f;
}

// RFLAGS after ALU_* computed r from a and b. Addition carries out of the
// top bit (CF) and overflows when both operands have the sign the result
// lacks (OF); subtraction borrows (CF) and overflows when the operands'
// signs differ and the result's is not the minuend's. AF is the carry or
// borrow out of bit 3. AND, OR, XOR (and TEST) clear CF and OF; their AF is
// undefined, and tsvisor clears it.
export function aluFlags(op: u32, a: u64, b: u64, r: u64, size: u32, carry: u64, rflags: u64): u64 {
  const m = sizeMask(size);
  a &= m;
  b &= m;
  r &= m;
  let f = resultFlags(r, size);
  const sign = signBit(size);
  if (op == ALU_ADD || op == ALU_ADC) {
    if (r < a || (op == ALU_ADC && carry != 0 && r == a)) f |= RFLAGS_CF;
    if (((a ^ r) & (b ^ r) & sign) != 0) f |= RFLAGS_OF;
    if (((a ^ b ^ r) & 0x10) != 0) f |= RFLAGS_AF;
  } else if (op == ALU_SUB || op == ALU_SBB || op == ALU_CMP) {
    if (a < b || (op == ALU_SBB && carry != 0 && a == b)) f |= RFLAGS_CF;
    if (((a ^ b) & (a ^ r) & sign) != 0) f |= RFLAGS_OF;
    if (((a ^ b ^ r) & 0x10) != 0) f |= RFLAGS_AF;
  }
  return (rflags & ~ARITH_FLAGS) | f;
}

// RFLAGS after TEST (an AND whose result is dropped).
export function testFlags(a: u64, b: u64, size: u32, rflags: u64): u64 {
  return aluFlags(ALU_AND, a, b, a & b, size, 0, rflags);
}
