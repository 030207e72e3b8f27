/* hostile-insn: the optional and privileged instructions a kernel probes
 * for, each against the CPUID the guest sees (kernel/vm/cpuid-policy.ts).
 * Where CPUID offers an instruction it must work as the manual says; where
 * it does not, the instruction must raise what a CPU without it raises —
 * #UD, per each instruction's "#UD If CPUID.…" row (Intel SDM Vol. 2; AMD
 * APM Vol. 3) — whatever the physical CPU underneath has. The two test
 * hosts offer different sets (docs/host-differences.md), so each check is
 * phrased to hold on both. Every exception is recorded (vector in
 * fault_vec) and execution resumes after the instruction tried (TRY).
 * Started in 64-bit long mode at CPL 0.
 * tsvisor-cmdline: guest_mode=long64 */
#include "guest.inc"
#define UD 6
#define GP 13
#define NONE 0xff
#define IA32_TSC_AUX 0xc0000103
#define IA32_XSS 0xda0
#define IA32_EFER 0xc0000080
#define EFER_SVME (1 << 12)
#define CR4_VMXE (1 << 13)
#define CR4_OSXSAVE (1 << 18)

/* TRY insn: run one instruction; fault_vec is the vector of the exception
 * it raised, NONE if none. Flags and registers are as the instruction left
 * them (R15 is the macro's). */
    .macro TRY insn:vararg
    lea r15, [rip + 9993f]
    mov [rip + resume_at], r15
    mov byte ptr [rip + fault_vec], NONE
    \insn
9993:
    mov qword ptr [rip + resume_at], 0
    .endm

/* RAISES v: ZF set if the last TRY raised vector v (v = NONE: nothing). */
    .macro RAISES v
    cmp byte ptr [rip + fault_vec], \v
    .endm

/* EXPECT cc: after a comparison, the check is wrong unless condition cc
 * holds (counted in R14; CHECK prints the verdict and starts the next). */
    .macro EXPECT cc
    j\cc 9990f
    inc r14d
9990:
    .endm

/* CHECK "text": "check: text: ok" if nothing was wrong since the last one. */
    .macro CHECK text
    test r14d, r14d
    CHECK64 z, "\text"
    xor r14d, r14d
    .endm

/* MUST_UD insn: the instruction must raise #UD; if not, say which and
 * count it in R14. */
    .macro MUST_UD insn:vararg
    TRY \insn
    RAISES UD
    je 9992f
    PRINT64 "  no #UD from: \insn"
    inc r14
9992:
    .endm

/* OFFERED leaf, subleaf, reg, bit: CF = the guest's CPUID bit. Clobbers
 * RAX, RBX, RCX, RDX. */
    .macro OFFERED leaf, subleaf, reg, bit
    mov eax, \leaf
    mov ecx, \subleaf
    cpuid
    bt \reg, \bit
    .endm

    .text
    .global _start
    .code64
_start:
    call guest_setup64
    /* Vectors 0-31 go to the recorders (a 16-byte stub each). */
    xor ebx, ebx
1:  mov rdx, rbx
    shl rdx, 4
    lea rax, [rip + recorder_stubs]
    add rdx, rax
    mov eax, ebx
    call guest_set_gate64
    inc ebx
    cmp ebx, 32
    jb 1b
    xor r14d, r14d

    /* IA32_TSC_AUX exists with RDTSCP or RDPID (SDM Vol. 4 Table 2-2);
     * without either, RDMSR and WRMSR of it raise #GP. */
    OFFERED 0x80000001, 0, edx, 27
    setc r12b
    OFFERED 7, 0, ecx, 22
    setc al
    or r12b, al                     /* R12B: RDTSCP or RDPID offered */
    mov ecx, IA32_TSC_AUX
    mov eax, 0x1234abcd
    xor edx, edx
    TRY wrmsr
    test r12b, r12b
    jz 2f
    RAISES NONE
    EXPECT e
    xor eax, eax
    TRY rdmsr
    RAISES NONE
    EXPECT e
    test edx, edx
    EXPECT z
    cmp eax, 0x1234abcd
    EXPECT e
    jmp 1f
2:  RAISES GP
    EXPECT e
    TRY rdmsr
    RAISES GP
    EXPECT e
1:  CHECK "IA32_TSC_AUX: written and read back where CPUID offers RDTSCP or RDPID, #GP where neither"

    /* RDTSCP (SDM Vol. 2B): EDX:EAX the TSC, ECX IA32_TSC_AUX; #UD if
     * CPUID.80000001H:EDX.RDTSCP[bit 27] = 0. */
    OFFERED 0x80000001, 0, edx, 27
    jnc 2f
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov rbx, rax
    xor ecx, ecx
    TRY rdtscp
    RAISES NONE
    EXPECT e
    cmp ecx, 0x1234abcd
    EXPECT e
    shl rdx, 32
    or rax, rdx
    cmp rax, rbx
    EXPECT a
    jmp 1f
