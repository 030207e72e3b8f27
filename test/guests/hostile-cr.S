/* hostile-cr: CR0 and CR4 written as a hostile or careless kernel would,
 * each checked against what the CPU gives (Intel SDM Vol. 3A §2.5 and Vol.
 * 2B "MOV—Move to/from Control Registers"; AMD APM Vol. 2 §3.1.1, §3.1.3):
 * a #GP where the CPU raises one, the value read back where it allows the
 * write. Started in 64-bit long mode over the loader's identity paging
 * (CR3 = 0x1000), so the long-mode rules apply too. Every faulting write is
 * MOV CRn, RAX (0F 22 /r: 3 bytes), which the #GP handler skips.
 * Emulator note (README "Test guests"): QEMU 7.2's TCG itself loads CR0
 * with NW=1, CD=0 in an SVM guest, and VMRUN then refuses it; tsvisor's
 * CR0 write intercept gives the guest its #GP instead.
 * tsvisor-cmdline: guest_mode=long64 */
#include "guest.inc"
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_NW (1 << 29)
#define CR0_CD (1 << 30)
#define CR0_TS (1 << 3)
#define CR4_PAE (1 << 5)
#define CR4_PGE (1 << 7)
#define CR4_VMXE (1 << 13)
#define CR4_PCIDE (1 << 17)

/* FAULT_CR n: write RAX to CRn; ZF set if it raised #GP. */
    .macro FAULT_CR n
    mov byte ptr [rip + gp_seen], 0
    mov cr\n, rax
    cmp byte ptr [rip + gp_seen], 1
    .endm

/* READS_BACK n: write RAX to CRn; ZF set if it raised no #GP and CRn
 * reads back as RAX (RCX: what it read). */
    .macro READS_BACK n
    mov byte ptr [rip + gp_seen], 0
    mov cr\n, rax
    mov rcx, cr\n
    cmp byte ptr [rip + gp_seen], 0
    jne 9994f
    cmp rcx, rax
9994:
    .endm

    .text
    .global _start
    .code64
_start:
    call guest_setup64
    mov byte ptr [rip + gp_skip], 3

    /* CR0.NE: a CPU lets software clear it (x87 errors then go to FERR#/
     * IGNNE#, SDM Vol. 3A §2.5); under VMX it is fixed to 1 underneath. */
    mov rbx, cr0
    mov rax, rbx
    and rax, ~CR0_NE
    READS_BACK 0
    CHECK64 e, "clearing CR0.NE is allowed and CR0 reads it back clear"
    mov rax, rbx
    READS_BACK 0
    CHECK64 e, "setting CR0.NE again reads back set"

    /* CR0.WP and TS: writes the CPU allows; CLTS clears TS. */
    mov rax, rbx
    and rax, ~CR0_WP
    or rax, CR0_TS
    READS_BACK 0
    jne 1f
    clts
    mov rcx, cr0
    and rax, ~CR0_TS
    cmp rcx, rax
    jne 1f
    mov rax, rbx
    READS_BACK 0
1:  CHECK64 e, "CR0.WP cleared, TS set, CLTS, then CR0 restored: each reads back"

    mov rax, rbx
    or rax, CR0_NW
    and rax, ~CR0_CD
    FAULT_CR 0
    jne 1f
    mov rcx, cr0
    cmp rcx, rbx
1:  CHECK64 e, "CR0 with NW=1, CD=0 raised #GP and left CR0 as it was"

    mov rax, rbx
    and rax, ~1                     /* PE clear, PG still set */
    FAULT_CR 0
    CHECK64 e, "CR0 with PG=1, PE=0 raised #GP"

    mov rax, rbx
    bts rax, 32
    FAULT_CR 0
    CHECK64 e, "CR0 with bit 32 set raised #GP"

    mov rax, rbx
    btr rax, 31                     /* PG */
    FAULT_CR 0
    jne 1f
    mov rcx, cr0
    cmp rcx, rbx
1:  CHECK64 e, "clearing CR0.PG in 64-bit mode raised #GP"

    /* CR4 bits no CPU of this guest's CPUID has: #GP, CR4 unchanged. */
    mov rbx, cr4
    lea rdi, [rip + reserved_cr4]
2:  movzx ecx, byte ptr [rdi]
    cmp cl, 0xff
    je 3f
    mov rax, rbx
    bts rax, rcx
    FAULT_CR 4
    jne 1f
    mov rcx, cr4
    cmp rcx, rbx
    jne 1f
    inc rdi
    jmp 2b
3:  xor eax, eax                    /* ZF: all refused */
1:  CHECK64 e, "CR4 bits the guest's CPU lacks (LA57 SMXE VMXE 15 PKE CET PKS 31 32 63) raised #GP"

    mov rcx, cr4
    test ecx, CR4_VMXE
    CHECK64 z, "CR4 reads VMXE clear"

    mov rax, rbx
    and rax, ~CR4_PAE
    FAULT_CR 4
    CHECK64 e, "clearing CR4.PAE in long mode raised #GP"

    mov rax, rbx
    xor rax, CR4_PGE
    READS_BACK 4
    jne 1f
    mov rax, rbx
    READS_BACK 4
1:  CHECK64 e, "CR4.PGE toggled and restored: each reads back"

    /* PCIDE: with CR3[11:0] not 0 (PWT) always #GP; with it 0, allowed in
     * IA-32e mode exactly where CPUID.1:ECX.PCID[17] says so. */
    mov rdx, cr3
    mov rax, rdx
    or rax, 1 << 3                  /* PWT */
    mov cr3, rax
    mov rax, rbx
    or rax, CR4_PCIDE
    FAULT_CR 4
    mov cr3, rdx
    CHECK64 e, "setting CR4.PCIDE with CR3[11:0] != 0 raised #GP"

    push rbx
    mov eax, 1
    cpuid
    pop rbx
    bt ecx, 17
    setc byte ptr [rip + has_pcid]
    mov rax, rbx
    or rax, CR4_PCIDE
    FAULT_CR 4
    setne cl                        /* 1: accepted */
    cmp cl, byte ptr [rip + has_pcid]
    jne 1f
    test cl, cl
    jz 1f
    mov rcx, cr4
    cmp rcx, rax
    jne 1f
    mov rax, rbx
    FAULT_CR 4                      /* clearing PCIDE is allowed */
    je 4f
    mov rcx, cr4
    cmp rcx, rbx
    jmp 1f
4:  test esp, esp                   /* ZF clear: WRONG */
1:  CHECK64 e, "CR4.PCIDE set and cleared where CPUID offers PCID, #GP where not"

    VERDICT64

    .data
reserved_cr4: .byte 12, 14, 13, 15, 22, 23, 24, 31, 32, 63, 0xff
has_pcid: .byte 0
