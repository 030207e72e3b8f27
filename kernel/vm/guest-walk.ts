// Guest linear → guest-physical, for the hypervisor's own reads of guest
// memory (instruction bytes). Paging off: the identity. Long mode: the
// 4-level walk with 1 GiB and 2 MiB pages (Intel SDM Vol. 3A §5.5 / AMD APM
// Vol. 2 §5.3). Other paging modes are not walked yet: NO_TRANSLATION.
import { Vcpu } from "./vcpu";
import { GuestMemory } from "./guest-memory";
import { CR0_PG, EFER_LMA } from "../arch/x86";

export const NO_TRANSLATION: u64 = 0xffffffffffffffff;
const PTE_P: u64 = 1;
const PTE_PS: u64 = 1 << 7;
const ADDR_MASK: u64 = 0x000ffffffffff000;
const entry = memory.data(8);

function readEntry(mem: GuestMemory, table: u64, index: u64): u64 {
  return mem.read((table & ADDR_MASK) + index * 8, entry, 8) ? load<u64>(entry) : 0;
}

export function linearToGuestPhysical(vcpu: Vcpu, mem: GuestMemory, linear: u64): u64 {
  if ((vcpu.cr0() & CR0_PG) == 0) return linear;
  if ((vcpu.efer() & EFER_LMA) == 0) return NO_TRANSLATION;
  let table = vcpu.cr3();
  for (let level: i32 = 3; level >= 0; level--) {
    const shift = <u64>(12 + 9 * level);
    const e = readEntry(mem, table, (linear >> shift) & 0x1ff);
    if ((e & PTE_P) == 0) return NO_TRANSLATION;
    if (level == 0 || ((level == 1 || level == 2) && (e & PTE_PS) != 0)) {
      const pageMask = (<u64>1 << shift) - 1;
      return (e & ADDR_MASK & ~pageMask) | (linear & pageMask);
    }
    table = e;
  }
  return NO_TRANSLATION;
}
