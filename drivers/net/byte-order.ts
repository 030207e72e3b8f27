// Network byte order: every multi-byte field of Ethernet, ARP, IPv4, ICMP
// and UDP headers is sent most significant byte first (RFC 791 Appendix B,
// "Data Transmission Order"; RFC 1700 calls it network byte order), while
// wasm loads and stores are little-endian. These read and write such
// fields byte by byte, so no field needs to be aligned.

@inline export function be16(p: usize): u32 {
  return (<u32>load<u8>(p) << 8) | <u32>load<u8>(p, 1);
}

@inline export function be32(p: usize): u32 {
  return (<u32>load<u8>(p) << 24) | (<u32>load<u8>(p, 1) << 16) | (<u32>load<u8>(p, 2) << 8) | <u32>load<u8>(p, 3);
}

@inline export function putBe16(p: usize, v: u32): void {
  store<u8>(p, <u8>(v >> 8));
  store<u8>(p, <u8>v, 1);
}

@inline export function putBe32(p: usize, v: u32): void {
  store<u8>(p, <u8>(v >> 24));
  store<u8>(p, <u8>(v >> 16), 1);
  store<u8>(p, <u8>(v >> 8), 2);
  store<u8>(p, <u8>v, 3);
}

// A 48-bit MAC address (IEEE 802 §8) as the low 48 bits of a u64, first
// octet highest, so that addresses compare as numbers.
export function loadMac(p: usize): u64 {
  return (<u64>be16(p) << 32) | <u64>be32(p + 2);
}

export function storeMac(p: usize, mac: u64): void {
  putBe16(p, <u32>(mac >> 32));
  putBe32(p + 2, <u32>mac);
}
