// The decoder of instructions that touch device memory, in the shape of
// bhyve's vmm_instruction_emul.c: prefixes, then a sparse opcode table of
// only the instructions operating systems use on device registers (MOV in
// all its forms, MOVZX/MOVSX/MOVSXD, the ALU group with a memory operand,
// TEST, BT*, XCHG, STOS, MOVS), then ModRM, SIB, displacement and immediate
// into one record (./insn.ts). Anything else does not decode: the caller
// stops the VM and shows the bytes. Pure: it reads `d.bytes` and writes `d`.
// Encodings: Intel SDM Vol. 2A §2.1-2.2 (format, REX), Vol. 2D Appendix A
// (opcode maps); AMD APM Vol. 3 §1.
import { Insn, Op, MAX_INSN, NO_REGISTER } from "./insn";
import { RAX } from "../frame";

// One opcode-table entry: the Op in bits 7:0, `sub` in bits 11:8, then flags.
const F_MODRM: u32 = 1 << 12;     // a ModRM byte follows; its operand must be memory
const F_BYTE: u32 = 1 << 13;      // byte operands (the "b" forms)
const F_IMM8: u32 = 1 << 14;      // an 8-bit immediate
const F_IMMZ: u32 = 1 << 15;      // a 16- or 32-bit immediate by operand size (Iz)
const F_MOFFS: u32 = 1 << 16;     // an address-sized offset instead of ModRM (A0-A3)
const F_MEM_DEST: u32 = 1 << 17;  // the memory operand is the destination
const F_NO_REG: u32 = 1 << 18;    // ModRM.reg is an opcode extension, not a register
const F_SRC8: u32 = 1 << 19;      // MOVZX/MOVSX from a byte
const F_SRC16: u32 = 1 << 20;     // ... from a word
const F_ONLY64: u32 = 1 << 21;    // valid in 64-bit mode only (63 is ARPL elsewhere)
const F_RAX: u32 = 1 << 22;       // AL/AX/EAX/RAX is the register operand
// What the /digit (ModRM.reg) of a group opcode may be.
const G_ALU: u32 = 1 << 23;       // 80 81 83: any, and it is the ALU operation
const G_ZERO: u32 = 1 << 24;      // C6 C7 F6 F7: only /0 (MOV, TEST)
const G_BT: u32 = 1 << 25;        // 0F BA: /4-/7, BT BTS BTR BTC

const oneByte = new StaticArray<u32>(256);
const twoByte = new StaticArray<u32>(256); // after 0F

function def(table: StaticArray<u32>, opcode: u32, op: Op, sub: u32, flags: u32): void {
  table[opcode] = <u32>op | (sub << 8) | flags;
}

