// Extended page tables (Intel SDM Vol. 3C §29.3): guest-physical [0, size)
// mapped to host-physical [hostBase, hostBase + size) with 2 MiB pages.
// Nothing else is mapped: the hypervisor's image, its linear memory (VMCS,
// these tables) and the rest of RAM stay invisible to the guest, and every
// guest-physical address outside RAM causes an EPT violation.
import { allocPage, physOf } from "./linear";

// EPT entry bits (SDM Vol. 3C Tables 29-1 to 29-6).
const EPT_READ: u64 = 1 << 0;
const EPT_WRITE: u64 = 1 << 1;
const EPT_EXECUTE: u64 = 1 << 2;
const EPT_RWX: u64 = EPT_READ | EPT_WRITE | EPT_EXECUTE;
const EPT_MEMTYPE_WB: u64 = 6 << 3; // leaf memory type, bits 5:3 (SDM §29.3.7)
const EPT_LARGE_PAGE: u64 = 1 << 7; // PDE maps a 2 MiB page
// EPTP (SDM Vol. 3C §25.6.11): memory type WB, page-walk length 4 (encoded 3).
const EPTP_WB: u64 = 6;
const EPTP_WALK_4: u64 = 3 << 3;

export const PAGE_2M: u64 = 2 << 20;
export const EPT_MAX_RAM: u64 = 1 << 30; // one page directory: 1 GiB

export class Ept {
  pml4: usize = 0;
  pdpt: usize = 0;
  pd: usize = 0;

  eptp(): u64 {
    return physOf(this.pml4) | EPTP_WALK_4 | EPTP_WB;
  }
}

// Build the tables. `hostBase` and `size` are 2 MiB multiples; size <= 1 GiB.
export function buildEpt(hostBase: u64, size: u64): Ept {
  assert((hostBase & (PAGE_2M - 1)) == 0 && (size & (PAGE_2M - 1)) == 0 && size <= EPT_MAX_RAM, "EPT layout");
  const e = new Ept();
  e.pml4 = allocPage();
  e.pdpt = allocPage();
  e.pd = allocPage();
  store<u64>(e.pml4, physOf(e.pdpt) | EPT_RWX);
  store<u64>(e.pdpt, physOf(e.pd) | EPT_RWX);
  const pages = <u32>(size / PAGE_2M);
  for (let i: u32 = 0; i < pages; i++) {
    store<u64>(e.pd + <usize>i * 8, (hostBase + <u64>i * PAGE_2M) | EPT_RWX | EPT_MEMTYPE_WB | EPT_LARGE_PAGE);
  }
  return e;
}
