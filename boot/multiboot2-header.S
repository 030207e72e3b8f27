/*
 * Multiboot2 header (Multiboot2 spec §3.1): GRUB finds it in the first 32 KiB
 * of the ELF, 8-byte aligned, and loads our ELF segments as they are linked.
 * Beyond the defaults (the memory map and command line tags are always
 * provided, the ELF entry point is used) it asks for a framebuffer, as an
 * optional wish with no preferred size (§3.1.10): under UEFI GRUB then hands
 * over a GOP framebuffer (tag 8), on which the hypervisor draws its
 * console (drivers/host/framebuffer-text.ts). grub.cfg keeps a BIOS machine
 * in EGA text mode (gfxpayload=text, tools/builder/stages.ts grubCfg).
 */
#define MB2_TAG_FRAMEBUFFER 5         /* §3.1.10 */
#define MB2_TAG_OPTIONAL    1         /* §3.1.2: flags bit 0, the loader may ignore the tag */
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

    /* Framebuffer: width, height, depth 0, no preference (§3.1.10). */
    .balign 8
    .short MB2_TAG_FRAMEBUFFER
    .short MB2_TAG_OPTIONAL
    .long 20
    .long 0
    .long 0
    .long 0

    /* End tag: type 0, flags 0, size 8 (§3.1.2). */
    .balign 8
    .short 0
    .short 0
    .long 8
mb2_header_end:
