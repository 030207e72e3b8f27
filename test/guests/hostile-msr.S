/* hostile-msr: MSR writes a CPU refuses, each checked for the #GP the CPU
 * raises (Intel SDM Vol. 2B WRMSR: "#GP(0) if ... setting a reserved bit";
 * AMD APM Vol. 3 WRMSR) and for the value left as it was; and EFER.LME
 * changed while paging is on, which raises #GP (SDM Vol. 3A §10.8.5
 * "Initializing IA-32e Mode"; APM Vol. 2 §14.6.1). Before tsvisor checked
 * them, the VMX VM-entry failed on the EFER write (the VM was dead) and SVM
 * took it. Started in 64-bit long mode: paging is on. Every faulting
 * instruction is WRMSR (0F 30: 2 bytes), which the #GP handler skips.
 * tsvisor-cmdline: guest_mode=long64 */
#include "guest.inc"
#define IA32_APIC_BASE     0x1b
#define IA32_MTRR_DEF_TYPE 0x2ff
#define IA32_PAT           0x277
#define IA32_EFER          0xc0000080
#define EFER_LME           (1 << 8)

/* WRMSR_FAULTS msr: write RDX:RAX to the MSR; ZF set if it raised #GP and
 * the MSR then reads back as it did before (R8: the value before). */
    .macro WRMSR_FAULTS msr
    mov ecx, \msr
    push rax
    push rdx
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov r8, rax
    pop rdx
    pop rax
    mov byte ptr [rip + gp_seen], 0
    wrmsr
    cmp byte ptr [rip + gp_seen], 1
    jne 9993f
    rdmsr
    shl rdx, 32
    or rax, rdx
    cmp rax, r8
9993:
    .endm

/* WRMSR_READS_BACK msr: write RDX:RAX; ZF set if no #GP and it reads back. */
    .macro WRMSR_READS_BACK msr
    mov ecx, \msr
    mov r9, rdx
    shl r9, 32
    mov r10d, eax
    or r9, r10
    mov byte ptr [rip + gp_seen], 0
    wrmsr
    cmp byte ptr [rip + gp_seen], 0
    jne 9992f
    rdmsr
    shl rdx, 32
    or rax, rdx
    cmp rax, r9
9992:
    .endm

    .text
    .global _start
    .code64
_start:
    call guest_setup64
    mov byte ptr [rip + gp_skip], 2

    /* IA32_APIC_BASE: bits 7:0, 9 and those above MAXPHYADDR are reserved
     * (SDM Vol. 3A §12.4.4, Figure 12-5). */
    mov eax, 0xfee00900 | 1
    xor edx, edx
    WRMSR_FAULTS IA32_APIC_BASE
    CHECK64 e, "IA32_APIC_BASE with reserved bit 0 raised #GP"
    mov eax, 0xfee00900 | (1 << 9)
    xor edx, edx
    WRMSR_FAULTS IA32_APIC_BASE
    CHECK64 e, "IA32_APIC_BASE with reserved bit 9 raised #GP"
    mov eax, 0xfee00900
    mov edx, 0x00100000              /* bit 52: above any MAXPHYADDR */
    WRMSR_FAULTS IA32_APIC_BASE
    CHECK64 e, "IA32_APIC_BASE above the physical-address width raised #GP"

    /* IA32_MTRR_DEF_TYPE: type in 7:0 (0, 1, 4, 5, 6), FE bit 10, E bit 11;
     * the rest reserved (SDM Vol. 3A §13.11.2.1). */
    mov eax, (1 << 11) | 6
    xor edx, edx
    WRMSR_READS_BACK IA32_MTRR_DEF_TYPE
    CHECK64 e, "IA32_MTRR_DEF_TYPE = E|WB reads back"
    mov eax, (1 << 11) | 2           /* type 2: reserved */
    xor edx, edx
    WRMSR_FAULTS IA32_MTRR_DEF_TYPE
    CHECK64 e, "IA32_MTRR_DEF_TYPE with reserved type 2 raised #GP"
    mov eax, (1 << 11) | (1 << 12) | 6
    xor edx, edx
    WRMSR_FAULTS IA32_MTRR_DEF_TYPE
    CHECK64 e, "IA32_MTRR_DEF_TYPE with reserved bit 12 raised #GP"
    mov eax, 6
    mov edx, 1                       /* bit 32 */
    WRMSR_FAULTS IA32_MTRR_DEF_TYPE
    CHECK64 e, "IA32_MTRR_DEF_TYPE with reserved bit 32 raised #GP"

    /* IA32_PAT: each entry a type 0, 1, 4-7; 2, 3 and 8-255 reserved
     * (SDM Vol. 3A §13.12.2). */
    mov eax, 0x00070406
    mov edx, 0x00070406 | (0x08 << 24)   /* entry 7 = 8: reserved */
    WRMSR_FAULTS IA32_PAT
    CHECK64 e, "IA32_PAT with entry 7 = 8 raised #GP"

    /* IA32_EFER: bits other than SCE (0), LME (8), LMA (10), NXE (11) the
     * guest's CPUID offers are reserved (SDM Vol. 4 Table 2-2). */
    mov ecx, IA32_EFER
    rdmsr
    mov r11d, eax                    /* EFER as the guest runs */
    mov eax, r11d
    or eax, 1 << 1                   /* bit 1: reserved */
    xor edx, edx
    WRMSR_FAULTS IA32_EFER
    CHECK64 e, "IA32_EFER with reserved bit 1 raised #GP"
    mov eax, r11d
    mov edx, 1                       /* bit 32 */
    WRMSR_FAULTS IA32_EFER
    CHECK64 e, "IA32_EFER with reserved bit 32 raised #GP"
    mov eax, r11d
    and eax, ~EFER_LME
    xor edx, edx
    WRMSR_FAULTS IA32_EFER
    CHECK64 e, "clearing EFER.LME with paging on raised #GP and EFER is unchanged"
    mov eax, r11d
    xor edx, edx
    WRMSR_READS_BACK IA32_EFER
    CHECK64 e, "IA32_EFER rewritten with its own value reads back"

    VERDICT64
