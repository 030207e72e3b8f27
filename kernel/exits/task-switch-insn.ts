// The length of the instruction that switched tasks, where the CPU does not
// give it: SVM's TASK_SWITCH intercept has fault semantics and no next RIP
// (AMD APM Vol. 2 §15.14.3; NRIP save covers instruction intercepts only,
// §15.7.1), yet the outgoing task must resume past its CALL, JMP, IRET or
// INT n. The bytes at CS:RIP are fetched and decoded — only these forms
// (Intel SDM Vol. 2A-2B, each instruction's opcode table):
//   CF IRET · CC INT3 · CE INTO · F1 INT1 · CD ib INT n ·
//   EA / 9A ptr16:16 or ptr16:32 JMP / CALL far (by operand size) ·
//   FF /5 / FF /3 m16:16 or m16:32 JMP / CALL far, a memory ModRM operand
//   (16-bit or 32-bit addressing, SDM Vol. 2A §2.1.5 Tables 2-1, 2-2, 2-3);
// after legacy prefixes (§2.1.1), 66 and 67 toggling the operand and
// address size of 16- or 32-bit code. Outside 64-bit mode, which has no task
// switches, so no REX.
import { Vcpu } from "../vm/vcpu";
import { codeBits, fetchInstruction } from "../vm/mmio/fetch";
import { MAX_INSN } from "../vm/mmio/insn";

function isLegacyPrefix(b: u32): bool {
  return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
    b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3;
}

// Bytes after a ModRM byte (SIB and displacement) for `addr32` addressing.
function modrmTail(p: usize, at: u32, n: u32, modrm: u32, addr32: bool): i32 {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (!addr32) {
    if (mod == 0) return rm == 6 ? 2 : 0;
    return mod == 1 ? 1 : 2;
  }
  let extra: i32 = 0;
  if (rm == 4) {
    if (at >= n) return -1;
    extra = 1; // SIB; base 101b with mod 00 means disp32 and no base
    if (mod == 0 && (<u32>load<u8>(p + at) & 7) == 5) return extra + 4;
  }
  if (mod == 0) return rm == 5 ? extra + 4 : extra;
  return extra + (mod == 1 ? 1 : 4);
}

// The vector of the INT n (CD ib), INT3 (3), INTO (4) or INT1 (1) in the
// `n` bytes at `p`, -1 if they are none of them.
export function softwareInterruptVector(p: usize, n: u32): i32 {
  let i: u32 = 0;
  while (i < n && i < MAX_INSN && isLegacyPrefix(<u32>load<u8>(p + i))) i++;
  if (i >= n) return -1;
  const op = <u32>load<u8>(p + i);
  if (op == 0xcd) return i + 1 < n ? <i32>load<u8>(p + i + 1) : -1;
  if (op == 0xcc) return 3;
  if (op == 0xce) return 4;
  if (op == 0xf1) return 1;
  return -1;
}

// The length of the switching instruction in the `n` bytes at `p`, code of
// `bits` (16 or 32); 0 if they are none of the forms above.
export function switchingLength(p: usize, n: u32, bits: u32): u32 {
  let op32 = bits == 32;
  let addr32 = bits == 32;
  let i: u32 = 0;
  while (i < n && i < MAX_INSN && isLegacyPrefix(<u32>load<u8>(p + i))) {
    const b = <u32>load<u8>(p + i);
    if (b == 0x66) op32 = bits != 32;
    if (b == 0x67) addr32 = bits != 32;
    i++;
  }
  if (i >= n) return 0;
  const op = <u32>load<u8>(p + i);
  let len: u32 = 0;
  if (op == 0xcf || op == 0xcc || op == 0xce || op == 0xf1) len = i + 1;
  else if (op == 0xcd) len = i + 2;
  else if (op == 0xea || op == 0x9a) len = i + 1 + (op32 ? 4 : 2) + 2;
  else if (op == 0xff && i + 1 < n) {
    const modrm = <u32>load<u8>(p + i + 1);
    const reg = (modrm >> 3) & 7;
    if ((reg != 3 && reg != 5) || (modrm >> 6) == 3) return 0; // far forms only, memory operand
    const tail = modrmTail(p, i + 2, n, modrm, addr32);
    if (tail < 0) return 0;
    len = i + 2 + <u32>tail;
  }
  return len <= n && len <= MAX_INSN ? len : 0;
}

// Fetch the instruction at the guest's CS:RIP (into the vCPU's MMIO record,
// which nothing else uses while this exit is handled) and decode its length.
export function fetchSwitchingLength(vcpu: Vcpu): u32 {
  const d = vcpu.mmio;
  const bits = codeBits(vcpu);
  if (bits == 64) return 0;
  const n = fetchInstruction(vcpu, d, bits);
  return switchingLength(d.bytesPtr, n, bits);
}

// The same fetch: the software interrupt at CS:RIP, its vector or -1.
export function fetchSoftwareInterrupt(vcpu: Vcpu): i32 {
  const d = vcpu.mmio;
  const bits = codeBits(vcpu);
  if (bits == 64) return -1;
  return softwareInterruptVector(d.bytesPtr, fetchInstruction(vcpu, d, bits));
}