2:  TRY rdtscp
    RAISES UD
    EXPECT e
1:  CHECK "RDTSCP: TSC and IA32_TSC_AUX where CPUID offers it, #UD where not"

    /* RDPID (SDM Vol. 2B): IA32_TSC_AUX; #UD if
     * CPUID.(EAX=07H,ECX=0H):ECX.RDPID[bit 22] = 0. */
    OFFERED 7, 0, ecx, 22
    jnc 2f
    xor eax, eax
    TRY rdpid rax
    RAISES NONE
    EXPECT e
    cmp rax, 0x1234abcd
    EXPECT e
    jmp 1f
2:  TRY rdpid rax
    RAISES UD
    EXPECT e
1:  CHECK "RDPID: IA32_TSC_AUX where CPUID offers it, #UD where not"

    /* RDRAND and RDSEED (SDM Vol. 2B): CF = 1 with a random value, CF = 0
     * when none is ready (software retries); #UD if CPUID.01H:ECX.RDRAND
     * [bit 30] = 0, resp. CPUID.(EAX=07H,ECX=0H):EBX.RDSEED[bit 18] = 0. */
    OFFERED 1, 0, ecx, 30
    jnc 2f
    mov ebx, 100
3:  TRY rdrand rax
    setc cl
    RAISES NONE
    EXPECT e
    jne 1f
    test cl, cl
    jnz 1f
    dec ebx
    jnz 3b
    inc r14d                        /* never CF */
    jmp 1f
2:  TRY rdrand rax
    RAISES UD
    EXPECT e
1:  CHECK "RDRAND: CF set with a value where CPUID offers it, #UD where not"

    OFFERED 7, 0, ebx, 18
    jnc 2f
    mov ebx, 1000
3:  TRY rdseed rax
    setc cl
    RAISES NONE
    EXPECT e
    jne 1f
    test cl, cl
    jnz 1f
    dec ebx
    jnz 3b
    inc r14d
    jmp 1f
    /* Not offered: #UD — but QEMU 7.2's TCG runs RDSEED as RDRAND
     * wherever its CPU has RDRAND, and SVM has no RDSEED intercept
     * (docs/host-differences.md): that one answer is let through. */
2:  TRY rdseed rax
    setc r9b
    RAISES UD
    je 1f
    RAISES NONE
    EXPECT e
    OFFERED 1, 0, ecx, 30
    EXPECT c
    test r9b, r9b
    EXPECT nz
1:  CHECK "RDSEED: CF set with a value where CPUID offers it; #UD where not, or RDRAND's answer where RDRAND is offered (QEMU 7.2 TCG)"

    /* INVPCID (SDM Vol. 2B): types 2 (all contexts, with globals) and 3
     * (all but globals) complete; a type above 3, or type 0 with a
     * non-canonical address, raises #GP(0); #UD if
     * CPUID.(EAX=07H,ECX=0H):EBX.INVPCID[bit 10] = 0. */
    OFFERED 7, 0, ebx, 10
    lea rdi, [rip + invpcid_desc]
    jnc 2f
    mov qword ptr [rdi + 8], 0
    mov eax, 2
    TRY invpcid rax, [rdi]
    RAISES NONE
    EXPECT e
    mov eax, 3
    TRY invpcid rax, [rdi]
    RAISES NONE
    EXPECT e
    mov eax, 4
    TRY invpcid rax, [rdi]
    RAISES GP
    EXPECT e
    mov rax, 0x8000000000000000
    mov [rdi + 8], rax
    xor eax, eax
    TRY invpcid rax, [rdi]
    RAISES GP
    EXPECT e
    jmp 1f
2:  mov eax, 2
    TRY invpcid rax, [rdi]
    RAISES UD
    EXPECT e
1:  CHECK "INVPCID: types 2 and 3 complete, type 4 and a non-canonical type 0 raise #GP where CPUID offers it; #UD where not"

    /* MONITOR and MWAIT (SDM Vol. 2B): #UD if CPUID.01H:ECX.MONITOR[bit 3]
     * = 0. Where offered: a store to the armed range makes the MWAIT fall
     * through. */
    OFFERED 1, 0, ecx, 3
    jnc 2f
    lea rax, [rip + monitor_line]
    xor ecx, ecx
    xor edx, edx
    TRY monitor rax, ecx, edx
    RAISES NONE
    EXPECT e
    mov byte ptr [rip + monitor_line], 1
    xor eax, eax
    xor ecx, ecx
    TRY mwait eax, ecx
    RAISES NONE
    EXPECT e
    jmp 1f
