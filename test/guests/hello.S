/* hello: the smallest guest. Starts in real mode (unrestricted guest),
 * prints through the emulated UART (port I/O exits), exits with status 0. */
#include "guest.inc"
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    PRINT "hello from a real-mode guest"
    VERDICT
