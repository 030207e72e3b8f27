// Intel EPT entries and pointer (SDM Vol. 3C §29.3, Tables 29-1 to 29-6;
// EPTP §25.6.11) over the shared nested-paging template.
import { buildNestedTables, NestedFormat, NestedTables } from "./nested-paging";
import { GuestMemory } from "../vm/guest-memory";

const EPT_RWX: u64 = 7; // read, write, execute
const EPT_MEMTYPE_WB: u64 = 6 << 3; // leaf memory type, bits 5:3 (§29.3.7)
const EPT_LARGE_PAGE: u64 = 1 << 7; // PDE maps a 2 MiB page
const EPTP_WB: u64 = 6;
const EPTP_WALK_4: u64 = 3 << 3; // page-walk length 4, encoded as 3

export const EPT_FORMAT = new NestedFormat(EPT_RWX, EPT_RWX | EPT_MEMTYPE_WB | EPT_LARGE_PAGE, EPT_RWX | EPT_MEMTYPE_WB);

export function buildEpt(mem: GuestMemory): NestedTables {
  return buildNestedTables(mem, EPT_FORMAT);
}

export function eptPointer(t: NestedTables): u64 {
  return t.rootPhys() | EPTP_WALK_4 | EPTP_WB;
}
