/* cpuid: the hypervisor leaves and the filtered feature bits.
 *   0x40000000: EAX = max hypervisor leaf (>= 0x40000001), signature "tsvisorTSVI"
 *   0x1: ECX.hypervisor (bit 31) set, ECX.VMX (bit 5) clear
 *   0x80000001: ECX.SVM (bit 2) clear
 *   0x40000001: EAX = TSC frequency in kHz (nonzero) */
#include "guest.inc"
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    mov eax, 0x40000000
    cpuid
    cmp eax, 0x40000001
    jb bad_max
    cmp ebx, 0x69767374     /* "tsvi" */
    jne bad_sig
    cmp ecx, 0x54726f73     /* "sorT" */
    jne bad_sig
    cmp edx, 0x00495653     /* "SVI\0" */
    jne bad_sig
    PRINT "check: hypervisor signature tsvisorTSVI: ok"
    jmp leaf1
bad_max:
    PRINT "check: max hypervisor leaf: WRONG"
    mov byte ptr [failed], 1
    jmp leaf1
bad_sig:
    PRINT "check: hypervisor signature: WRONG"
    mov byte ptr [failed], 1
leaf1:
    mov eax, 1
    cpuid
    test ecx, 0x80000000
    jz bad_hv
    test ecx, 0x20
    jnz bad_vmx
    PRINT "check: leaf 1 hypervisor bit set, VMX hidden: ok"
    jmp ext
bad_hv:
    PRINT "check: leaf 1 hypervisor bit: WRONG"
    mov byte ptr [failed], 1
    jmp ext
bad_vmx:
    PRINT "check: leaf 1 VMX bit visible: WRONG"
    mov byte ptr [failed], 1
ext:
    mov eax, 0x80000001
    cpuid
    test ecx, 4
    jnz bad_svm
    PRINT "check: SVM hidden: ok"
    jmp done
bad_svm:
    PRINT "check: SVM visible: WRONG"
    mov byte ptr [failed], 1
done:
    mov eax, 0x40000001
    cpuid
    test eax, eax
    jz tsc_bad
    PRINT "check: leaf 0x40000001 gives the TSC frequency: ok"
    VERDICT
tsc_bad:
    PRINT "check: leaf 0x40000001 TSC frequency is 0: WRONG"
    mov byte ptr [failed], 1
    VERDICT
