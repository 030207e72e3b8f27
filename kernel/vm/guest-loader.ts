// Loading a flat guest image (a boot module) into guest RAM. Test guests are
// real-mode binaries linked at 0x7c00, like a boot sector (test/guests/):
// they start in real mode at 0000:7c00 with SP just below the image.
import { physRead } from "../hal/imports";
import { GuestMemory } from "./guest-memory";
import { InitialState, realModeState } from "./initial-state";
import { begin, endl, puts, putDec } from "../console/console";

export const FLAT_LOAD_ADDRESS: u64 = 0x7c00;
// Real mode at CS = 0 reaches up to 0xffff: the image must end below it.
export const FLAT_MAX_BYTES: u32 = 0x10000 - 0x7c00;
const CHUNK: u32 = 4096;
const bounce = memory.data(<i32>CHUNK);

// Copy [start, end) of host-physical memory to FLAT_LOAD_ADDRESS and fill
// the vCPU's initial state.
export function loadFlatImage(mem: GuestMemory, start: u64, end: u64, state: InitialState): bool {
  const size = end - start;
  if (size == 0 || size > <u64>FLAT_MAX_BYTES) {
    begin("guest image rejected: ");
    putDec(size);
    puts(size == 0 ? " bytes (empty)" : " bytes is more than a real-mode flat image can hold (");
    if (size != 0) {
      putDec(FLAT_MAX_BYTES);
      puts(" at 0x7c00)");
    }
    endl();
    return false;
  }
  for (let off: u64 = 0; off < size; off += CHUNK) {
    const n = <u32>(size - off < <u64>CHUNK ? size - off : <u64>CHUNK);
    physRead(bounce, start + off, n);
    if (!mem.write(FLAT_LOAD_ADDRESS + off, bounce, n)) return false;
  }
  realModeState(state, FLAT_LOAD_ADDRESS, FLAT_LOAD_ADDRESS);
  return true;
}
