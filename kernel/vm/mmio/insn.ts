// One decoded instruction that touched device memory: what the decoder
// (./decode.ts) fills and the emulator (./emulate.ts) reads, in the shape of
// bhyve's `struct vie`. One record per vCPU, allocated with it (no
// allocation on the exit path); every field is reset before each decode.
// Field names follow the Intel SDM Vol. 2A §2.1 (instruction format).

export const MAX_INSN: u32 = 15; // architectural limit (SDM Vol. 2A §2.3.11)

// The operation, one emulate function each.
export enum Op {
  None,
  MovToMem,   // 88 89 (register), A2 A3 (AL/eAX to moffs)
  MovFromMem, // 8A 8B (register), A0 A1 (moffs to AL/eAX)
  MovImm,     // C6 /0, C7 /0
  MovZx,      // 0F B6, 0F B7
  MovSx,      // 0F BE, 0F BF, 63 (MOVSXD)
  Alu,        // 00-3B with a register, 80 81 83 with an immediate: `sub` is ALU_*
  Test,       // 84 85 (register), F6 /0 F7 /0 (immediate)
  Bt,         // 0F A3 AB B3 BB (register), 0F BA /4-7 (immediate): `sub` is BT_*
  Xchg,       // 86 87
  Stos,       // AA AB
  Movs,       // A4 A5
}

// Group 1 and the ALU rows 00-3F, in opcode order (SDM Vol. 2D Table A-6, /digit of 80-83).
export const ALU_ADD: u32 = 0;
export const ALU_OR: u32 = 1;
export const ALU_ADC: u32 = 2;
export const ALU_SBB: u32 = 3;
export const ALU_AND: u32 = 4;
export const ALU_SUB: u32 = 5;
export const ALU_XOR: u32 = 6;
export const ALU_CMP: u32 = 7;
// Bit tests, in the order of 0F A3/AB/B3/BB and of 0F BA /4-/7.
export const BT_BT: u32 = 0;
export const BT_BTS: u32 = 1;
export const BT_BTR: u32 = 2;
export const BT_BTC: u32 = 3;

// Why an access to a device could not be emulated (the stop report says so).
export enum MmioFailure {
  None,
  NotFetched,   // the bytes at CS:RIP are not mapped in guest RAM
  Undecodable,  // not an instruction this emulator knows (or truncated)
  ExecuteMmio,  // an instruction fetch from device memory
  PageWalk,     // the CPU's walk of the guest's page tables reached device memory
  OtherOperand, // MOVS: the operand that did not fault is neither RAM nor a device (`otherGpa`)
}

export const NO_REGISTER: i32 = -1;

export class Insn {
  // Input: the instruction bytes as fetched from CS:RIP.
  bytes: StaticArray<u8> = new StaticArray<u8>(16);
  fetched: u32 = 0;     // how many of `bytes` are valid
  linear: u64 = 0;      // the linear address they were fetched from
  codeBits: u32 = 16;   // 16, 32 or 64: the mode they were decoded in

  // Prefixes (SDM Vol. 2A §2.1.1, §2.2.1).
  opsizePrefix: bool = false;   // 66
  addrsizePrefix: bool = false; // 67
  lock: bool = false;           // F0
  rep: u32 = 0;                 // 0, F2 (REPNE) or F3 (REP/REPE)
  segment: i32 = NO_REGISTER;   // a segment override, ES CS SS DS FS GS = 0-5
  rex: u32 = 0;                 // the REX byte in effect (0: none)
  rexW: bool = false;
  rexR: bool = false;
  rexX: bool = false;
  rexB: bool = false;

  // Opcode and what it means.
  opcode: u32 = 0;              // one byte, or 0x0F00 | the second byte
  op: Op = Op.None;
  sub: u32 = 0;                 // ALU_* or BT_*
  memIsDest: bool = false;      // Alu: the memory operand is the destination

  // ModRM and SIB (SDM Vol. 2A §2.1.3, Tables 2-1 to 2-3), with REX applied.
  hasModrm: bool = false;
  mod: u32 = 0;
  regField: u32 = 0;            // ModRM.reg | REX.R << 3 (a register or a /digit)
  rm: u32 = 0;                  // ModRM.r/m | REX.B << 3
  hasSib: bool = false;
  scale: u32 = 1;
  index: i32 = NO_REGISTER;     // the address's index register, x86 encoding
  base: i32 = NO_REGISTER;      // its base register (none: disp only, or RIP-relative)
  ripRelative: bool = false;
  disp: i64 = 0;                // sign-extended; moffs forms: the zero-extended offset
  dispBytes: u32 = 0;
  imm: i64 = 0;                 // sign-extended to 64 bits
  immBytes: u32 = 0;

  // Sizes, in bytes.
  operandSize: u32 = 2;         // the effective operand-size attribute: 2, 4 or 8
  addressSize: u32 = 2;         // 2, 4 or 8
  memSize: u32 = 0;             // the memory operand: what the device sees, 1 to 8
  register: i32 = NO_REGISTER;  // the register operand, x86 encoding (AL..BH without REX: 0-7)
  regSize: u32 = 0;             // its size
  length: u32 = 0;

  // Filled when emulation fails, for the stop report.
  failure: MmioFailure = MmioFailure.None;
  otherGpa: u64 = 0;

  get bytesPtr(): usize { return changetype<usize>(this.bytes); }
}
