// ACPI checksums: every table's bytes, its checksum byte included, sum to
// zero modulo 256 (ACPI 6.4 §5.2.6, the header's Checksum field; the RSDP
// has two such sums, over its first 20 bytes and over all of it, §5.2.5.3).

// The low byte of the sum of `len` bytes at `ptr`.
export function byteSum(ptr: usize, len: u32): u32 {
  let sum: u32 = 0;
  for (let i: u32 = 0; i < len; i++) sum += <u32>load<u8>(ptr + <usize>i);
  return sum & 0xff;
}

// Set the checksum byte at `ptr + at` so that the `len` bytes at `ptr` sum
// to zero (the byte itself counts as 0 while summing).
export function setChecksum(ptr: usize, len: u32, at: u32): void {
  store<u8>(ptr + <usize>at, 0);
  store<u8>(ptr + <usize>at, (0x100 - byteSum(ptr, len)) & 0xff);
}
