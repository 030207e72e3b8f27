// The Internet checksum (RFC 1071; defined for IPv4 by RFC 791 §3.1
// "Header Checksum", ICMP by RFC 792, UDP by RFC 768): the 16-bit ones'
// complement of the ones' complement sum of the data taken as big-endian
// 16-bit words, an odd last byte padded with a zero byte (RFC 1071 §4.1).
// The sum is kept in 64 bits and folded once at the end (RFC 1071 §2(D),
// "Deferred Carries"): no input the responder sees (at most one frame)
// comes near carrying out of 64 bits.

// Add `len` bytes at `p` to the running sum `acc`.
export function onesSum(p: usize, len: u32, acc: u64 = 0): u64 {
  let sum = acc;
  let i: u32 = 0;
  for (; i + 1 < len; i += 2) sum += (<u64>load<u8>(p + i) << 8) | <u64>load<u8>(p + i + 1);
  if (i < len) sum += <u64>load<u8>(p + i) << 8;
  return sum;
}

// Fold the carries back in to 16 bits (the end-around carry; RFC 1071
// §4.1, "Fold 32-bit sum to 16 bits").
export function fold(sum: u64): u32 {
  let s = sum;
  while ((s >> 16) != 0) s = (s & 0xffff) + (s >> 16);
  return <u32>s;
}

// The checksum field's value for `len` bytes at `p` (with the field itself
// zero), after whatever `acc` already holds (a pseudo-header).
export function checksum(p: usize, len: u32, acc: u64 = 0): u32 {
  return ~fold(onesSum(p, len, acc)) & 0xffff;
}

// A received checksum is right when the sum over the data, checksum field
// included, is all ones (RFC 1071 §1: "If the result is all 1 bits (-0 in
// 1's complement arithmetic), the check succeeds").
export function checksumOk(p: usize, len: u32, acc: u64 = 0): bool {
  return fold(onesSum(p, len, acc)) == 0xffff;
}
