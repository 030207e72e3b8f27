// The CR0/CR4 write intercepts name the register but not the instruction
// (without decode assists, which QEMU's TCG lacks, EXITINFO1 says nothing:
// APM Vol. 2 §15.8.1), so the hypervisor reads the bytes at the guest's RIP
// and decodes the three instructions that write CR0 or CR4:
//   MOV CRn, reg  0F 22 /r  ModRM.reg (with REX.R) the CR, ModRM.rm (with
//                 REX.B) the source; the mod field is ignored, the operand
//                 is always a register (SDM Vol. 2B MOV—Move to/from
//                 Control Registers);
//   CLTS          0F 06;
//   LMSW r16      0F 01 /6 with mod = 3 (LMSW from memory is not decoded).
// Legacy prefixes and, in 64-bit mode, REX (SDM Vol. 2A §2.1.1, §2.2.1)
// come first; the last REX before the opcode is the one that counts.
import { CrExit, CR_MOV_TO, CR_CLTS, CR_LMSW } from "../vm/exit";
import { MAX_INSN, isPrefix } from "./insn-length";

export const CR_UNDECODED: u32 = 0xff; // cr.type when the bytes are none of them

// Fill `cr` from the n bytes at p; the instruction's length, or 0.
export function decodeCrWrite(p: usize, n: u32, mode64: bool, cr: CrExit): u32 {
  cr.type = CR_UNDECODED;
  let i: u32 = 0;
  let rex: u32 = 0;
  while (i < n && i < MAX_INSN && isPrefix(<u32>load<u8>(p + i), mode64)) {
    const b = <u32>load<u8>(p + i);
    rex = (b & 0xf0) == 0x40 && mode64 ? b : 0;
    i++;
  }
  if (i + 2 > n || <u32>load<u8>(p + i) != 0x0f) return 0;
  const op = <u32>load<u8>(p + i + 1);
  if (op == 0x06) {
    cr.type = CR_CLTS;
    cr.cr = 0;
    return i + 2;
  }
  if (i + 3 > n) return 0;
  const modrm = <u32>load<u8>(p + i + 2);
  const reg = (modrm >> 3) & 7;
  const rm = (modrm & 7) | ((rex & 1) << 3);
  if (op == 0x22) {
    cr.type = CR_MOV_TO;
    cr.cr = reg | ((rex & 4) << 1);
    cr.gpr = rm;
    return i + 3;
  }
  if (op == 0x01 && reg == 6 && (modrm >> 6) == 3) {
    cr.type = CR_LMSW;
    cr.cr = 0;
    cr.gpr = rm;
    return i + 3;
  }
  return 0;
}