2:  lea rax, [rip + monitor_line]
    xor ecx, ecx
    xor edx, edx
    MUST_UD monitor rax, ecx, edx
    xor eax, eax
    xor ecx, ecx
    MUST_UD mwait eax, ecx
1:  CHECK "MONITOR and MWAIT: complete where CPUID offers them, #UD where not"

    /* MONITORX and MWAITX (APM Vol. 3): #UD if
     * CPUID Fn8000_0001_ECX[MONITORX] (bit 29) = 0. */
    OFFERED 0x80000001, 0, ecx, 29
    jnc 2f
    lea rax, [rip + monitor_line]
    xor ecx, ecx
    xor edx, edx
    TRY monitorx rax, ecx, edx
    RAISES NONE
    EXPECT e
    mov byte ptr [rip + monitor_line], 2
    xor eax, eax
    xor ecx, ecx
    xor ebx, ebx
    TRY mwaitx eax, ecx, ebx
    RAISES NONE
    EXPECT e
    jmp 1f
2:  lea rax, [rip + monitor_line]
    xor ecx, ecx
    xor edx, edx
    MUST_UD monitorx rax, ecx, edx
    xor eax, eax
    xor ecx, ecx
    xor ebx, ebx
    MUST_UD mwaitx eax, ecx, ebx
1:  CHECK "MONITORX and MWAITX: complete where CPUID offers them, #UD where not"

    /* XSAVES and XRSTORS (SDM Vol. 2C): #UD if CPUID.01H:ECX.XSAVE[bit 26]
     * = 0, CPUID.(EAX=0DH,ECX=1):EAX.XSS[bit 3] = 0 or CR4.OSXSAVE = 0.
     * CR4.OSXSAVE is set where XSAVE is offered, so that the XSS bit
     * decides. IA32_XSS exists with XSAVES (SDM Vol. 4 Table 2-2). */
    mov rbp, cr4
    OFFERED 1, 0, ecx, 26
    setc r12b
    jnc 3f
    mov rax, rbp
    or rax, CR4_OSXSAVE
    mov cr4, rax
3:  OFFERED 0xd, 1, eax, 3
    setc al
    and r12b, al                    /* R12B: XSAVES offered */
    lea rdi, [rip + xsave_area]
    jz 2f
    mov eax, 3                      /* x87 and SSE */
    xor edx, edx
    TRY xsaves [rdi]
    RAISES NONE
    EXPECT e
    mov eax, 3
    xor edx, edx
    TRY xrstors [rdi]
    RAISES NONE
    EXPECT e
    mov ecx, IA32_XSS
    TRY rdmsr
    RAISES NONE
    EXPECT e
    jmp 1f
2:  mov eax, 3
    xor edx, edx
    MUST_UD xsaves [rdi]
    mov eax, 3
    xor edx, edx
    MUST_UD xrstors [rdi]
    mov ecx, IA32_XSS
    TRY rdmsr
    RAISES GP
    EXPECT e
