// Guest linear → guest-physical, for the hypervisor's own reads of guest
// memory (instruction bytes, string operands), by the guest's own page
// tables in each paging mode (Intel SDM Vol. 3A §5.1.2, Table 5-1; AMD APM
// Vol. 2 §5.1):
//   - paging off: the identity;
//   - 32-bit paging (CR4.PAE = 0): two levels of 4-byte entries, 4 MiB
//     pages where CR4.PSE allows them (SDM Vol. 3A §5.3);
//   - PAE paging (CR4.PAE = 1, EFER.LMA = 0): four PDPTEs, then two levels
//     of 8-byte entries with 2 MiB pages (§5.4);
//   - 4-level paging (EFER.LMA = 1): 1 GiB and 2 MiB pages (§5.5; APM §5.3).
// Only the present bits are checked: the CPU has checked the access rights
// of the access that exited before it exited. Tables outside guest RAM read
// as not present. PAE's PDPTEs are read from memory, where the CPU uses the
// copies it loaded with CR3 (§5.4.1); they differ only while a guest has
// changed its PDPT without reloading CR3.
import { Vcpu } from "./vcpu";
import { GuestMemory } from "./guest-memory";
import { CR0_PG, CR4_PAE, CR4_PSE, EFER_LMA } from "../arch/x86";

export const NO_TRANSLATION: u64 = 0xffffffffffffffff;
const PTE_P: u64 = 1;
const PTE_PS: u64 = 1 << 7;
const ADDR_MASK: u64 = 0x000ffffffffff000;
const entry = memory.data(8);

// The `bytes`-byte entry at guest-physical `at`, or 0 (not present) outside RAM.
function readEntry(mem: GuestMemory, at: u64, bytes: u32): u64 {
  if (!mem.read(at, entry, bytes)) return 0;
  return bytes == 4 ? <u64>load<u32>(entry) : load<u64>(entry);
}

export function linearToGuestPhysical(vcpu: Vcpu, mem: GuestMemory, linear: u64): u64 {
  if ((vcpu.cr0() & CR0_PG) == 0) return linear;
  if ((vcpu.efer() & EFER_LMA) != 0) return walk4Level(mem, vcpu.cr3(), linear);
  const cr4 = vcpu.cr4();
  if ((cr4 & CR4_PAE) != 0) return walkPae(mem, vcpu.cr3(), linear & 0xffffffff);
  return walk32(mem, vcpu.cr3(), linear & 0xffffffff, (cr4 & CR4_PSE) != 0);
}

// 32-bit paging (SDM Vol. 3A §5.3, Figures 5-2 and 5-3): CR3 bits 31:12
// hold the page directory; a PDE with PS (and CR4.PSE) maps 4 MiB, its bits
// 20:13 giving physical-address bits 39:32 (PSE-36, Table 5-4).
function walk32(mem: GuestMemory, cr3: u64, linear: u64, pse: bool): u64 {
  const pde = readEntry(mem, (cr3 & 0xfffff000) + ((linear >> 22) & 0x3ff) * 4, 4);
  if ((pde & PTE_P) == 0) return NO_TRANSLATION;
  if (pse && (pde & PTE_PS) != 0) {
    return (((pde >> 13) & 0xff) << 32) | (pde & 0xffc00000) | (linear & 0x3fffff);
  }
  const pte = readEntry(mem, (pde & 0xfffff000) + ((linear >> 12) & 0x3ff) * 4, 4);
  if ((pte & PTE_P) == 0) return NO_TRANSLATION;
  return (pte & 0xfffff000) | (linear & 0xfff);
}

// PAE paging (§5.4, Figures 5-5 to 5-7): CR3 bits 31:5 hold the four
// PDPTEs, selected by linear bits 31:30; a PDE with PS maps 2 MiB.
function walkPae(mem: GuestMemory, cr3: u64, linear: u64): u64 {
  const pdpte = readEntry(mem, (cr3 & 0xffffffe0) + ((linear >> 30) & 3) * 8, 8);
  if ((pdpte & PTE_P) == 0) return NO_TRANSLATION;
  const pde = readEntry(mem, (pdpte & ADDR_MASK) + ((linear >> 21) & 0x1ff) * 8, 8);
  if ((pde & PTE_P) == 0) return NO_TRANSLATION;
  if ((pde & PTE_PS) != 0) return (pde & ADDR_MASK & ~(<u64>0x1fffff)) | (linear & 0x1fffff);
  const pte = readEntry(mem, (pde & ADDR_MASK) + ((linear >> 12) & 0x1ff) * 8, 8);
  if ((pte & PTE_P) == 0) return NO_TRANSLATION;
  return (pte & ADDR_MASK) | (linear & 0xfff);
}

// 4-level paging (§5.5): PML4, PDPT (PS: 1 GiB), PD (PS: 2 MiB), PT.
function walk4Level(mem: GuestMemory, cr3: u64, linear: u64): u64 {
  let table = cr3;
  for (let level: i32 = 3; level >= 0; level--) {
    const shift = <u64>(12 + 9 * level);
    const e = readEntry(mem, (table & ADDR_MASK) + ((linear >> shift) & 0x1ff) * 8, 8);
    if ((e & PTE_P) == 0) return NO_TRANSLATION;
    if (level == 0 || ((level == 1 || level == 2) && (e & PTE_PS) != 0)) {
      const pageMask = (<u64>1 << shift) - 1;
      return (e & ADDR_MASK & ~pageMask) | (linear & pageMask);
    }
    table = e;
  }
  return NO_TRANSLATION;
}

// Copy up to `max` bytes between guest-linear `linear` and `buf` (into
// the guest when `toGuest`), each 4 KiB page translated on its own (an
// instruction or a TSS may cross into a page mapped elsewhere); `wrap32`:
// outside 64-bit mode linear addresses wrap at 4 GiB. Stops at the first
// byte that is unmapped or outside guest RAM; returns how many bytes were
// copied.
function copyGuestLinear(vcpu: Vcpu, mem: GuestMemory, linear: u64, buf: usize, max: u32, wrap32: bool, toGuest: bool): u32 {
  let done: u32 = 0;
  while (done < max) {
    let at = linear + done;
    if (wrap32) at &= 0xffffffff;
    const gpa = linearToGuestPhysical(vcpu, mem, at);
    if (gpa == NO_TRANSLATION || mem.bytesFrom(gpa) == 0) break;
    let chunk = min<u64>(<u64>(max - done), 4096 - (at & 4095));
    if (chunk > mem.bytesFrom(gpa)) chunk = mem.bytesFrom(gpa);
    const ok = toGuest ? mem.write(gpa, buf + done, <u32>chunk) : mem.read(gpa, buf + done, <u32>chunk);
    if (!ok) break;
    done += <u32>chunk;
  }
  return done;
}

// Read up to `max` bytes from guest-linear `linear` into `dst`.
export function readGuestLinear(vcpu: Vcpu, mem: GuestMemory, linear: u64, dst: usize, max: u32, wrap32: bool): u32 {
  return copyGuestLinear(vcpu, mem, linear, dst, max, wrap32, false);
}

// Write up to `max` bytes from `src` to guest-linear `linear`: the CPU's
// own writes (a TSS, a descriptor's busy bit) through the guest's page
// tables, the access rights unchecked.
export function writeGuestLinear(vcpu: Vcpu, mem: GuestMemory, linear: u64, src: usize, max: u32, wrap32: bool): u32 {
  return copyGuestLinear(vcpu, mem, linear, src, max, wrap32, true);
}
