// Identity-mapped 4-level page tables in guest RAM, for a guest that starts
// in 64-bit mode (kernel/vm/initial-state.ts longModeState): guest-linear =
// guest-physical for [0, bytes), in 2 MiB pages (SDM Vol. 3A §5.5, Figures
// 5-8 to 5-10; present, writable, PS in the page-directory entries). One
// PML4 page, one PDPT page, then one page directory per GiB.
import { GuestMemory } from "./guest-memory";

const PAGE: u64 = 4096;
const PAGE_2M: u64 = 2 << 20;
const GIB: u64 = 1 << 30;
const PTE_P: u64 = 1 << 0;
const PTE_RW: u64 = 1 << 1;
const PTE_PS: u64 = 1 << 7;
const MAX_GIB: u64 = 512; // one PDPT
const entry = memory.data(8);

// Pages the tables for `bytes` of identity mapping take.
export function identityPagingPages(bytes: u64): u64 {
  return 2 + (bytes + GIB - 1) / GIB;
}

function put(mem: GuestMemory, gpa: u64, value: u64): bool {
  store<u64>(entry, value);
  return mem.write(gpa, entry, 8);
}

// Build the tables at guest-physical `at` (page-aligned); returns the CR3
// value, or 0 if they or the mapping do not fit.
export function buildIdentityPaging(mem: GuestMemory, at: u64, bytes: u64): u64 {
  const gib = (bytes + GIB - 1) / GIB;
  if ((at & (PAGE - 1)) != 0 || gib == 0 || gib > MAX_GIB) return 0;
  if (!mem.contains(at, identityPagingPages(bytes) * PAGE)) return 0;
  const pml4 = at;
  const pdpt = at + PAGE;
  // Every entry is written, the empty ones too: nothing left in those
  // frames may read as a mapping.
  for (let i: u64 = 0; i < 512; i++) {
    if (!put(mem, pml4 + i * 8, i == 0 ? pdpt | PTE_P | PTE_RW : 0)) return 0;
    if (i >= gib && !put(mem, pdpt + i * 8, 0)) return 0;
  }
  for (let g: u64 = 0; g < gib; g++) {
    const pd = at + (2 + g) * PAGE;
    if (!put(mem, pdpt + g * 8, pd | PTE_P | PTE_RW)) return 0;
    for (let i: u64 = 0; i < 512; i++) {
      const page = g * GIB + i * PAGE_2M;
      if (!put(mem, pd + i * 8, page < bytes ? page | PTE_P | PTE_RW | PTE_PS : 0)) return 0;
    }
  }
  return pml4;
}
