// Nested paging, one template for both vendors: the guest's RAM ranges
// (kernel/vm/guest-memory.ts) mapped to their host frames in a 4-level
// table (PML4 → PDPT → PD → PT), with 2 MiB pages wherever a whole 2 MiB
// of guest-physical space is RAM and 4 KiB pages where a range starts or
// ends inside one (the 640 KiB – 1 MiB legacy hole). Intel EPT and AMD NPT
// share the walk and differ only in how an entry says "present, writable,
// this kind of page" (kernel/mm/ept.ts, kernel/mm/npt.ts). Nothing but
// guest RAM is mapped: the hypervisor's image, its linear memory
// (VMCS/VMCB, these tables) and the rest of RAM stay invisible to the
// guest, and any other guest-physical address faults to the hypervisor.
import { allocPage, physOf } from "./linear";
import { GuestMemory, NOT_RAM } from "../vm/guest-memory";

export const PAGE_2M: u64 = 2 << 20;
const PAGE_4K: u64 = 4096;
const GIB: u64 = 1 << 30;
// One PDPT: 512 GiB of guest-physical space.
export const NESTED_MAX_TOP: u64 = <u64>512 << 30;

export class NestedFormat {
  constructor(public nonLeaf: u64, public leaf2M: u64, public leaf4K: u64) {}
}

export class NestedTables {
  pml4: usize = 0;
  pdpt: usize = 0;

  rootPhys(): u64 {
    return physOf(this.pml4);
  }
}

function table(parent: usize, index: u64, format: NestedFormat): usize {
  const at = parent + <usize>index * 8;
  const e = load<u64>(at);
  if (e != 0) return <usize>((e & ~<u64>0xfff) - physOf(0));
  const page = allocPage();
  store<u64>(at, physOf(page) | format.nonLeaf);
  return page;
}

export function buildNestedTables(mem: GuestMemory, format: NestedFormat): NestedTables {
  assert((mem.hostBase & (PAGE_2M - 1)) == 0 && mem.top <= NESTED_MAX_TOP, "nested paging layout");
  const t = new NestedTables();
  t.pml4 = allocPage();
  t.pdpt = table(t.pml4, 0, format);
  for (let base: u64 = 0; base < mem.top; base += PAGE_2M) {
    const host = mem.hostOf(base);
    if (host != NOT_RAM && mem.bytesFrom(base) >= PAGE_2M) {
      const pd = table(t.pdpt, base / GIB, format);
      store<u64>(pd + <usize>((base % GIB) / PAGE_2M) * 8, host | format.leaf2M);
      continue;
    }
    // Part of this 2 MiB is RAM, or none: 4 KiB pages for the RAM in it.
    for (let off: u64 = 0; off < PAGE_2M; off += PAGE_4K) {
      const h = mem.hostOf(base + off);
      if (h == NOT_RAM) continue;
      const pd = table(t.pdpt, base / GIB, format);
      const pt = table(pd, (base % GIB) / PAGE_2M, format);
      store<u64>(pt + <usize>(off / PAGE_4K) * 8, h | format.leaf4K);
    }
  }
  return t;
}
