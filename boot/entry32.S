/*
 * 32-bit entry from GRUB and the switch to 64-bit long mode.
 *
 * GRUB hands over (Multiboot2 spec §3.3): protected mode, paging off,
 * EAX = 0x36D76289, EBX = physical address of the boot information.
 * We build identity page tables for the low 4 GiB with 2 MiB pages (and
 * 4-64 GiB with 1 GiB pages where the CPU has them), enable
 * PAE and EFER.LME, turn paging on and far-jump into a 64-bit code segment
 * (Intel SDM Vol. 3A §10.8.5 "Initializing IA-32e Mode").
 */
    .intel_syntax noprefix

#define COM1          0x3F8
#define COM2          0x2F8
#define EFER_MSR      0xC0000080     /* SDM Vol. 4, IA32_EFER */
#define EFER_LME      (1 << 8)       /* long mode enable */
#define CR4_PAE       (1 << 5)
#define CR0_PG        (1 << 31)
#define CR0_WP        (1 << 16)
#define CR0_PE        (1 << 0)
#define PTE_P_RW      0x3            /* present, writable */
#define PDE_2M        0x83           /* present, writable, page size (2 MiB; 1 GiB in a PDPTE) */
#define IDENTITY_MAX_GIB 64

    .section .text.entry32, "ax"
    .code32
    .global _start
_start:
    cli
    mov esp, offset boot_stack_top
    mov edi, eax                 /* keep the multiboot2 magic */
    mov esi, ebx                 /* and the info pointer */

    /* Long mode present? CPUID.80000001h:EDX[29] (SDM Vol. 2A, CPUID). */
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, (1 << 29)
    jz no_long_mode

    /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
    mov eax, offset boot_pdpt
    or eax, PTE_P_RW
    mov [boot_pml4], eax
    mov ecx, 0
1:  mov eax, ecx
    shl eax, 12
    add eax, offset boot_pd
    or eax, PTE_P_RW
    mov [boot_pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, 4
    jb 1b
    /* 2048 PDEs, each mapping 2 MiB: PDE[i] = i * 2 MiB | PS | RW | P. */
    mov ecx, 0
2:  mov eax, ecx
    shl eax, 21
    or eax, PDE_2M
    mov [boot_pd + ecx * 8], eax
    mov eax, ecx
    shr eax, 11                  /* bits 32+ of the physical address */
    mov [boot_pd + ecx * 8 + 4], eax
    inc ecx
    cmp ecx, 2048
    jb 2b
    /* 4 GiB to 64 GiB, where guest RAM goes on machines with more memory:
     * PDPT[4..63] as 1 GiB pages (PS set: SDM Vol. 3A §5.5.4, Table 5-17)
     * if CPUID.80000001H:EDX[26] (Page1GB) says the CPU has them; without,
     * the map stays at 4 GiB (identity_map_gib, read by boot/hal.c). */
    mov eax, 0x80000001
    cpuid
    test edx, (1 << 26)
    jz 4f
    mov ecx, 4
3:  mov eax, ecx
    shl eax, 30                  /* bits 31:30 of i GiB */
    or eax, PDE_2M               /* present, writable, page size */
    mov [boot_pdpt + ecx * 8], eax
    mov eax, ecx
    shr eax, 2                   /* bits 32+ */
    mov [boot_pdpt + ecx * 8 + 4], eax
    inc ecx
    cmp ecx, IDENTITY_MAX_GIB
    jb 3b
    mov dword ptr [identity_map_gib], IDENTITY_MAX_GIB
4:

    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, offset boot_pml4
    mov cr3, eax
    mov ecx, EFER_MSR
    rdmsr
    or eax, EFER_LME
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_WP | CR0_PE
    mov cr0, eax

    lgdt [gdt64_pointer]
    ljmp 0x08, offset long_mode_entry

no_long_mode:
    /* Nothing we can do without long mode: say so and stop, on COM1 and on
     * COM2, the control channel the run tool takes its verdict from
     * (drivers/host/com1.ts). An absent UART's LSR reads 0xff: no wait. */
    mov esi, offset msg_no_long_mode
3:  lodsb
    test al, al
    jz 5f
    mov bl, al
    mov cx, COM1
    call put_byte
    mov cx, COM2
    call put_byte
    jmp 3b
5:  cli
    hlt
    jmp 5b

/* BL to the UART at CX once its transmitter holding register is empty. */
put_byte:
    mov dx, cx
    add dx, 5                    /* LSR */
4:  in al, dx
    test al, 0x20                /* LSR.THRE: transmitter holding register empty */
    jz 4b
    mov dx, cx
    mov al, bl
    out dx, al
    ret

    .section .rodata
msg_no_long_mode:
    .asciz "tsvisor: PANIC: this CPU has no 64-bit long mode; tsvisor needs an x86-64 CPU\r\ntsvisor: machine halted\r\n"

    /* GDT: null, 64-bit code (L=1, P=1, S=1, type=execute/read), data, TSS.
     * SDM Vol. 3A §3.4.5. Writable: LTR marks the TSS descriptor busy. */
    .section .data
    .balign 16
    .global gdt64
gdt64:
    .quad 0
    .quad 0x00AF9A000000FFFF     /* 0x08: 64-bit code */
    .quad 0x00CF92000000FFFF     /* 0x10: data */
    .quad 0, 0                   /* 0x18: 64-bit TSS, filled in by boot/cpu-tables.c */
gdt64_end:
    /* How many GiB from 0 the identity map covers (4, or 64: above). */
    .global identity_map_gib
    .balign 4
identity_map_gib: .long 4
    .global gdt64_pointer
gdt64_pointer:
    .short gdt64_end - gdt64 - 1
    .quad gdt64

    .section .bss.boot, "aw", @nobits
    .balign 4096
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4096 * 4
    /* Left unmapped by boot/address-space.c: an overflow of the stack
     * below faults here instead of writing over the page tables above. */
    .balign 4096
    .global boot_stack_guard
boot_stack_guard:
    .skip 4096
    .global boot_stack_bottom
boot_stack_bottom:
    .skip 512 * 1024              /* the core's native stack, above its guard page */
    .global boot_stack_top
boot_stack_top:
