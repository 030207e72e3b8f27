// Copying a boot module (host-physical memory the boot loader filled) into
// guest RAM, through a bounce buffer in linear memory: the hypervisor reads
// host frames only through the HAL and writes guest RAM only through the
// bounds-checked GuestMemory (kernel/vm/guest-memory.ts).
import { physRead } from "../hal/imports";
import { GuestMemory } from "../vm/guest-memory";

const CHUNK: u32 = 4096;
const bounce = memory.data(<i32>CHUNK);

// Copy host [start, start + size) to guest-physical `gpa`; false if the
// destination is not all RAM.
export function copyToGuest(mem: GuestMemory, gpa: u64, start: u64, size: u64): bool {
  if (!mem.contains(gpa, size)) return false;
  for (let off: u64 = 0; off < size; off += CHUNK) {
    const n = <u32>(size - off < <u64>CHUNK ? size - off : <u64>CHUNK);
    physRead(bounce, start + off, n);
    if (!mem.write(gpa + off, bounce, n)) return false;
  }
  return true;
}

// The first bytes of a module of `size` bytes at host `start`, at most
// `capacity`, into `dst`, the rest of `dst` zeroed — a header to parse,
// never read past the module's end. Returns how many bytes came.
export function readModuleHead(dst: usize, capacity: u32, start: u64, size: u64): u32 {
  const n = size < <u64>capacity ? <u32>size : capacity;
  memory.fill(dst, 0, capacity);
  physRead(dst, start, n);
  return n;
}
