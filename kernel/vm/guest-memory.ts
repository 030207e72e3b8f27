// A guest's RAM, laid out as a PC's (the e820 map a BIOS reports, and what
// Linux and other PC operating systems expect):
//   [0, 0xA0000)           RAM: conventional memory, 640 KiB;
//   [0xA0000, 0xC0000)     the VGA window: no VGA card, so nothing — reads
//                          all-ones (kernel/vm/mmio/unclaimed.ts);
//   [0xC0000, 0x100000)    the option-ROM and BIOS area: zeroed memory the
//                          guest may read (Linux scans it for ROM signatures,
//                          SMBIOS and the RSDP; finding none is the answer:
//                          tsvisor has no BIOS), reserved in the e820 map;
//   [1 MiB, min(size, 3 GiB))   RAM;
//   [3 GiB, 4 GiB)         the MMIO window (local APIC, I/O APIC, PCI);
//   [4 GiB, 4 GiB + size - 3 GiB)   the rest of the RAM asked for, if any.
// Each RAM range is backed by host frames at hostBase + its offset (the
// frames behind the holes stay unused), so that 2 MiB nested pages line up.
// Every access from the hypervisor on the guest's behalf is bounds-checked
// here: an address outside the guest's RAM is refused, never followed.
import { physRead, physWrite, physClear } from "../hal/imports";

export const LEGACY_HOLE_START: u64 = 0xa0000;
export const LEGACY_HOLE_END: u64 = 0x100000;
export const BIOS_AREA_START: u64 = 0xc0000;
export const MMIO_WINDOW_START: u64 = 0xc0000000; // 3 GiB
export const FOUR_GIB: u64 = 1 << 32;
export const NOT_RAM: u64 = 0xffffffffffffffff;
const MAX_RANGES: i32 = 4;

export class GuestMemory {
  starts: StaticArray<u64> = new StaticArray<u64>(MAX_RANGES);
  ends: StaticArray<u64> = new StaticArray<u64>(MAX_RANGES);
  count: i32 = 0;
  // The end of the highest RAM range (guest-physical).
  top: u64 = 0;

  // `size`: the RAM asked for, a 2 MiB multiple of at least 2 MiB.
  constructor(public hostBase: u64, public size: u64) {
    this.add(0, size < LEGACY_HOLE_START ? size : LEGACY_HOLE_START);
    if (size > LEGACY_HOLE_END) this.add(BIOS_AREA_START, LEGACY_HOLE_END);
    if (size > LEGACY_HOLE_END) this.add(LEGACY_HOLE_END, size < MMIO_WINDOW_START ? size : MMIO_WINDOW_START);
    if (size > MMIO_WINDOW_START) this.add(FOUR_GIB, FOUR_GIB + size - MMIO_WINDOW_START);
  }

  private add(start: u64, end: u64): void {
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
    this.top = end;
  }

  // The host-physical address behind guest-physical `gpa`, or NOT_RAM.
  hostOf(gpa: u64): u64 {
    for (let i = 0; i < this.count; i++) {
      if (gpa >= unchecked(this.starts[i]) && gpa < unchecked(this.ends[i])) return this.hostBase + this.hostOffset(i, gpa);
    }
    return NOT_RAM;
  }

  // How many bytes of RAM run on without a hole from `gpa` (0: not RAM).
  bytesFrom(gpa: u64): u64 {
    for (let i = 0; i < this.count; i++) {
      if (gpa >= unchecked(this.starts[i]) && gpa < unchecked(this.ends[i])) return unchecked(this.ends[i]) - gpa;
    }
    return 0;
  }

  contains(gpa: u64, len: u64): bool {
    const run = this.bytesFrom(gpa);
    return run != 0 && len <= run;
  }

  // Copy guest bytes into linear memory; false if outside guest RAM.
  read(gpa: u64, dst: usize, len: u32): bool {
    if (!this.contains(gpa, len)) return false;
    physRead(dst, this.hostOf(gpa), len);
    return true;
  }

  write(gpa: u64, src: usize, len: u32): bool {
    if (!this.contains(gpa, len)) return false;
    physWrite(this.hostOf(gpa), src, len);
    return true;
  }

  // Zero every RAM range: nothing the firmware, the boot loader or the
  // hypervisor left in those host frames is readable by the guest.
  zero(): void {
    for (let i = 0; i < this.count; i++) {
      const start = this.starts[i];
      physClear(this.hostBase + this.hostOffset(i, start), this.ends[i] - start);
    }
  }

  // Below 4 GiB a range's host frames sit at the same offset as its
  // guest-physical address; above, they follow the RAM below the window.
  private hostOffset(i: i32, gpa: u64): u64 {
    const start = unchecked(this.starts[i]);
    return start >= FOUR_GIB ? MMIO_WINDOW_START + (gpa - start) : gpa;
  }
}
