// The hypervisor command line (from GRUB's multiboot2 line): space-separated
// `key=value` words. Lookups compare bytes in place: no allocation.

// Find `key=` in the line; return the value's offset, or -1 if absent.
export function findOption(line: usize, len: u32, key: string): i32 {
  const klen = <u32>key.length;
  let i: u32 = 0;
  while (i < len) {
    while (i < len && load<u8>(line + i) == 0x20) i++;
    const start = i;
    while (i < len && load<u8>(line + i) != 0x20) i++;
    if (i - start > klen && load<u8>(line + start + klen) == 0x3d /* '=' */ && matches(line + start, key)) {
      return <i32>(start + klen + 1);
    }
  }
  return -1;
}

// Length of the value at `at` (up to the next space or the end).
export function valueLength(line: usize, len: u32, at: i32): u32 {
  let i = <u32>at;
  while (i < len && load<u8>(line + i) != 0x20) i++;
  return i - <u32>at;
}

function matches(p: usize, s: string): bool {
  for (let i = 0; i < s.length; i++) if (<u32>load<u8>(p + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}

// Is the option `key` set to exactly `value`?
export function optionIs(line: usize, len: u32, key: string, value: string): bool {
  const at = findOption(line, len, key);
  if (at < 0) return false;
  return valueLength(line, len, at) == <u32>value.length && matches(line + at, value);
}

// The decimal value of `key=N`: -1 if absent, -2 if not a plain number
// (or above 2^31).
export function optionDecimal(line: usize, len: u32, key: string): i64 {
  const at = findOption(line, len, key);
  if (at < 0) return -1;
  const n = valueLength(line, len, at);
  if (n == 0 || n > 9) return -2;
  let v: i64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = <i64>load<u8>(line + <u32>at + i);
    if (c < 0x30 || c > 0x39) return -2;
    v = v * 10 + (c - 0x30);
  }
  return v;
}
