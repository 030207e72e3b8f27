/*
 * CPU exception entry stubs for the hypervisor's own IDT (vectors 0-31).
 * An exception in tsvisor itself is a bug or a hardware fault: every stub
 * funnels into exception_panic(vector, error_code, rip, cr2), which reports
 * and halts. The CPU pushes an error code only for vectors 8, 10-14, 17, 21,
 * 29 and 30 (Intel SDM Vol. 3A §6.15, Table 6-1); the others push a zero so
 * that every frame has the same shape.
 */
    .intel_syntax noprefix
    .section .text
    .code64

    .macro STUB vec, has_error
    .balign 16
exception_stub_\vec:
    .if \has_error == 0
    push 0
    .endif
    push \vec
    jmp exception_common
    .endm

    STUB 0,0
    STUB 1,0
    STUB 2,0
    STUB 3,0
    STUB 4,0
    STUB 5,0
    STUB 6,0
    STUB 7,0
    STUB 8,1
    STUB 9,0
    STUB 10,1
    STUB 11,1
    STUB 12,1
    STUB 13,1
    STUB 14,1
    STUB 15,0
    STUB 16,0
    STUB 17,1
    STUB 18,0
    STUB 19,0
    STUB 20,0
    STUB 21,1
    STUB 22,0
    STUB 23,0
    STUB 24,0
    STUB 25,0
    STUB 26,0
    STUB 27,0
    STUB 28,0
    STUB 29,1
    STUB 30,1
    STUB 31,0

exception_common:
    /* A #GP at an instruction in the fix-up table resumes at its fix-up
     * (boot/fault-fixups.S); RAX and RCX are free there (the functions'
     * callers treat them as clobbered). */
    cmp qword ptr [rsp], 13
    jne 1f
    lea rcx, [rip + __fixup_table_start]
3:  lea rax, [rip + __fixup_table_end]
    cmp rcx, rax
    jae 1f
    mov rax, [rcx]
    cmp [rsp + 16], rax
    je 4f
    add rcx, 16
    jmp 3b
4:  mov rax, [rcx + 8]
    mov [rsp + 16], rax
    add rsp, 16             /* vector and error code */
    iretq
1:  mov rdi, [rsp]          /* vector */
    mov rsi, [rsp + 8]      /* error code */
    mov rdx, [rsp + 16]     /* faulting RIP from the interrupt frame */
    mov rcx, cr2            /* page-fault linear address (meaningful for #PF) */
    and rsp, -16
    call exception_panic
2:  cli
    hlt
    jmp 2b

    .section .rodata
    .balign 8
    .global exception_stub_table
exception_stub_table:
    .irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad exception_stub_\vec
    .endr
