/* Host harness for boot/core-placement.c (test/unit/core-placement.test.ts):
 * reads a Multiboot2 information block as hex on stdin, and prints the
 * placement for the magic, the block's physical address, the image range
 * and the size given as arguments (hex), as "0x<base>" ("0x0": none). */
#include <stdio.h>
#include <stdlib.h>
#include "core-placement.h"

int main(int argc, char** argv) {
    if (argc != 6) return 2;
    static uint8_t mbi[1 << 16];
    size_t n = 0;
    unsigned v;
    while (n < sizeof mbi && scanf("%2x", &v) == 1) mbi[n++] = (uint8_t)v;
    struct core_placement_input in = {
        .magic = (uint32_t)strtoul(argv[1], 0, 16), .mbi = mbi, .mbi_phys = strtoull(argv[2], 0, 16),
        .image_start = strtoull(argv[3], 0, 16), .image_end = strtoull(argv[4], 0, 16), .bytes = strtoull(argv[5], 0, 16),
    };
    printf("0x%llx\n", (unsigned long long)place_core_memory(&in));
    return 0;
}
