/* entry-protected32: started by tsvisor in flat 32-bit protected mode with
 * paging off (kernel/vm/initial-state.ts protectedFlatState), as multiboot
 * kernels and Linux's 32-bit boot protocol are. Checks the state it was
 * handed — CR0.PE set and PG clear, EFER.LMA clear, 32-bit operand size,
 * ESP = 0x7c00, flat segments reaching above 1 MiB — and exits with 0.
 * tsvisor-cmdline: guest_mode=protected32 */
#include "guest.inc"
    .text
    .global _start
    .code32
_start:
    cmp esp, 0x7c00
    jne bad_esp
    lea esi, msg_esp
    call guest_puts32
    mov eax, cr0
    test eax, 1                 /* PE */
    jz bad_cr0
    test eax, 0x80000000        /* PG */
    jnz bad_cr0
    lea esi, msg_cr0
    call guest_puts32
    mov ecx, 0xc0000080         /* IA32_EFER */
    rdmsr
    test eax, 1 << 10           /* LMA */
    jnz bad_efer
    lea esi, msg_efer
    call guest_puts32
    mov ebx, esp                /* a 32-bit push moves ESP by 4 */
    push eax
    sub ebx, esp
    pop eax
    cmp ebx, 4
    jne bad_size
    lea esi, msg_size
    call guest_puts32
    mov dword ptr [0x200000], 0x5a5aa5a5 /* 2 MiB: beyond any real-mode segment */
    cmp dword ptr [0x200000], 0x5a5aa5a5
    jne bad_flat
    lea esi, msg_flat
    call guest_puts32
    lea esi, msg_pass
    call guest_puts32
    mov al, 0
    out EXIT_PORT, al
bad_esp:  lea esi, msg_bad_esp
          jmp fail32
bad_cr0:  lea esi, msg_bad_cr0
          jmp fail32
bad_efer: lea esi, msg_bad_efer
          jmp fail32
bad_size: lea esi, msg_bad_size
          jmp fail32
bad_flat: lea esi, msg_bad_flat
fail32:
    call guest_puts32
    lea esi, msg_fail
    call guest_puts32
    mov al, 1
    out EXIT_PORT, al

    .code16

    .section .rodata
msg_esp:      .asciz "check: started with ESP = 0x7c00: ok\n"
msg_cr0:      .asciz "check: CR0.PE set, CR0.PG clear: ok\n"
msg_efer:     .asciz "check: EFER.LMA clear: ok\n"
msg_size:     .asciz "check: 32-bit operand size: ok\n"
msg_flat:     .asciz "check: flat data segment reaches 2 MiB: ok\n"
msg_pass:     .asciz "verdict: PASS\n"
msg_bad_esp:  .asciz "check: ESP is not 0x7c00: WRONG\n"
msg_bad_cr0:  .asciz "check: CR0 PE/PG: WRONG\n"
msg_bad_efer: .asciz "check: EFER.LMA set: WRONG\n"
msg_bad_size: .asciz "check: operand size: WRONG\n"
msg_bad_flat: .asciz "check: write at 2 MiB did not read back: WRONG\n"
msg_fail:     .asciz "verdict: FAIL\n"
