/*
 * Instructions that may fault on a value the hypervisor did not choose (an
 * MSR the CPU only implies it has, an XCR0 a guest asked for), and survive
 * it as Linux's exception table does: each faulting instruction has an
 * entry (its address, where to resume) in .fixup_table, which the
 * exception stub (boot/exception-stubs.S) searches on #GP before it
 * panics. The caller sees a failure and decides: a report, or a #GP for
 * the guest (kernel/exits/xsetbv.ts) — never a dead machine.
 *
 *   int rdmsr_safe(uint32_t msr, uint64_t *value): 0 ok, -1 #GP
 *   int xsetbv_safe(uint32_t index, uint64_t value): 0 ok, -1 #GP
 */
    .intel_syntax noprefix
    .code64

/* One table entry: the faulting instruction's address, then its fix-up's. */
.macro FIXUP insn, fixup
    .pushsection .fixup_table, "a"
    .balign 8
    .quad \insn, \fixup
    .popsection
.endm

    .section .text
    .global rdmsr_safe
rdmsr_safe:
    mov ecx, edi
1:  rdmsr
    shl rdx, 32
    mov eax, eax
    or rax, rdx
    mov [rsi], rax
    xor eax, eax
    ret
2:  mov eax, -1
    ret
    FIXUP 1b, 2b

    .global xsetbv_safe
xsetbv_safe:
    mov ecx, edi
    mov rax, rsi
    mov rdx, rsi
    shr rdx, 32
1:  xsetbv          /* #GP on a value SDM Vol. 2C XSETBV refuses */
    xor eax, eax
    ret
2:  mov eax, -1
    ret
    FIXUP 1b, 2b
