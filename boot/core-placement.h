/* The core's linear memory, placed from the memory map (boot/core-placement.c). */
#ifndef TSVISOR_CORE_PLACEMENT_H
#define TSVISOR_CORE_PLACEMENT_H
#include <stdint.h>

struct core_placement_input {
    uint32_t magic;          /* EAX at entry: the Multiboot2 magic, or anything else */
    const uint8_t* mbi;      /* the multiboot2 information, readable here */
    uint64_t mbi_phys;       /* where it lies in physical memory */
    uint64_t image_start;    /* the hypervisor's image, physical [start, end) */
    uint64_t image_end;
    uint64_t bytes;          /* how much to place */
};

/* The physical base (2 MiB-aligned), or 0 if the map has no room or the
 * boot information is not Multiboot2's. */
uint64_t place_core_memory(const struct core_placement_input* in);
#endif
