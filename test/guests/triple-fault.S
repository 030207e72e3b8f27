/* triple-fault: loads an empty IVT and raises an exception. With nowhere to
 * deliver it, the processor shuts down (triple fault); the VM must stop with
 * a register report while the hypervisor keeps running. */
#include "guest.inc"
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    PRINT "loading an empty IVT and raising #BP"
    lidt [empty_idt]
    int3
    PRINT "survived: WRONG"
    EXIT 1

    .section .rodata
empty_idt:
    .word 0
    .long 0
