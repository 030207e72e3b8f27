/*
 * RDMSR that survives a #GP (like Linux's rdmsr_safe): the exception stub
 * (boot/exception-stubs.S) resumes a #GP raised at rdmsr_safe_insn at
 * rdmsr_safe_fixup instead of panicking. For MSRs whose existence the CPU
 * vouches for only indirectly, so that a CPU (or emulator) that misreports
 * itself gets a clear report instead of a panic.
 *
 *   int rdmsr_safe(uint32_t msr, uint64_t *value): 0 ok, -1 #GP
 */
    .intel_syntax noprefix
    .code64
    .section .text
    .global rdmsr_safe
rdmsr_safe:
    mov ecx, edi
    .global rdmsr_safe_insn
rdmsr_safe_insn:
    rdmsr
    shl rdx, 32
    mov eax, eax
    or rax, rdx
    mov [rsi], rax
    xor eax, eax
    ret
    .global rdmsr_safe_fixup
rdmsr_safe_fixup:
    mov eax, -1
    ret
