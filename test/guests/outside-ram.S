/* outside-ram: switches to 32-bit protected mode with flat segments and
 * writes at 1 GiB, far outside its 16 MiB of RAM. The VM must stop with
 * the guest-physical address and RIP reported. */
#include "guest.inc"
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    PRINT "entering protected mode to write at 0x40000000"
    lgdt [gdt_descriptor]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    ljmp 0x08, offset pm32
    .code32
pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov dword ptr [0x40000000], 0x12345678
    /* Not reached: the write stops the VM. */
    mov al, 1
    out EXIT_PORT, al
    .code16

    .section .rodata
    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff   /* 0x08: flat 32-bit code */
    .quad 0x00cf92000000ffff   /* 0x10: flat 32-bit data */
gdt_descriptor:
    .word gdt_descriptor - gdt - 1
    .long gdt
