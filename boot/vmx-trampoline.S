/*
 * VM entry and exit for VMX (Intel SDM Vol. 3C §26 "VM Entries", §27 "VM Exits").
 *
 *   uint32_t vmx_enter(uint64_t *frame, uint32_t resume)
 *
 * Saves the host's callee-saved registers, pushes `frame` (the vCPU's exit
 * frame in linear memory, kernel/vm/frame.ts) and records that stack pointer
 * as HOST_RSP, loads the guest's general-purpose registers from the frame and
 * executes VMLAUNCH or VMRESUME.
 * On a VM exit the processor jumps to vmx_exit_stub (HOST_RIP) with RSP =
 * HOST_RSP, so [rsp] is the frame of the vCPU that exited: no global names
 * it, and each vCPU entering from its own host stack needs nothing more here.
 * The stub stores the guest registers back into the frame, drops the pointer
 * and returns 0 from vmx_enter. If the entry instruction itself fails, it
 * returns 1 (VMfailInvalid, CF=1) or 2 (VMfailValid, ZF=1; see
 * VM_INSTRUCTION_ERROR). Guest RSP, RIP and RFLAGS live in the VMCS, not in
 * the frame. VMCS_*, VMX_EXIT_* and FRAME_* come from the kernel's sources
 * (build/generated/layout.h).
 */
    .intel_syntax noprefix
    .code64
#include "layout.h"
#include "guest-frame.inc"
    .section .text

#define BENCH_PORT 0x80           /* the bench guest's timed OUT (test/guests/bench.S) */

    .global vmx_enter
vmx_enter:
    PUSH_HOST_CALLEE_SAVED
    push rdi                      /* [HOST_RSP]: the frame, for vmx_exit_stub */
    mov eax, VMCS_HOST_RSP
    vmwrite rax, rsp
    jbe 3f
    mov eax, VMCS_HOST_RIP
    lea rdx, [rip + vmx_exit_stub]
    vmwrite rax, rdx
    jbe 3f
    test esi, esi                 /* flags survive the MOVs below */
    mov rax, [rdi + FRAME_RAX]
    LOAD_GUEST_GPRS_EXCEPT_RAX
    jnz 1f
    vmlaunch
    jmp 3f
1:  vmresume
3:  /* The entry failed: CF=1 VMfailInvalid, ZF=1 VMfailValid. */
    mov eax, 1
    jc 4f
    mov eax, 2
4:  add rsp, 8                    /* the frame pointer */
    POP_HOST_CALLEE_SAVED
    ret

    .global vmx_exit_stub
vmx_exit_stub:
    /*
     * Benchmark baseline only (npm run bench): when bench_baseline is set, a
     * CPUID, a VMCALL or an OUT to port 0x80 resumes the guest at once, past
     * the instruction, without reaching the core: the cost of the bare hardware
     * transition, against which the core's exit path is measured. It uses
     * the stack below HOST_RSP only, so [HOST_RSP] still holds the frame.
     */
    cmp byte ptr [rip + bench_baseline], 0
    je 7f
    push rax
    push rcx
    push rdx
    mov edx, VMCS_VM_EXIT_REASON
    vmread rax, rdx
    cmp ax, VMX_EXIT_CPUID
    je 5f
    cmp ax, VMX_EXIT_VMCALL
    je 5f
    cmp ax, VMX_EXIT_IO
    jne 6f
    mov edx, VMCS_EXIT_QUALIFICATION
    vmread rax, rdx
    shr eax, 16
    cmp ax, BENCH_PORT
    jne 6f
5:  mov edx, VMCS_GUEST_RIP
    vmread rax, rdx
    mov ecx, VMCS_VM_EXIT_INSTRUCTION_LEN
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
7:  push rdi                      /* the guest's RDI; [rsp + 8] is the frame */
    mov rdi, [rsp + 8]
    mov [rdi + FRAME_RAX], rax
    STORE_GUEST_GPRS_EXCEPT_RAX_RDI
    pop rax
    mov [rdi + FRAME_RDI], rax
    add rsp, 8                    /* the frame pointer */
    xor eax, eax
    POP_HOST_CALLEE_SAVED
    ret

    .section .bss
    .global bench_baseline
bench_baseline:                   /* host-wide benchmark switch (boot/hal-vmx.c) */
    .skip 1
