/*
 * VM entry and exit for VMX (Intel SDM Vol. 3C §26 "VM Entries", §27 "VM Exits").
 *
 *   uint32_t vmx_enter(uint64_t *frame, uint32_t resume)
 *
 * Saves the host's callee-saved registers, records the stack pointer as
 * HOST_RSP, loads the guest's general-purpose registers from `frame` (the
 * core's exit frame in linear memory: RAX, RCX, RDX, RBX, -, RBP, RSI, RDI,
 * R8-R15, 8 bytes each) and executes VMLAUNCH or VMRESUME.
 * On a VM exit the processor jumps to vmx_exit_stub (HOST_RIP) with RSP =
 * HOST_RSP: the stub stores the guest registers back into the frame and
 * returns 0 from vmx_enter. If the entry instruction itself fails, it returns
 * 1 (VMfailInvalid, CF=1) or 2 (VMfailValid, ZF=1; see VM_INSTRUCTION_ERROR).
 * Guest RSP, RIP and RFLAGS live in the VMCS, not in the frame.
 */
    .intel_syntax noprefix
    .code64
#include "guest-frame.inc"
    .section .text

#define HOST_RSP 0x6C14           /* SDM Vol. 3D Appendix B.4.4 */
#define HOST_RIP 0x6C16
#define VM_EXIT_REASON 0x4402     /* B.3.2 */
#define VM_EXIT_INSTRUCTION_LEN 0x440C
#define EXIT_QUALIFICATION 0x6400 /* B.4.2 */
#define GUEST_RIP 0x681E          /* B.4.3 */
#define EXIT_REASON_CPUID 10      /* Appendix C */
#define EXIT_REASON_IO 30
#define BENCH_PORT 0x80

    .global vmx_enter
vmx_enter:
    PUSH_HOST_CALLEE_SAVED
    mov [rip + vmx_frame], rdi
    mov eax, HOST_RSP
    vmwrite rax, rsp
    jbe 3f
    mov eax, HOST_RIP
    lea rdx, [rip + vmx_exit_stub]
    vmwrite rax, rdx
    jbe 3f
    test esi, esi                 /* flags survive the MOVs below */
    mov rax, [rdi + 0]
    LOAD_GUEST_GPRS_EXCEPT_RAX
    jnz 1f
    vmlaunch
    jmp 3f
1:  vmresume
3:  /* The entry failed: CF=1 VMfailInvalid, ZF=1 VMfailValid. */
    mov eax, 1
    jc 4f
    mov eax, 2
4:  POP_HOST_CALLEE_SAVED
    ret

    .global vmx_exit_stub
vmx_exit_stub:
    /*
     * Benchmark baseline only (npm run bench): when bench_baseline is set, a
     * CPUID exit or an OUT to port 0x80 resumes the guest at once, past the
     * instruction, without reaching the core: the cost of the bare hardware
     * transition, against which the core's exit path is measured.
     */
    cmp byte ptr [rip + bench_baseline], 0
    je 7f
    push rax
    push rcx
    push rdx
    mov edx, VM_EXIT_REASON
    vmread rax, rdx
    cmp ax, EXIT_REASON_CPUID
    je 5f
    cmp ax, EXIT_REASON_IO
    jne 6f
    mov edx, EXIT_QUALIFICATION
    vmread rax, rdx
    shr eax, 16
    cmp ax, BENCH_PORT
    jne 6f
5:  mov edx, GUEST_RIP
    vmread rax, rdx
    mov ecx, VM_EXIT_INSTRUCTION_LEN
    vmread rcx, rcx
    add rax, rcx
    vmwrite rdx, rax
    pop rdx
    pop rcx
    pop rax
    vmresume
    jmp 7f                        /* a failed VMRESUME goes the normal way */
6:  pop rdx
    pop rcx
    pop rax
7:  push rdi
    mov rdi, [rip + vmx_frame]
    mov [rdi + 0], rax
    STORE_GUEST_GPRS_EXCEPT_RAX_RDI
    pop rax
    mov [rdi + 56], rax
    xor eax, eax
    POP_HOST_CALLEE_SAVED
    ret

    .section .bss
    .balign 8
vmx_frame:
    .skip 8
    .global bench_baseline
bench_baseline:
    .skip 1
