/* entry-long64: started by tsvisor in 64-bit long mode (kernel/vm/
 * initial-state.ts longModeState), as Linux's 64-bit boot protocol is,
 * over the identity-mapped page tables the loader built at 0x1000
 * (kernel/vm/identity-paging.ts). Checks the state it was handed — CR0.PG,
 * CR4.PAE, EFER.LME and LMA, CR3 = 0x1000, 64-bit operand size, RSP =
 * 0x7c00, guest RAM identity-mapped up to its last 2 MiB page — and exits
 * with 0.
 * tsvisor-cmdline: guest_mode=long64 */
#include "guest.inc"
    .text
    .global _start
    .code64
_start:
    cmp rsp, 0x7c00
    jne bad_rsp
    lea rsi, [rip + msg_rsp]
    call guest_puts64
    mov rax, cr0
    bt rax, 31                  /* PG */
    jnc bad_paging
    mov rax, cr4
    bt rax, 5                   /* PAE */
    jnc bad_paging
    mov rax, cr3
    cmp rax, 0x1000
    jne bad_paging
    lea rsi, [rip + msg_paging]
    call guest_puts64
    mov ecx, 0xc0000080         /* IA32_EFER */
    rdmsr
    and eax, (1 << 8) | (1 << 10)
    cmp eax, (1 << 8) | (1 << 10) /* LME and LMA */
    jne bad_efer
    lea rsi, [rip + msg_efer]
    call guest_puts64
    mov rbx, rsp                /* a 64-bit push moves RSP by 8 */
    push rax
    sub rbx, rsp
    pop rax
    cmp rbx, 8
    jne bad_size
    lea rsi, [rip + msg_size]
    call guest_puts64
    /* Identity mapping: the last quadword of 16 MiB of guest RAM. */
    mov rdi, 0xfffff8
    mov rax, 0x0123456789abcdef
    mov [rdi], rax
    cmp [rdi], rax
    jne bad_map
    lea rsi, [rip + msg_map]
    call guest_puts64
    lea rsi, [rip + msg_pass]
    call guest_puts64
    mov al, 0
    out EXIT_PORT, al
bad_rsp:    lea rsi, [rip + msg_bad_rsp]
            jmp fail64
bad_paging: lea rsi, [rip + msg_bad_paging]
            jmp fail64
bad_efer:   lea rsi, [rip + msg_bad_efer]
            jmp fail64
bad_size:   lea rsi, [rip + msg_bad_size]
            jmp fail64
bad_map:    lea rsi, [rip + msg_bad_map]
fail64:
    call guest_puts64
    lea rsi, [rip + msg_fail]
    call guest_puts64
    mov al, 1
    out EXIT_PORT, al

    .code16

    .section .rodata
msg_rsp:        .asciz "check: started with RSP = 0x7c00: ok\n"
msg_paging:     .asciz "check: CR0.PG, CR4.PAE, CR3 = 0x1000: ok\n"
msg_efer:       .asciz "check: EFER.LME and EFER.LMA set: ok\n"
msg_size:       .asciz "check: 64-bit operand size: ok\n"
msg_map:        .asciz "check: guest RAM identity-mapped to 16 MiB: ok\n"
msg_pass:       .asciz "verdict: PASS\n"
msg_bad_rsp:    .asciz "check: RSP is not 0x7c00: WRONG\n"
msg_bad_paging: .asciz "check: CR0.PG/CR4.PAE/CR3: WRONG\n"
msg_bad_efer:   .asciz "check: EFER.LME/LMA: WRONG\n"
msg_bad_size:   .asciz "check: operand size: WRONG\n"
msg_bad_map:    .asciz "check: write at 16 MiB - 8 did not read back: WRONG\n"
msg_fail:       .asciz "verdict: FAIL\n"
