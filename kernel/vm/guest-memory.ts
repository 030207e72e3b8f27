// A guest's RAM: guest-physical [0, size) backed by host-physical
// [hostBase, hostBase + size). Every access from the hypervisor on the
// guest's behalf is bounds-checked here: a guest-supplied address outside
// its RAM is refused, never followed.
import { physRead, physWrite } from "../hal/imports";

export class GuestMemory {
  constructor(public hostBase: u64, public size: u64) {}

  contains(gpa: u64, len: u64): bool {
    return gpa < this.size && len <= this.size - gpa;
  }

  // Copy guest bytes into linear memory; false if outside guest RAM.
  read(gpa: u64, dst: usize, len: u32): bool {
    if (!this.contains(gpa, len)) return false;
    physRead(dst, this.hostBase + gpa, len);
    return true;
  }

  write(gpa: u64, src: usize, len: u32): bool {
    if (!this.contains(gpa, len)) return false;
    physWrite(this.hostBase + gpa, src, len);
    return true;
  }
}
