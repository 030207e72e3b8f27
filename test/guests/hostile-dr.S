/* hostile-dr: the debug registers across exits. A CPU keeps what software
 * writes to DR0-DR3, DR6 and DR7 (Intel SDM Vol. 3A §19.2; AMD APM Vol. 2
 * §13.1.1): each value written reads back after CPUID exits to the
 * hypervisor, a breakpoint armed before an exit fires after it, and a
 * write of bits 63:32 of DR6 or DR7 raises #GP (SDM Vol. 2B "MOV—Move
 * to/from Debug Registers"). Started in 64-bit long mode.
 * tsvisor-cmdline: guest_mode=long64 */
#include "guest.inc"

/* EXIT_ONCE: a CPUID, which always exits to the hypervisor. Clobbers RAX,
 * RBX, RCX, RDX. */
    .macro EXIT_ONCE
    xor eax, eax
    cpuid
    .endm

    .text
    .global _start
    .code64
_start:
    call guest_setup64
    mov byte ptr [rip + gp_skip], 3  /* MOV DRn, RAX: 0F 23 /r */
    mov eax, 1                      /* #DB */
    lea rdx, [rip + db_handler]
    call guest_set_gate64

    /* DR0-DR3: linear addresses the guest never touches (DR7 leaves them
     * disabled here). */
    mov rax, 0x500000
    mov dr0, rax
    mov rax, 0x500100
    mov dr1, rax
    mov rax, 0xffff800000001000
    mov dr2, rax
    mov rax, 0x00007ffffffff000
    mov dr3, rax
    EXIT_ONCE
    PRINT64 "debug registers written"
    lea rdi, [rip + dr_values]
    mov rax, dr0
    cmp rax, [rdi]
    jne 1f
    mov rax, dr1
    cmp rax, [rdi + 8]
    jne 1f
    mov rax, dr2
    cmp rax, [rdi + 16]
    jne 1f
    mov rax, dr3
    cmp rax, [rdi + 24]
1:  CHECK64 e, "DR0-DR3 read back after exits"

    /* DR7 = 0x402: G0 (breakpoint 0 enabled, never reached) over the
     * reserved bit 10, which reads 1. */
    mov rax, 0x402
    mov dr7, rax
    EXIT_ONCE
    mov rax, dr7
    cmp rax, 0x402
    CHECK64 e, "DR7 = 0x402 reads back after an exit"

    /* DR6 with B0 set: bits 31:16 and 11:4 read 1 (reserved), and what
     * the guest writes stays until it writes again. */
    mov rax, 0xffff0ff1
    mov dr6, rax
    mov rsi, rax
    EXIT_ONCE
    mov rax, rsi
    mov rcx, dr6
    cmp rcx, rax
    CHECK64 e, "DR6 = 0xffff0ff1 reads back after an exit"

    mov rax, 0x100000400
    mov byte ptr [rip + gp_seen], 0
    mov dr7, rax
    cmp byte ptr [rip + gp_seen], 1
    jne 1f
    mov rax, dr7
    cmp rax, 0x402
1:  CHECK64 e, "DR7 with bit 32 set raised #GP and left DR7 as it was"

    mov rax, 0x1ffff0ff0
    mov byte ptr [rip + gp_seen], 0
    mov dr6, rax
    cmp byte ptr [rip + gp_seen], 1
    CHECK64 e, "DR6 with bit 32 set raised #GP"

    /* An instruction breakpoint armed, then an exit, then the instruction:
     * #DB, a fault with DR6.B0 set (SDM Vol. 3A §19.2.3, §19.3.1.1). */
    lea rax, [rip + bp_target]
    mov dr0, rax
    mov rax, 0x401                  /* L0, execute, 1 byte */
    mov dr7, rax
    EXIT_ONCE
    mov byte ptr [rip + db_seen], 0
bp_target:
    nop
    cmp byte ptr [rip + db_seen], 1
    jne 1f
    test byte ptr [rip + db_dr6], 1
    jz 2f
    xor eax, eax                    /* ZF set: ok */
    jmp 1f
2:  test esp, esp                   /* ZF clear */
1:  CHECK64 e, "an instruction breakpoint armed before an exit fires after it (#DB, DR6.B0)"

    VERDICT64

/* #DB: note DR6, disarm every breakpoint (in DR7) and return to the
 * instruction, which then runs. */
db_handler:
    push rax
    mov rax, dr6
    mov [rip + db_dr6], rax
    mov rax, 0x400
    mov dr7, rax
    mov byte ptr [rip + db_seen], 1
    pop rax
    iretq

    .data
    .balign 8
dr_values: .quad 0x500000, 0x500100, 0xffff800000001000, 0x00007ffffffff000
db_dr6: .quad 0
db_seen: .byte 0
