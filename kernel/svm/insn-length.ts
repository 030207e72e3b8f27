// Lengths of intercepted instructions where the CPU gives no next RIP (no
// NRIP save, as under QEMU's TCG; IOIO has its own in EXITINFO2). The bytes
// at the guest's RIP are fetched and decoded: legacy prefixes (Intel SDM
// Vol. 2A §2.1.1 / AMD APM Vol. 3 §1.2), REX prefixes in 64-bit mode, then
// the instruction's own opcode bytes.
import { ExitKind } from "../vm/exit";

export const MAX_INSN: u32 = 15; // architectural limit

function isLegacyPrefix(b: u32): bool {
  return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
    b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3;
}

// In 64-bit mode 40-4F are REX (SDM Vol. 2A §2.2.1; elsewhere INC/DEC). A
// REX takes effect only right before the opcode and is ignored elsewhere
// among the prefixes, but it is part of the instruction either way.
export function isPrefix(b: u32, mode64: bool): bool {
  return isLegacyPrefix(b) || (mode64 && (b & 0xf0) == 0x40);
}

// Opcode bytes of each intercepted instruction, 0 if the kind has none here.
function opcodeOf(kind: ExitKind): u32 {
  if (kind == ExitKind.Cpuid) return 0x0fa2;      // 0F A2
  if (kind == ExitKind.MsrRead) return 0x0f32;    // 0F 32
  if (kind == ExitKind.MsrWrite) return 0x0f30;   // 0F 30
  if (kind == ExitKind.Hlt) return 0xf4;          // F4
  if (kind == ExitKind.Hypercall) return 0x0f01d9; // 0F 01 D9 (VMMCALL)
  if (kind == ExitKind.Xsetbv) return 0x0f01d1;   // 0F 01 D1
  if (kind == ExitKind.CacheFlush) return 0x0f09; // 0F 09 WBINVD (INVD, 0F 08: see below)
  return 0;
}

// A kind whose exit two instructions share: INVD is 0F 08, WBINVD 0F 09.
function otherOpcodeOf(kind: ExitKind): u32 {
  return kind == ExitKind.CacheFlush ? 0x0f08 : 0;
}

function opcodeBytes(op: u32): u32 {
  return op > 0xffff ? 3 : op > 0xff ? 2 : 1;
}

// The shortest form, for when the bytes cannot be fetched.
export function minimumLength(kind: ExitKind): u32 {
  const op = opcodeOf(kind);
  return op == 0 ? 0 : opcodeBytes(op);
}

// Length of the instruction at `p` (n bytes fetched) for an exit of `kind`,
// or 0 if the bytes are not that instruction. `mode64`: 64-bit mode (long
// mode with CS.L; compatibility mode is 32-bit code).
export function instructionLength(p: usize, n: u32, kind: ExitKind, mode64: bool): u32 {
  const len = matchOpcode(p, n, opcodeOf(kind), mode64);
  return len != 0 ? len : matchOpcode(p, n, otherOpcodeOf(kind), mode64);
}

function matchOpcode(p: usize, n: u32, op: u32, mode64: bool): u32 {
  if (op == 0) return 0;
  let i: u32 = 0;
  while (i < n && i < MAX_INSN && isPrefix(<u32>load<u8>(p + i), mode64)) i++;
  const len = opcodeBytes(op);
  if (i + len > n || i + len > MAX_INSN) return 0;
  for (let k: u32 = 0; k < len; k++) {
    const want = (op >> ((len - 1 - k) * 8)) & 0xff;
    if (<u32>load<u8>(p + i + k) != want) return 0;
  }
  return i + len;
}
