// Test probes for the MMIO instruction decoder (kernel/vm/mmio/decode.ts),
// exported from kernel/main.ts so that test/unit/mmio-decode.test.ts drives
// the pure decoder on the shipped core.wasm: the test writes up to 15 bytes
// at mmioProbeBytes(), decodes them with mmioProbeDecode and reads each
// field of the record with mmioProbeField. Nothing on the boot path calls
// these, and they touch no state it uses. The field numbers below are read
// by the test (tools/builder/layout.ts parseLayout): keep to
// `export const NAME: u32 = value;` lines.
import { Insn } from "./vm/mmio/insn";
import { decode } from "./vm/mmio/decode";

export const FIELD_LENGTH: u32 = 0;
export const FIELD_OPCODE: u32 = 1;
export const FIELD_OP: u32 = 2;
export const FIELD_SUB: u32 = 3;
export const FIELD_OPERAND_SIZE: u32 = 4;
export const FIELD_ADDRESS_SIZE: u32 = 5;
export const FIELD_MEM_SIZE: u32 = 6;
export const FIELD_REGISTER: u32 = 7;
export const FIELD_REG_SIZE: u32 = 8;
export const FIELD_MOD: u32 = 9;
export const FIELD_REG_FIELD: u32 = 10;
export const FIELD_RM: u32 = 11;
export const FIELD_HAS_SIB: u32 = 12;
export const FIELD_SCALE: u32 = 13;
export const FIELD_INDEX: u32 = 14;
export const FIELD_BASE: u32 = 15;
export const FIELD_RIP_RELATIVE: u32 = 16;
export const FIELD_DISP: u32 = 17;
export const FIELD_DISP_BYTES: u32 = 18;
export const FIELD_IMM: u32 = 19;
export const FIELD_IMM_BYTES: u32 = 20;
export const FIELD_REX: u32 = 21;
export const FIELD_SEGMENT: u32 = 22;
export const FIELD_REP: u32 = 23;
export const FIELD_LOCK: u32 = 24;
export const FIELD_MEM_IS_DEST: u32 = 25;
export const FIELD_HAS_MODRM: u32 = 26;

const probe = new Insn();

// Where the test writes the instruction bytes (16 bytes).
export function mmioProbeBytes(): usize {
  return probe.bytesPtr;
}

// Decode the first `n` bytes as `codeBits` (16, 32, 64) code: the length, or 0 if they do not decode.
export function mmioProbeDecode(n: u32, codeBits: u32): u32 {
  probe.fetched = n;
  return decode(probe, codeBits) ? probe.length : 0;
}

// A field of the last decode, sign-extended (registers: -1 for none).
export function mmioProbeField(field: u32): i64 {
  const d = probe;
  switch (field) {
    case FIELD_LENGTH: return d.length;
    case FIELD_OPCODE: return d.opcode;
    case FIELD_OP: return <i64>d.op;
    case FIELD_SUB: return d.sub;
    case FIELD_OPERAND_SIZE: return d.operandSize;
    case FIELD_ADDRESS_SIZE: return d.addressSize;
    case FIELD_MEM_SIZE: return d.memSize;
    case FIELD_REGISTER: return d.register;
    case FIELD_REG_SIZE: return d.regSize;
    case FIELD_MOD: return d.mod;
    case FIELD_REG_FIELD: return d.regField;
    case FIELD_RM: return d.rm;
    case FIELD_HAS_SIB: return d.hasSib ? 1 : 0;
    case FIELD_SCALE: return d.scale;
    case FIELD_INDEX: return d.index;
    case FIELD_BASE: return d.base;
    case FIELD_RIP_RELATIVE: return d.ripRelative ? 1 : 0;
    case FIELD_DISP: return d.disp;
    case FIELD_DISP_BYTES: return d.dispBytes;
    case FIELD_IMM: return d.imm;
    case FIELD_IMM_BYTES: return d.immBytes;
    case FIELD_REX: return d.rex;
    case FIELD_SEGMENT: return d.segment;
    case FIELD_REP: return d.rep;
    case FIELD_LOCK: return d.lock ? 1 : 0;
    case FIELD_MEM_IS_DEST: return d.memIsDest ? 1 : 0;
    case FIELD_HAS_MODRM: return d.hasModrm ? 1 : 0;
  }
  return -2;
}
