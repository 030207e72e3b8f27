/* hlt: halts with interrupts disabled. Nothing can wake it, so the VM must
 * stop and the hypervisor must say so (and keep running). */
#include "guest.inc"
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    PRINT "halting with interrupts disabled"
    hlt
    PRINT "woke up from HLT: WRONG"
    EXIT 1
