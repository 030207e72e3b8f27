/*
 * Where the core's linear memory goes in physical memory: decided here, at
 * entry, because the core cannot run before it has it. Firmware reserves
 * ranges in many places: OVMF keeps ACPI NVS at 0x800000-0x807fff and more
 * in low memory, inside what used to be a fixed region after the image.
 * So the memory map that GRUB passes decides (Multiboot2 §3.6.8, tag 6,
 * which GRUB fills from the EFI memory map under UEFI and from E820 under
 * a BIOS). The choice is the lowest 2 MiB-aligned run of `bytes` that:
 *   - lies inside one "available" entry (type 1), at or above 1 MiB and
 *     below 4 GiB, inside every identity map boot/entry32.S builds;
 *   - overlaps neither the hypervisor's image, nor the multiboot2
 *     information, nor any module (tag 3) GRUB loaded.
 * The core checks the result against the map again (kernel/boot/
 * memory-map.ts checkCoreRegion) and places guest RAM after it.
 *
 * This file reads only the bytes it is given, so the unit tests build it
 * for the host with the real OVMF and SeaBIOS memory maps
 * (test/unit/core-placement.test.ts).
 */
#include "core-placement.h"

#define MB2_MAGIC 0x36d76289u   /* Multiboot2 §3.2: EAX on entry */
#define TAG_END 0
#define TAG_MODULE 3
#define TAG_MMAP 6
#define MMAP_AVAILABLE 1
#define ALIGN (2ull << 20)
#define LOW (1ull << 20)
#define FOUR_GIB (1ull << 32)

static uint32_t rd32(const uint8_t* p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t* p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static uint64_t align_up(uint64_t v) { return (v + ALIGN - 1) & ~(ALIGN - 1); }

/* If [base, base + len) overlaps [start, end): the end, else 0. */
static uint64_t clash(uint64_t base, uint64_t len, uint64_t start, uint64_t end) {
    return (base < end && start < base + len) ? end : 0;
}

/* The first end of a range the run at `base` overlaps, or 0 if none. */
static uint64_t first_clash(const struct core_placement_input* in, uint64_t base) {
    uint64_t e;
    if ((e = clash(base, in->bytes, in->image_start, in->image_end))) return e;
    if ((e = clash(base, in->bytes, in->mbi_phys, in->mbi_phys + rd32(in->mbi)))) return e;
    const uint8_t* end = in->mbi + rd32(in->mbi);
    for (const uint8_t* t = in->mbi + 8; t + 8 <= end; t += (rd32(t + 4) + 7) & ~7u) {
        uint32_t type = rd32(t), size = rd32(t + 4);
        if (type == TAG_END || size < 8) break;
        if (type == TAG_MODULE && size >= 16 && (e = clash(base, in->bytes, rd32(t + 8), rd32(t + 12)))) return e;
    }
    return 0;
}

uint64_t place_core_memory(const struct core_placement_input* in) {
    if (in->magic != MB2_MAGIC || rd32(in->mbi) < 16) return 0;
    const uint8_t* end = in->mbi + rd32(in->mbi);
    uint64_t best = 0;
    for (const uint8_t* t = in->mbi + 8; t + 8 <= end; t += (rd32(t + 4) + 7) & ~7u) {
        uint32_t type = rd32(t), size = rd32(t + 4);
        if (type == TAG_END || size < 8) break;
        if (type != TAG_MMAP || size < 16) continue;
        uint32_t entry_size = rd32(t + 8);
        if (entry_size < 24) continue;
        for (const uint8_t* e = t + 16; e + entry_size <= t + size; e += entry_size) {
            if (rd32(e + 16) != MMAP_AVAILABLE) continue;
            uint64_t lo = rd64(e), hi = lo + rd64(e + 8);
            if (hi > FOUR_GIB) hi = FOUR_GIB;
            uint64_t base = align_up(lo < LOW ? LOW : lo);
            while (base + in->bytes <= hi && base + in->bytes > base) {
                uint64_t past = first_clash(in, base);
                if (past == 0) break;
                base = align_up(past);
            }
            if (base + in->bytes <= hi && base + in->bytes > base && (best == 0 || base < best)) best = base;
        }
    }
    return best;
}
