/*
 * Multiboot2 header (Multiboot2 spec §3.1): GRUB finds it in the first 32 KiB
 * of the ELF, 8-byte aligned, and loads our ELF segments as they are linked.
 * We ask for nothing beyond the defaults: the memory map and command line
 * tags are always provided, and the ELF entry point is used.
 */
#define MB2_MAGIC        0xE85250D6   /* §3.1.1 header magic */
#define MB2_ARCH_I386    0            /* §3.1.1: 32-bit protected mode i386 */

    .section .multiboot2, "a"
    .balign 8
mb2_header_start:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header_start
    /* §3.1.1: checksum makes the four fields sum to zero (mod 2^32). */
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))

    /* End tag: type 0, flags 0, size 8 (§3.1.2). */
    .balign 8
    .short 0
    .short 0
    .long 8
mb2_header_end:
