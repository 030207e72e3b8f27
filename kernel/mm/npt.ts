// AMD nested page tables: the long-mode page-table format (AMD APM Vol. 2
// §15.25.5). Nested walks count as user accesses, so every level needs U/S;
// memory type comes from PAT index 0 (write-back) with PWT = PCD = 0.
import { buildNestedTables, NestedFormat, NestedTables } from "./nested-paging";
import { GuestMemory } from "../vm/guest-memory";

const PTE_PRESENT: u64 = 1 << 0;
const PTE_WRITE: u64 = 1 << 1;
const PTE_USER: u64 = 1 << 2;
const PTE_LARGE: u64 = 1 << 7; // PDE maps a 2 MiB page

export const NPT_FORMAT = new NestedFormat(PTE_PRESENT | PTE_WRITE | PTE_USER, PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_LARGE,
  PTE_PRESENT | PTE_WRITE | PTE_USER);

export function buildNpt(mem: GuestMemory): NestedTables {
  return buildNestedTables(mem, NPT_FORMAT);
}
