// Loading a flat guest image (a boot module) into guest RAM. Test guests are
// binaries linked at 0x7c00, like a boot sector (test/guests/). They start
// at 0x7c00 with SP = 0x7c00 in the mode `guest_mode=` names:
//   real        (the default) real mode at 0000:7c00;
//   protected32 flat 32-bit protected mode, paging off;
//   long64      64-bit long mode over identity-mapped page tables that the
//               loader builds at IDENTITY_TABLES_AT (all of guest RAM, 2 MiB
//               pages; kernel/vm/identity-paging.ts).
import { GuestMemory } from "../vm/guest-memory";
import { CpuMode, InitialState, realModeState, protectedFlatState, longModeState } from "../vm/initial-state";
import { buildIdentityPaging } from "../vm/identity-paging";
import { begin, endl, puts, putDec } from "../console/console";
import { copyToGuest } from "./module-copy";
import { IDENTITY_TABLES_AT } from "./low-memory";

export const FLAT_LOAD_ADDRESS: u64 = 0x7c00;
// Real mode at CS = 0 reaches up to 0xffff: the image must end below it.
export const FLAT_MAX_BYTES: u32 = 0x10000 - 0x7c00;

// Copy [start, end) of host-physical memory to FLAT_LOAD_ADDRESS and fill
// the vCPU's initial state for `mode`.
export function loadFlatImage(mem: GuestMemory, start: u64, end: u64, mode: CpuMode, state: InitialState): bool {
  const size = end - start;
  if (size == 0 || size > <u64>FLAT_MAX_BYTES) {
    begin("guest image rejected: ");
    putDec(size);
    puts(size == 0 ? " bytes (empty)" : " bytes is more than a flat image can hold (");
    if (size != 0) {
      putDec(FLAT_MAX_BYTES);
      puts(" at 0x7c00)");
    }
    endl();
    return false;
  }
  if (!copyToGuest(mem, FLAT_LOAD_ADDRESS, start, size)) return false;
  if (mode == CpuMode.Real) {
    realModeState(state, FLAT_LOAD_ADDRESS, FLAT_LOAD_ADDRESS);
  } else if (mode == CpuMode.Protected32) {
    protectedFlatState(state, FLAT_LOAD_ADDRESS);
    state.rsp = FLAT_LOAD_ADDRESS;
  } else {
    const cr3 = buildIdentityPaging(mem, IDENTITY_TABLES_AT, mem.top);
    if (cr3 == 0) return false;
    longModeState(state, FLAT_LOAD_ADDRESS, cr3);
    state.rsp = FLAT_LOAD_ADDRESS;
  }
  return true;
}