// ADD OR ADC SBB AND SUB XOR CMP: rows 00-3B, four forms each (Eb,Gb  Ev,Gv  Gb,Eb  Gv,Ev).
for (let alu: u32 = 0; alu < 8; alu++) {
  def(oneByte, alu * 8 + 0, Op.Alu, alu, F_MODRM | F_BYTE | F_MEM_DEST);
  def(oneByte, alu * 8 + 1, Op.Alu, alu, F_MODRM | F_MEM_DEST);
  def(oneByte, alu * 8 + 2, Op.Alu, alu, F_MODRM | F_BYTE);
  def(oneByte, alu * 8 + 3, Op.Alu, alu, F_MODRM);
}
def(oneByte, 0x63, Op.MovSx, 0, F_MODRM | F_ONLY64);                             // MOVSXD Gv, Ed
def(oneByte, 0x80, Op.Alu, 0, F_MODRM | F_BYTE | F_IMM8 | F_MEM_DEST | F_NO_REG | G_ALU); // Eb, Ib
def(oneByte, 0x81, Op.Alu, 0, F_MODRM | F_IMMZ | F_MEM_DEST | F_NO_REG | G_ALU);          // Ev, Iz
def(oneByte, 0x83, Op.Alu, 0, F_MODRM | F_IMM8 | F_MEM_DEST | F_NO_REG | G_ALU);          // Ev, Ib
def(oneByte, 0x84, Op.Test, 0, F_MODRM | F_BYTE);
def(oneByte, 0x85, Op.Test, 0, F_MODRM);
def(oneByte, 0x86, Op.Xchg, 0, F_MODRM | F_BYTE);
def(oneByte, 0x87, Op.Xchg, 0, F_MODRM);
def(oneByte, 0x88, Op.MovToMem, 0, F_MODRM | F_BYTE);
def(oneByte, 0x89, Op.MovToMem, 0, F_MODRM);
def(oneByte, 0x8a, Op.MovFromMem, 0, F_MODRM | F_BYTE);
def(oneByte, 0x8b, Op.MovFromMem, 0, F_MODRM);
def(oneByte, 0xa0, Op.MovFromMem, 0, F_MOFFS | F_BYTE | F_RAX);
def(oneByte, 0xa1, Op.MovFromMem, 0, F_MOFFS | F_RAX);
def(oneByte, 0xa2, Op.MovToMem, 0, F_MOFFS | F_BYTE | F_RAX);
def(oneByte, 0xa3, Op.MovToMem, 0, F_MOFFS | F_RAX);
def(oneByte, 0xa4, Op.Movs, 0, F_BYTE);
def(oneByte, 0xa5, Op.Movs, 0, 0);
def(oneByte, 0xaa, Op.Stos, 0, F_BYTE | F_RAX);
def(oneByte, 0xab, Op.Stos, 0, F_RAX);
def(oneByte, 0xc6, Op.MovImm, 0, F_MODRM | F_BYTE | F_IMM8 | F_NO_REG | G_ZERO);
def(oneByte, 0xc7, Op.MovImm, 0, F_MODRM | F_IMMZ | F_NO_REG | G_ZERO);
def(oneByte, 0xf6, Op.Test, 0, F_MODRM | F_BYTE | F_IMM8 | F_NO_REG | G_ZERO);
def(oneByte, 0xf7, Op.Test, 0, F_MODRM | F_IMMZ | F_NO_REG | G_ZERO);
def(twoByte, 0xa3, Op.Bt, 0, F_MODRM);
def(twoByte, 0xab, Op.Bt, 1, F_MODRM);
def(twoByte, 0xb3, Op.Bt, 2, F_MODRM);
def(twoByte, 0xbb, Op.Bt, 3, F_MODRM);
def(twoByte, 0xba, Op.Bt, 0, F_MODRM | F_IMM8 | F_NO_REG | G_BT);
def(twoByte, 0xb6, Op.MovZx, 0, F_MODRM | F_SRC8);
def(twoByte, 0xb7, Op.MovZx, 0, F_MODRM | F_SRC16);
def(twoByte, 0xbe, Op.MovSx, 0, F_MODRM | F_SRC8);
def(twoByte, 0xbf, Op.MovSx, 0, F_MODRM | F_SRC16);

function reset(d: Insn, codeBits: u32): void {
  d.codeBits = codeBits;
  d.opsizePrefix = false;
  d.addrsizePrefix = false;
  d.lock = false;
  d.rep = 0;
  d.segment = NO_REGISTER;
  d.rex = 0;
  d.opcode = 0;
  d.op = Op.None;
  d.sub = 0;
  d.memIsDest = false;
  d.hasModrm = false;
  d.mod = 0;
  d.regField = 0;
  d.rm = 0;
  d.hasSib = false;
  d.scale = 1;
  d.index = NO_REGISTER;
  d.base = NO_REGISTER;
  d.ripRelative = false;
  d.disp = 0;
  d.dispBytes = 0;
  d.imm = 0;
  d.immBytes = 0;
  d.memSize = 0;
  d.register = NO_REGISTER;
  d.regSize = 0;
  d.length = 0;
}

// Segment-override prefixes in segment-register order (ES CS SS DS FS GS).
function segmentOf(b: u32): i32 {
  if (b == 0x26) return 0;
  if (b == 0x2e) return 1;
  if (b == 0x36) return 2;
  if (b == 0x3e) return 3;
  if (b == 0x64) return 4;
  if (b == 0x65) return 5;
  return NO_REGISTER;
}

