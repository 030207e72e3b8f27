// Nested paging, one template for both vendors: guest-physical [0, size)
// mapped to host-physical [hostBase, hostBase + size) with 2 MiB pages in a
// 4-level table (PML4 → PDPT → PD). Intel EPT and AMD NPT share the walk
// and differ only in how an entry says "present, writable, 2 MiB page"
// (kernel/mm/ept.ts, kernel/mm/npt.ts). Nothing but guest RAM is mapped: the
// hypervisor's image, its linear memory (VMCS/VMCB, these tables) and the
// rest of RAM stay invisible to the guest, and any other guest-physical
// address faults to the hypervisor.
import { allocPage, physOf } from "./linear";

export const PAGE_2M: u64 = 2 << 20;
export const NESTED_MAX_RAM: u64 = 1 << 30; // one page directory: 1 GiB

export class NestedFormat {
  constructor(public nonLeaf: u64, public leaf2M: u64) {}
}

export class NestedTables {
  pml4: usize = 0;
  pdpt: usize = 0;
  pd: usize = 0;

  rootPhys(): u64 {
    return physOf(this.pml4);
  }
}

// `hostBase` and `size` are 2 MiB multiples; size <= 1 GiB.
export function buildNestedTables(hostBase: u64, size: u64, format: NestedFormat): NestedTables {
  assert((hostBase & (PAGE_2M - 1)) == 0 && (size & (PAGE_2M - 1)) == 0 && size <= NESTED_MAX_RAM, "nested paging layout");
  const t = new NestedTables();
  t.pml4 = allocPage();
  t.pdpt = allocPage();
  t.pd = allocPage();
  store<u64>(t.pml4, physOf(t.pdpt) | format.nonLeaf);
  store<u64>(t.pdpt, physOf(t.pd) | format.nonLeaf);
  const pages = <u32>(size / PAGE_2M);
  for (let i: u32 = 0; i < pages; i++) {
    store<u64>(t.pd + <usize>i * 8, (hostBase + <u64>i * PAGE_2M) | format.leaf2M);
  }
  return t;
}
