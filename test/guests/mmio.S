/* mmio: device memory as an operating system uses it, against the
 * mmio-scratch test device at 0xd0000000 (drivers/mmio-scratch.ts: byte k
 * reads k & 0xff until written). Every access below is an EPT violation /
 * #NPF that tsvisor decodes and emulates (kernel/vm/mmio/): MOV of each size
 * and its moffs form, MOVZX/MOVSX, the read-modify-write group with the
 * flags the guest then branches on, XCHG, BT/BTS/BTR, REP STOSB and REP
 * MOVSD both ways. Runs in flat 32-bit protected mode, paging off.
 * tsvisor-cmdline: guest_mode=protected32 mmio_test=scratch */
#include "guest.inc"
#define DEV 0xd0000000
    .text
    .global _start
    .code32
_start:
    mov edi, DEV
    /* MOV stores and loads of each size; A1 is the moffs form. */
    mov dword ptr [edi + 0x100], 0x12345678
    mov eax, dword ptr [edi + 0x100]
    cmp eax, 0x12345678
    jne bad_mov
    mov word ptr [edi + 0x104], 0xbeef
    mov byte ptr [edi + 0x106], 0x5a
    mov eax, dword ptr [DEV + 0x104]
    cmp eax, 0x075abeef             /* byte 0x107 as it was: 0x07 */
    jne bad_mov
    mov ebx, 0xffffffff
    mov bl, byte ptr [edi + 0x106]
    cmp ebx, 0xffffff5a
    jne bad_mov
    movzx ecx, byte ptr [edi + 0x106]
    cmp ecx, 0x5a
    jne bad_mov
    movsx edx, word ptr [edi + 0x104]
    cmp edx, 0xffffbeef
    jne bad_mov
    lea esi, msg_mov
    call guest_puts32

    /* Read-modify-write, with the flags the guest branches on. */
    or dword ptr [edi + 0x100], 0x80000000      /* 0x92345678: SF */
    jns bad_alu
    and dword ptr [edi + 0x100], 0xff           /* 0x78 */
    jz bad_alu
    cmp dword ptr [edi + 0x100], 0x78
    jne bad_alu
    test byte ptr [edi + 0x100], 0x80
    jnz bad_alu
    add byte ptr [edi + 0x100], 0x88            /* 0x100: CF, ZF */
    jnc bad_alu
    jnz bad_alu
    mov eax, 1
    sub dword ptr [edi + 0x100], eax            /* 0 - 1: CF, 0xffffffff */
    jnc bad_alu
    xor eax, eax
    xor eax, dword ptr [edi + 0x100]
    cmp eax, 0xffffffff
    jne bad_alu
    lea esi, msg_alu
    call guest_puts32

    /* XCHG and the bit tests. */
    mov eax, 0xa5a5a5a5
    xchg dword ptr [edi + 0x110], eax
    cmp eax, 0x13121110
    jne bad_bt
    lock bts dword ptr [edi + 0x110], 1         /* bit 1 of ...a5 is 0 */
    jc bad_bt
    bt dword ptr [edi + 0x110], 1
    jnc bad_bt
    mov ecx, 0
    btr dword ptr [edi + 0x110], ecx            /* bit 0 is 1 */
    jnc bad_bt
    cmp dword ptr [edi + 0x110], 0xa5a5a5a6
    jne bad_bt
    lea esi, msg_bt
    call guest_puts32

    /* String instructions: one element per exit. */
    cld
    lea edi, [DEV + 0x200]
    mov ecx, 8
    mov al, 0x33
    rep stosb
    cmp ecx, 0
    jne bad_str
    cmp edi, DEV + 0x208
    jne bad_str
    cmp dword ptr [DEV + 0x204], 0x33333333
    jne bad_str
    cmp byte ptr [DEV + 0x208], 0x08            /* one past: untouched */
    jne bad_str
    lea esi, pattern
    lea edi, [DEV + 0x300]
    mov ecx, 2
    rep movsd
    lea esi, [DEV + 0x300]
    lea edi, copy
    mov ecx, 2
    rep movsd
    mov eax, dword ptr [copy]
    cmp eax, dword ptr [pattern]
    jne bad_str
    mov eax, dword ptr [copy + 4]
    cmp eax, dword ptr [pattern + 4]
    jne bad_str
    lea esi, msg_str
    call guest_puts32

    lea esi, msg_pass
    call guest_puts32
    mov al, 0
    out EXIT_PORT, al
bad_mov: lea esi, msg_bad_mov
         jmp fail32
bad_alu: lea esi, msg_bad_alu
         jmp fail32
bad_bt:  lea esi, msg_bad_bt
         jmp fail32
bad_str: lea esi, msg_bad_str
fail32:
    call guest_puts32
    lea esi, msg_fail
    call guest_puts32
    mov al, 1
    out EXIT_PORT, al

    .code16

    .data
    .balign 4
pattern: .long 0xcafef00d, 0x0badc0de
copy:    .long 0, 0

    .section .rodata
msg_mov:     .asciz "check: MOV of each size, moffs, MOVZX and MOVSX reach the device: ok\n"
msg_alu:     .asciz "check: OR, AND, CMP, TEST, ADD, SUB, XOR on device memory, with their flags: ok\n"
msg_bt:      .asciz "check: XCHG, LOCK BTS, BT, BTR on device memory: ok\n"
msg_str:     .asciz "check: REP STOSB and REP MOVSD to and from device memory: ok\n"
msg_pass:    .asciz "verdict: PASS\n"
msg_bad_mov: .asciz "check: MOV/MOVZX/MOVSX on device memory: WRONG\n"
msg_bad_alu: .asciz "check: read-modify-write on device memory: WRONG\n"
msg_bad_bt:  .asciz "check: XCHG/BT* on device memory: WRONG\n"
msg_bad_str: .asciz "check: string instructions on device memory: WRONG\n"
msg_fail:    .asciz "verdict: FAIL\n"
