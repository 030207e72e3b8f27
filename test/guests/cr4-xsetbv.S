/* cr4-xsetbv: CR4 and XCR0 under the hypervisor.
 *   setting CR4.OSXSAVE works and CPUID.1:ECX.OSXSAVE follows it;
 *   XSETBV XCR0 = x87|SSE is loaded (XGETBV reads it back);
 *   XSETBV XCR0 = AVX alone raises #GP; setting CR4.VMXE raises #GP (VMX is hidden). */
#include "guest.inc"
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    INSTALL_GP_HANDLER 3             /* XSETBV and MOV CR4 are 3 bytes */

    mov eax, cr4
    or eax, 1 << 18                 /* OSXSAVE */
    mov cr4, eax
    mov eax, 1
    cpuid
    test ecx, 1 << 27
    jz osx_bad
    PRINT "check: CPUID.1:ECX.OSXSAVE follows the guest's CR4: ok"
    jmp set_xcr0
osx_bad:
    PRINT "check: CPUID.1:ECX.OSXSAVE: WRONG"
    mov byte ptr [failed], 1
set_xcr0:
    xor ecx, ecx
    xor edx, edx
    mov eax, 3                      /* x87 | SSE */
    xsetbv
    xor eax, eax
    xor ecx, ecx
    xgetbv
    cmp eax, 3
    jne xcr0_bad
    PRINT "check: XSETBV loaded XCR0 = 3: ok"
    jmp bad_xcr0
xcr0_bad:
    PRINT "check: XCR0 after XSETBV: WRONG"
    mov byte ptr [failed], 1
bad_xcr0:
    mov byte ptr [gp_seen], 0
    xor ecx, ecx
    xor edx, edx
    mov eax, 4                      /* AVX without x87/SSE: invalid */
    xsetbv                          /* 3 bytes: the #GP handler skips them */
    cmp byte ptr [gp_seen], 1
    jne gp1_bad
    PRINT "check: invalid XCR0 raised #GP: ok"
    jmp opmask
gp1_bad:
    PRINT "check: invalid XCR0 accepted: WRONG"
    mov byte ptr [failed], 1
opmask:
    /* XCR0 = 0x27: x87, SSE, AVX and the AVX-512 opmask without the ZMM
     * states (SDM Vol. 1 §13.3: bits 7:5 all or none). Once the
     * hypervisor's own XSETBV took this #GP and the machine stopped (issue
     * 11 item 1); now the guest gets it, and XCR0 stays 3. */
    mov byte ptr [gp_seen], 0
    xor ecx, ecx
    xor edx, edx
    mov eax, 0x27
    xsetbv
    cmp byte ptr [gp_seen], 1
    jne 1f
    xor ecx, ecx
    xgetbv
    cmp eax, 3
    jne 1f
    PRINT "check: XCR0 = 0x27 (opmask without ZMM) raised #GP and left XCR0 = 3: ok"
    jmp vmxe
1:  PRINT "check: XCR0 = 0x27: WRONG"
    mov byte ptr [failed], 1
vmxe:
    mov byte ptr [gp_seen], 0
    mov eax, cr4
    or eax, 1 << 13                 /* VMXE */
    mov cr4, eax                    /* 3 bytes (0F 22 E0) */
    cmp byte ptr [gp_seen], 1
    jne gp2_bad
    PRINT "check: setting CR4.VMXE raised #GP: ok"
    jmp done
gp2_bad:
    PRINT "check: CR4.VMXE accepted: WRONG"
    mov byte ptr [failed], 1
done:
    VERDICT

