/*
 * VM entry and exit for SVM (AMD APM Vol. 2 §15.5 "VMRUN", §15.6 "#VMEXIT").
 *
 *   void svm_run(uint64_t *frame, uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa)
 *
 * With GIF clear (CLGI), saves the host's FS/GS/TR/LDTR/syscall state with
 * VMSAVE into the host VMCB, loads the guest's with VMLOAD, loads the guest's
 * general-purpose registers from `frame` (same layout as the VMX frame; RAX
 * and RSP live in the VMCB) and executes VMRUN. VMRUN saves the host's RSP,
 * RIP and RAX in the host save area, so #VMEXIT resumes right after it with
 * this stack: the guest registers go back into the frame, the guest's hidden
 * state into its VMCB (VMSAVE), the host's comes back (VMLOAD), GIF is set
 * again (STGI) and svm_run returns. The exit code is in the guest VMCB.
 * VMCB_*, SVM_VMEXIT_* and FRAME_* come from the kernel's sources
 * (build/generated/layout.h).
 */
    .intel_syntax noprefix
    .code64
#include "layout.h"
#include "guest-frame.inc"
    .section .text

#define BENCH_PORT 0x80           /* the bench guest's timed OUT (test/guests/bench.S) */
#define IOIO_PORT (VMCB_EXITINFO1 + 2) /* IOIO: the port in EXITINFO1 bits 31:16 (APM Vol. 2 §15.10.2) */

    .global svm_run
svm_run:
    PUSH_HOST_CALLEE_SAVED
    push rdx                      /* [rsp + 16]: host VMCB */
    push rsi                      /* [rsp + 8]:  guest VMCB */
    push rdi                      /* [rsp + 0]:  frame */
    clgi
    /* With GIF clear no interrupt reaches the host, whatever IF says; VMRUN
     * saves IF=1 so that, with V_INTR_MASKING, a host interrupt arriving in
     * the guest causes the INTR intercept (APM Vol. 2 §15.21.1, §15.17). */
    sti
    mov rax, rdx
    vmsave rax
    mov rax, rsi
    vmload rax
    LOAD_GUEST_GPRS_EXCEPT_RAX
1:  vmrun rax
    /* #VMEXIT: RSP and RAX are the host's again (RAX = the guest VMCB's
     * address); the rest is the guest's. */
    /*
     * Benchmark baseline only (npm run bench): with bench_baseline set, a
     * CPUID, a VMMCALL or an OUT to port 0x80 goes straight back into the
     * guest past the instruction (CPUID as the plain 2-byte form, VMMCALL
     * 0F 01 D9 as 3 bytes; IOIO's next RIP is in EXITINFO2), without
     * reaching the core. Only RAX is used.
     */
    cmp byte ptr [rip + bench_baseline], 0
    je 3f
    cmp qword ptr [rax + VMCB_EXITCODE], SVM_VMEXIT_CPUID
    je 2f
    cmp qword ptr [rax + VMCB_EXITCODE], SVM_VMEXIT_VMMCALL
    je 4f
    cmp qword ptr [rax + VMCB_EXITCODE], SVM_VMEXIT_IOIO
    jne 3f
    cmp word ptr [rax + IOIO_PORT], BENCH_PORT
    jne 3f
    push qword ptr [rax + VMCB_EXITINFO2]
    pop qword ptr [rax + VMCB_RIP]
    jmp 1b
2:  add qword ptr [rax + VMCB_RIP], 2
    jmp 1b
4:  add qword ptr [rax + VMCB_RIP], 3
    jmp 1b
3:  push rdi
    mov rdi, [rsp + 8]
    STORE_GUEST_GPRS_EXCEPT_RAX_RDI
    pop rax
    mov [rdi + FRAME_RDI], rax
    mov rax, [rsp + 8]
    vmsave rax
    mov rax, [rsp + 16]
    vmload rax
    cli                           /* the hypervisor runs with IF=0 again */
    stgi
    add rsp, 24
    POP_HOST_CALLEE_SAVED
    ret
