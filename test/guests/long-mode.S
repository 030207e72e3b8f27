/* long-mode: real mode → 32-bit protected mode → 64-bit long mode, as an OS
 * loader does: PAE page tables identity-mapping 2 MiB, EFER.LME by WRMSR
 * (virtualized), CR0.PG, a far jump to a 64-bit code segment. In long mode
 * it checks EFER.LMA (RDMSR), CPUID and that the passed-through MSRs
 * round-trip, prints, and exits with status 0. */
#include "guest.inc"
#define PML4 0x10000
#define PDPT 0x11000
#define PD   0x12000
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    PRINT "real mode: building page tables"
    /* Zero three pages at 0x10000 (ES = 0x1000), then link them. */
    mov ax, 0x1000
    mov es, ax
    xor di, di
    xor eax, eax
    mov cx, 3 * 4096 / 4
    rep stosd
    mov dword ptr es:[0x0000], PDPT | 3
    mov dword ptr es:[0x1000], PD | 3
    mov dword ptr es:[0x2000], 0x83        /* 2 MiB page at 0, present, writable */
    xor ax, ax
    mov es, ax
    lgdt [gdt_descriptor]
    mov eax, cr4
    or eax, 1 << 5                          /* PAE */
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax
    mov ecx, 0xc0000080                     /* IA32_EFER */
    rdmsr
    or eax, 1 << 8                          /* LME */
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | 1                   /* PG | PE */
    mov cr0, eax
    ljmp 0x08, offset lm64

    .code64
lm64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    lea rsi, [rip + msg_long]
    call guest_puts64
    mov ecx, 0xc0000080
    rdmsr
    test eax, 1 << 10                       /* LMA */
    jz lma_bad
    lea rsi, [rip + msg_lma]
    call guest_puts64
    mov eax, 0x40000000
    cpuid
    cmp ebx, 0x69767374
    jne cpuid_bad
    lea rsi, [rip + msg_cpuid]
    call guest_puts64
    /* The MSRs a 64-bit kernel sets up first (SYSCALL, SWAPGS, FS/GS base)
     * are passed through (kernel/vm/msr-policy.ts): each written value reads
     * back, with no #GP. The table is {msr, value} pairs, 0-terminated. */
    lea rbx, [rip + msr_table]
msr_next:
    mov ecx, [rbx]
    test ecx, ecx
    jz msr_done
    mov eax, [rbx + 4]
    mov edx, [rbx + 8]
    wrmsr
    xor eax, eax
    xor edx, edx
    rdmsr
    cmp eax, [rbx + 4]
    jne msr_bad
    cmp edx, [rbx + 8]
    jne msr_bad
    add rbx, 12
    jmp msr_next
msr_done:
    lea rsi, [rip + msg_msrs]
    call guest_puts64
    lea rsi, [rip + msg_pass]
    call guest_puts64
    mov al, 0
    out EXIT_PORT, al
lma_bad:
    lea rsi, [rip + msg_lma_bad]
    call guest_puts64
    jmp fail64
cpuid_bad:
    lea rsi, [rip + msg_cpuid_bad]
    call guest_puts64
    jmp fail64
msr_bad:
    lea rsi, [rip + msg_msr_bad]
    call guest_puts64
fail64:
    lea rsi, [rip + msg_fail]
    call guest_puts64
    mov al, 1
    out EXIT_PORT, al

    .code16

    .section .rodata
    .balign 8
gdt:
    .quad 0
    .quad 0x00af9a000000ffff   /* 0x08: 64-bit code (L=1) */
    .quad 0x00cf92000000ffff   /* 0x10: data */
gdt_descriptor:
    .word gdt_descriptor - gdt - 1
    .long gdt
    .balign 4
msr_table:       /* msr, low, high: canonical addresses, values a CPU keeps */
    .long 0xc0000081, 0x00000000, 0x00230010  /* STAR: SYSRET CS 0x23, SYSCALL CS 0x10 */
    .long 0xc0000082, 0x81234560, 0xffffffff  /* LSTAR */
    .long 0xc0000083, 0x81234570, 0xffffffff  /* CSTAR */
    .long 0xc0000084, 0x00047700, 0x00000000  /* FMASK */
    .long 0xc0000100, 0x00001000, 0x00000000  /* FS base */
    .long 0xc0000101, 0x00002000, 0x00000000  /* GS base */
    .long 0xc0000102, 0x89abc000, 0xffff8000  /* KERNEL_GS base */
    .long 0x00000174, 0x00000010, 0x00000000  /* SYSENTER_CS */
    .long 0x00000175, 0x00008000, 0x00000000  /* SYSENTER_ESP */
    .long 0x00000176, 0x00007c00, 0x00000000  /* SYSENTER_EIP */
    .long 0
msg_long:      .asciz "long mode: running 64-bit code\n"
msg_lma:       .asciz "check: EFER.LMA set: ok\n"
msg_cpuid:     .asciz "check: CPUID in long mode sees tsvisor: ok\n"
msg_msrs:      .asciz "check: STAR, LSTAR, CSTAR, FMASK, FS/GS/KERNEL_GS base, SYSENTER round-trip: ok\n"
msg_msr_bad:   .asciz "check: a passed-through MSR did not round-trip: WRONG\n"
msg_pass:      .asciz "verdict: PASS\n"
msg_lma_bad:   .asciz "check: EFER.LMA clear: WRONG\n"
msg_cpuid_bad: .asciz "check: CPUID in long mode: WRONG\n"
msg_fail:      .asciz "verdict: FAIL\n"
