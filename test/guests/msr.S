/* msr: virtualized MSRs and #GP for an unknown one.
 *   RDMSR IA32_PAT (0x277) gives the power-on PAT; WRMSR then RDMSR round-trips;
 *   a reserved memory type in it raises #GP;
 *   RDMSR IA32_APIC_BASE (0x1b) gives 0xfee00900;
 *   RDMSR of 0xc0de raises #GP in the guest (delivered through the IVT);
 *   WRMSR IA32_TSC moves what RDTSC returns (the hardware TSC offset). */
#include "guest.inc"
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    INSTALL_GP_HANDLER 2             /* RDMSR is 2 bytes (0F 32) */

    mov ecx, 0x277
    rdmsr
    cmp eax, 0x00070406
    jne pat_bad
    cmp edx, 0x00070406
    jne pat_bad
    PRINT "check: IA32_PAT reads its power-on value: ok"
    jmp pat_write
pat_bad:
    PRINT "check: IA32_PAT power-on value: WRONG"
    mov byte ptr [failed], 1
pat_write:
    mov ecx, 0x277
    mov eax, 0x00070105
    mov edx, 0x00010406
    wrmsr
    xor eax, eax
    xor edx, edx
    rdmsr
    cmp eax, 0x00070105
    jne rt_bad
    cmp edx, 0x00010406
    jne rt_bad
    PRINT "check: IA32_PAT write then read round-trips: ok"
    jmp pat_reserved
rt_bad:
    PRINT "check: IA32_PAT round trip: WRONG"
    mov byte ptr [failed], 1
pat_reserved:
    /* Memory type 2 is reserved (SDM Vol. 3A §13.12.2): #GP, PAT unchanged. */
    mov byte ptr [gp_seen], 0
    mov ecx, 0x277
    mov eax, 0x00070402
    mov edx, 0x00070406
    wrmsr                   /* 0F 30: the #GP handler skips these 2 bytes */
    cmp byte ptr [gp_seen], 1
    jne pat_res_bad
    rdmsr
    cmp eax, 0x00070105
    jne pat_res_bad
    PRINT "check: IA32_PAT with a reserved memory type raised #GP: ok"
    jmp apic
pat_res_bad:
    PRINT "check: IA32_PAT with a reserved memory type: WRONG"
    mov byte ptr [failed], 1
apic:
    mov ecx, 0x1b
    rdmsr
    cmp eax, 0xfee00900
    jne apic_bad
    PRINT "check: IA32_APIC_BASE is 0xfee00900: ok"
    jmp unknown
apic_bad:
    PRINT "check: IA32_APIC_BASE: WRONG"
    mov byte ptr [failed], 1
unknown:
    mov byte ptr [gp_seen], 0
    mov ecx, 0xc0de
    rdmsr                   /* 0F 32: the #GP handler skips these 2 bytes */
    cmp byte ptr [gp_seen], 1
    jne gp_bad
    PRINT "check: RDMSR of unknown MSR 0xc0de raised #GP: ok"
    jmp tsc
gp_bad:
    PRINT "check: RDMSR of unknown MSR did not raise #GP: WRONG"
    mov byte ptr [failed], 1
tsc:
    /* WRMSR IA32_TSC sets the TSC the guest reads (SDM Vol. 3B §18.17):
     * RDTSC right after a write of 0 is small (under 2^28 ticks). */
    mov ecx, 0x10
    xor eax, eax
    xor edx, edx
    wrmsr
    rdtsc
    test edx, edx
    jnz tsc_bad
    cmp eax, 0x10000000
    jae tsc_bad
    PRINT "check: RDTSC follows a WRMSR to IA32_TSC: ok"
    jmp done
tsc_bad:
    PRINT "check: RDTSC did not follow the WRMSR to IA32_TSC: WRONG"
    mov byte ptr [failed], 1
done:
    VERDICT

