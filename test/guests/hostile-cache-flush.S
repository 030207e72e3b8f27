/* hostile-cache-flush: WBINVD and INVD, plain and with a redundant prefix.
 * Both exit; without NRIP save (QEMU's TCG) the hypervisor decodes their
 * length from the bytes (kernel/svm/insn-length.ts) — it once re-ran them
 * forever with a length of 0. Each must complete and execution go on. */
#include "guest.inc"
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    wbinvd                  /* 0F 09 */
    PRINT "check: WBINVD completed: ok"
    invd                    /* 0F 08 */
    PRINT "check: INVD completed: ok"
    .byte 0x2e, 0x0f, 0x09  /* CS-prefixed WBINVD: 3 bytes */
    .byte 0x3e, 0x0f, 0x08  /* DS-prefixed INVD: 3 bytes */
    PRINT "check: prefixed WBINVD and INVD completed: ok"
    VERDICT