1:  mov cr4, rbp
    CHECK "XSAVES and XRSTORS complete and IA32_XSS reads where CPUID offers them; #UD, and #GP for IA32_XSS, where not"

    /* SGX (SDM Vol. 3D §38.2, ENCLS/ENCLU): #UD if
     * CPUID.(EAX=12H,ECX=0H):EAX.SGX1[bit 0] = 0. tsvisor offers no SGX
     * (CPUID.(EAX=07H,ECX=0H):EBX.SGX[bit 2] clear). */
    OFFERED 7, 0, ebx, 2
    EXPECT nc
    xor eax, eax
    MUST_UD encls
    xor eax, eax
    MUST_UD enclu
    CHECK "SGX: CPUID offers none, and ENCLS and ENCLU raise #UD"

    /* VMX (SDM Vol. 3C §24.7, Vol. 2C each instruction): outside VMX
     * operation — CPUID.01H:ECX.VMX[bit 5] = 0, CR4.VMXE = 0 — every VMX
     * instruction raises #UD; VMFUNC raises #UD where no VM function is
     * enabled. */
    OFFERED 1, 0, ecx, 5
    EXPECT nc
    mov rax, cr4
    test eax, CR4_VMXE
    EXPECT z
    lea rdi, [rip + vmx_region]
    MUST_UD vmxon [rdi]
    MUST_UD vmclear [rdi]
    MUST_UD vmptrld [rdi]
    MUST_UD vmptrst [rdi]
    xor eax, eax
    MUST_UD vmread rbx, rax
    MUST_UD vmwrite rax, rbx
    MUST_UD vmlaunch
    MUST_UD vmresume
    MUST_UD vmxoff
    mov eax, 2
    MUST_UD invept rax, [rdi]
    MUST_UD invvpid rax, [rdi]
    xor eax, eax
    MUST_UD vmfunc
    CHECK "VMX: CPUID offers none, CR4.VMXE is clear, and VMXON, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH, VMRESUME, VMXOFF, INVEPT, INVVPID, VMFUNC raise #UD"

    /* SVM (APM Vol. 2 §15.4, Vol. 3 each instruction): with EFER.SVME = 0
     * VMRUN, VMLOAD, VMSAVE, STGI, CLGI and INVLPGA raise #UD, and SKINIT
     * too where CPUID Fn8000_0001_ECX[SKINIT] (bit 12) = 0. With
     * CPUID Fn8000_0001_ECX[SVM] (bit 2) = 0, EFER.SVME is reserved:
     * setting it raises #GP (APM Vol. 2 §3.1.7). */
    OFFERED 0x80000001, 0, ecx, 2
    EXPECT nc
    bt ecx, 12
    EXPECT nc
    mov ecx, IA32_EFER
    rdmsr
    test eax, EFER_SVME
    EXPECT z
    or eax, EFER_SVME
    TRY wrmsr
    RAISES GP
    EXPECT e
    lea rax, [rip + vmx_region]     /* a page of guest RAM, were one to run */
    MUST_UD vmrun rax
    MUST_UD vmload rax
    MUST_UD vmsave rax
    MUST_UD stgi
    MUST_UD clgi
    MUST_UD skinit eax
    xor ecx, ecx                    /* ASID 0: the host's */
    MUST_UD invlpga rax, ecx
    CHECK "SVM: CPUID offers none, EFER.SVME reads clear and setting it raises #GP, and VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA raise #UD"

    /* CPUID with redundant prefixes (SDM Vol. 2A §2.1.1, §2.2.1: segment
     * overrides, operand- and address-size prefixes and a REX are ignored
     * by CPUID; 15 bytes is the architectural limit). Without NRIP save the
     * hypervisor decodes the length (kernel/svm/insn-length.ts): the code
     * after each must run, with leaf 0's answer. */
    xor eax, eax
    cpuid
    mov r12d, ebx                   /* the vendor's first four letters */
    mov r13d, eax                   /* the last basic leaf */
    xor eax, eax
    xor ebx, ebx
    xor r11d, r11d
    .byte 0x2e, 0x66, 0x3e, 0x48, 0x0f, 0xa2
    mov r11d, 1
    cmp ebx, r12d
    EXPECT e
    cmp eax, r13d
    EXPECT e
    cmp r11d, 1
    EXPECT e
    xor eax, eax
    xor ebx, ebx
    xor r11d, r11d
    .byte 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65, 0x66, 0x67, 0x2e, 0x3e, 0x26, 0x66, 0x48, 0x0f, 0xa2
    mov r11d, 1
    cmp ebx, r12d
    EXPECT e
    cmp eax, r13d
    EXPECT e
    cmp r11d, 1
    EXPECT e
    CHECK "CPUID with prefixes 2E 66 3E 48, and with 13 bytes of prefixes (15 in all), answers leaf 0 and runs on"

    VERDICT64

/* The recorders: vector n's stub drops the error code the CPU pushed for
 * it (vectors 8, 10-14, 17, 21, 29, 30; SDM Vol. 3A Table 7-1), notes n in
 * fault_vec and returns to resume_at — or, outside a TRY, fails the guest. */
    .macro RECORDER n
    .balign 16
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    add rsp, 8
    .endif
    mov byte ptr [rip + fault_vec], \n
    jmp record_fault
    .endm
    .balign 16
recorder_stubs:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    RECORDER \n
    .endr
record_fault:
    push rax
    mov rax, [rip + resume_at]
    test rax, rax
    jz 1f
    mov [rsp + 8], rax
    pop rax
    iretq
1:  PRINT64 "check: an exception outside any instruction tried: WRONG"
    PRINT64 "verdict: FAIL"
    mov al, 1
    out EXIT_PORT, al
    hlt

    .data
    .balign 8
resume_at: .quad 0
invpcid_desc: .quad 0, 0
fault_vec: .byte NONE

    .bss
    .balign 4096
vmx_region: .skip 4096
xsave_area: .skip 4096
monitor_line: .skip 64
