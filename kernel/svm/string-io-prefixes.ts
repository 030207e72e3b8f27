// INS/OUTS under SVM: the address size and the effective segment, from the
// instruction's own prefixes where EXITINFO1 does not say.
//
// IOIO's EXITINFO1 has one-hot address-size bits 9:7 and the effective
// segment in bits 12:10 (APM Vol. 2 §15.10.2, Figure 15-2), but the
// segment is filled only by CPUs with decode assists, and QEMU 7.2's TCG
// fills neither (bits 12:7 read 0: docs/host-differences.md). Taking 0 at
// its word made every TCG string I/O a 64-bit-address, ES-based access:
// a 16-bit DI that never wrapped, ECX's upper half counted, an FS override
// on OUTS ignored (issue 11 item 4). So the bytes decide, as KVM's
// emulator decides for its string I/O:
//   - the address size is the code's default (16 or 32 by CS.D, 64 in
//     64-bit mode), flipped by a 67 prefix (16 <-> 32; 64 -> 32) (SDM Vol.
//     1 §3.6, Table 3-4; APM Vol. 3 §1.2.3);
//   - the segment is the last of the segment-override prefixes 26 2E 36
//     3E 64 65 (ES CS SS DS FS GS), else DS (SDM Vol. 2B OUTS).
import { isPrefix, MAX_INSN } from "./insn-length";

export const SEG_DS: u32 = 3;

// The segment register a segment-override prefix names, or -1.
function overrideSegment(b: u32): i32 {
  if (b == 0x26) return 0; // ES
  if (b == 0x2e) return 1; // CS
  if (b == 0x36) return 2; // SS
  if (b == 0x3e) return 3; // DS
  if (b == 0x64) return 4; // FS
  if (b == 0x65) return 5; // GS
  return -1;
}

// From the n bytes at p (the instruction, its prefixes first): the address
// size in bytes in bits 7:0, the segment of OUTS's source in bits 15:8.
// `mode64`: 64-bit mode; `csD`: CS.D, the default operand and address
// size of 32 (outside 64-bit mode).
export function stringIoPrefixes(p: usize, n: u32, mode64: bool, csD: bool): u32 {
  let addr32Override = false;
  let seg: i32 = <i32>SEG_DS;
  for (let i: u32 = 0; i < n && i < MAX_INSN; i++) {
    const b = <u32>load<u8>(p + i);
    if (!isPrefix(b, mode64)) break;
    if (b == 0x67) addr32Override = true;
    const s = overrideSegment(b);
    if (s >= 0) seg = s;
  }
  let size: u32 = mode64 ? 8 : csD ? 4 : 2;
  if (addr32Override) size = size == 4 ? 2 : 4;
  return size | (<u32>seg << 8);
}
