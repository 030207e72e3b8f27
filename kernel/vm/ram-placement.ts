// Where a guest's RAM goes in host memory: the lowest 2 MiB-aligned run of
// host frames, after the core's own memory, that the firmware's memory map
// calls usable, that the hypervisor's identity map reaches (`mapEnd`: 4 GiB,
// or 64 GiB with 1 GiB pages, boot/entry32.S), and that holds none of the
// boot modules — the guest's
// kernel and initrd are copied out of those into its RAM, so the RAM must
// not be laid over them (GRUB puts modules right after the hypervisor's
// image, where the RAM would otherwise start).
import { Mb2Info, MMAP_AVAILABLE } from "../boot/multiboot2";
import { isUsable } from "../boot/memory-map";
import { overlapsModule } from "../boot/modules";
import { PAGE_2M } from "../mm/nested-paging";

export const NO_PLACE: u64 = 0xffffffffffffffff;

@inline function alignUp(v: u64): u64 { return (v + PAGE_2M - 1) & ~(PAGE_2M - 1); }

function fits(info: Mb2Info, base: u64, span: u64, mapEnd: u64): bool {
  return span <= mapEnd && base <= mapEnd - span && isUsable(info, base, span) && !overlapsModule(info, base, span);
}

// The host base for `span` bytes of host frames, or NO_PLACE. Candidates:
// right after the core, right after each module, and the start of each
// usable region of the memory map (RAM above 4 GiB on a larger machine
// starts one: the PCI hole below 4 GiB splits a PC's RAM).
export function placeGuestRam(info: Mb2Info, coreEnd: u64, span: u64, mapEnd: u64): u64 {
  let best = NO_PLACE;
  const first = alignUp(coreEnd);
  if (fits(info, first, span, mapEnd)) return first;
  for (let i: u32 = 0; i < info.moduleCount; i++) {
    const c = alignUp(<u64>info.moduleEnds[i]);
    if (c >= first && c < best && fits(info, c, span, mapEnd)) best = c;
  }
  for (let i: u32 = 0; i < info.mmapCount; i++) {
    if (info.entryType(i) != MMAP_AVAILABLE) continue;
    const c = alignUp(info.entryBase(i));
    if (c >= first && c < best && fits(info, c, span, mapEnd)) best = c;
  }
  return best;
}