// The bytes at [at, at + n) are there (fetched, and within 15).
@inline function have(d: Insn, at: u32, n: u32): bool {
  return at + n <= d.fetched && at + n <= MAX_INSN;
}

@inline function byteAt(d: Insn, at: u32): u32 {
  return <u32>unchecked(d.bytes[at]);
}

// n little-endian bytes at `at`, sign-extended (or zero-extended) to 64 bits.
function little(d: Insn, at: u32, n: u32, signed: bool): i64 {
  let v: u64 = 0;
  for (let k: u32 = 0; k < n; k++) v |= <u64>byteAt(d, at + k) << (<u64>k * 8);
  if (!signed || n >= 8) return <i64>v;
  const shift = <u64>(64 - n * 8);
  return (<i64>(v << shift)) >> <i64>shift;
}

// Decode `d.bytes` (d.fetched of them) as code of `codeBits` (16, 32, 64).
// False if they are not an instruction this emulator handles, or are cut short.
export function decode(d: Insn, codeBits: u32): bool {
  reset(d, codeBits);
  const mode64 = codeBits == 64;
  let i: u32 = 0;
  // Legacy prefixes in any order; in 64-bit mode a REX (40-4F) counts only
  // right before the opcode: a legacy prefix after it cancels it (SDM Vol. 2A §2.2.1).
  for (;;) {
    if (!have(d, i, 1)) return false;
    const b = byteAt(d, i);
    const seg = segmentOf(b);
    if (mode64 && (b & 0xf0) == 0x40) {
      d.rex = b;
      i++;
      continue;
    }
    if (seg != NO_REGISTER) d.segment = seg;
    else if (b == 0x66) d.opsizePrefix = true;
    else if (b == 0x67) d.addrsizePrefix = true;
    else if (b == 0xf0) d.lock = true;
    else if (b == 0xf2 || b == 0xf3) d.rep = b;
    else break;
    d.rex = 0;
    i++;
  }
  d.rexW = (d.rex & 8) != 0;
  d.rexR = (d.rex & 4) != 0;
  d.rexX = (d.rex & 2) != 0;
  d.rexB = (d.rex & 1) != 0;
  // Operand and address size from the code size and the prefixes (SDM Vol. 1
  // §3.6.1, Table 3-4; Vol. 2A §2.2.1.2: REX.W wins over 66).
  if (mode64) {
    d.operandSize = d.rexW ? 8 : d.opsizePrefix ? 2 : 4;
    d.addressSize = d.addrsizePrefix ? 4 : 8;
  } else {
    const def32 = codeBits == 32;
    d.operandSize = def32 != d.opsizePrefix ? 4 : 2;
    d.addressSize = def32 != d.addrsizePrefix ? 4 : 2;
  }

  let entry = unchecked(oneByte[byteAt(d, i)]);
  d.opcode = byteAt(d, i);
  i++;
  if (d.opcode == 0x0f) {
    if (!have(d, i, 1)) return false;
    d.opcode = 0x0f00 | byteAt(d, i);
    entry = unchecked(twoByte[byteAt(d, i)]);
    i++;
  }
  d.op = <Op>(entry & 0xff);
  if (d.op == Op.None || ((entry & F_ONLY64) != 0 && !mode64)) return false;
  d.sub = (entry >> 8) & 0xf;
  d.memIsDest = (entry & F_MEM_DEST) != 0;
  d.memSize = (entry & F_BYTE) != 0 ? 1 : (entry & F_SRC8) != 0 ? 1 : (entry & F_SRC16) != 0 ? 2 : d.operandSize;
  if (d.opcode == 0x63 && d.operandSize == 8) d.memSize = 4; // MOVSXD r64, r/m32

  if ((entry & F_MODRM) != 0) {
    i = modrm(d, i);
    if (i == 0) return false;
    const digit = d.regField & 7;
    if ((entry & G_ALU) != 0) d.sub = digit;
    else if ((entry & G_ZERO) != 0 && digit != 0) return false;
    else if ((entry & G_BT) != 0) {
      if (digit < 4) return false;
      d.sub = digit - 4;
    }
    if ((entry & F_NO_REG) == 0) {
      d.register = <i32>d.regField;
      d.regSize = (entry & F_BYTE) != 0 ? 1 : d.operandSize;
    }
  } else if ((entry & F_MOFFS) != 0) {
    // The offset is address-sized and absolute (no ModRM): SDM Vol. 2B MOV, "moffs".
    if (!have(d, i, d.addressSize)) return false;
    d.disp = little(d, i, d.addressSize, false);
    d.dispBytes = d.addressSize;
    i += d.addressSize;
  }
  if ((entry & F_RAX) != 0) {
    d.register = <i32>RAX;
    d.regSize = d.memSize;
  }

  // Immediates: Ib, or Iz (imm16 with a 16-bit operand size, else imm32,
  // sign-extended to 64 bits under REX.W: SDM Vol. 2A §2.2.1.5).
  const immBytes: u32 = (entry & F_IMM8) != 0 ? 1 : (entry & F_IMMZ) != 0 ? (d.operandSize == 2 ? 2 : 4) : 0;
  if (immBytes != 0) {
    if (!have(d, i, immBytes)) return false;
    d.imm = little(d, i, immBytes, true);
    d.immBytes = immBytes;
    i += immBytes;
  }
  d.length = i;
  return true;
}

// ModRM (+ SIB, + displacement) at `i`; the index after them, or 0 if the
// bytes run out or the operand is a register (no memory access: not MMIO).
function modrm(d: Insn, at: u32): u32 {
  let i = at;
  if (!have(d, i, 1)) return 0;
  const m = byteAt(d, i++);
  d.hasModrm = true;
  d.mod = m >> 6;
  d.regField = ((m >> 3) & 7) | (d.rexR ? 8 : 0);
  const rm = m & 7;
  d.rm = rm | (d.rexB ? 8 : 0);
  if (d.mod == 3) return 0;
  let dispBytes: u32 = d.mod == 1 ? 1 : 0;
  if (d.addressSize == 2) {
    // 16-bit forms (SDM Vol. 2A Table 2-1): [BX+SI] [BX+DI] [BP+SI] [BP+DI]
    // [SI] [DI] [BP] [BX]; mod 00 r/m 110 is a bare disp16.
    if (d.mod == 2 || (d.mod == 0 && rm == 6)) dispBytes = 2;
    if (!(d.mod == 0 && rm == 6)) {
      d.base = rm < 4 ? (rm < 2 ? 3 : 5) : rm == 4 ? 6 : rm == 5 ? 7 : rm == 6 ? 5 : 3; // BX BP SI DI BP BX
      if (rm < 4) d.index = (rm & 1) == 0 ? 6 : 7;                                  // SI or DI
    }
  } else {
    // 32/64-bit forms (Tables 2-2, 2-3). The special cases go by the raw
    // 3-bit fields: r/m 100 is a SIB even as R12, mod 00 r/m 101 is
    // disp32 (RIP-relative in 64-bit mode) even as R13 (SDM Vol. 2A §2.2.1.6).
    if (d.mod == 2) dispBytes = 4;
    if (rm == 4) {
      if (!have(d, i, 1)) return 0;
      const s = byteAt(d, i++);
      d.hasSib = true;
      d.scale = <u32>1 << (s >> 6);
      const index = ((s >> 3) & 7) | (d.rexX ? 8 : 0);
      d.index = index == 4 ? NO_REGISTER : <i32>index; // 100 without REX.X: no index
      if ((s & 7) == 5 && d.mod == 0) dispBytes = 4;     // no base, disp32
      else d.base = <i32>((s & 7) | (d.rexB ? 8 : 0));
    } else if (rm == 5 && d.mod == 0) {
      dispBytes = 4;
      d.ripRelative = d.codeBits == 64;
    } else {
      d.base = <i32>d.rm;
    }
  }
  if (!have(d, i, dispBytes)) return 0;
  d.disp = little(d, i, dispBytes, true);
  d.dispBytes = dispBytes;
  return i + dispBytes;
}
