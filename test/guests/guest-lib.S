/* Runtime shared by the test guests: see guest.inc. */
#include "guest.inc"
    .text
    .global guest_puts
/* Print the NUL-terminated string at DS:SI, polling LSR.THRE before each byte. */
guest_puts:
    push ax
    push dx
1:  lodsb
    test al, al
    jz 3f
    mov ah, al
    mov dx, COM1_LSR
2:  in al, dx
    test al, 0x20
    jz 2b
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp 1b
3:  pop dx
    pop ax
    ret

/* Print the NUL-terminated string at RSI (64-bit code), polling LSR.THRE
 * before each byte (the 32-bit one, guest_puts32, is with the 32-bit
 * runtime below). */
    .macro PUTS_PROTECTED name
    .global \name
\name:
    lodsb
    test al, al
    jz 2f
    mov ah, al
    mov dx, COM1_LSR
1:  in al, dx
    test al, 0x20
    jz 1b
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp \name
2:  ret
    .endm
    .code64
    PUTS_PROTECTED guest_puts64
    .code16

    .global guest_pic_init
/* Program the 8259 pair as a PC BIOS leaves it, but at vectors 0x20-0x27
 * (master) and 0x28-0x2f (slave) (Intel 8259A datasheet, ICW1-ICW4):
 * edge-triggered, cascaded on IR2, 8086 mode, normal EOI; then mask the
 * master with AL (OCW1) and the slave wholly. Clobbers AL. */
guest_pic_init:
    push ax
    mov al, 0x11            /* ICW1: edge, cascade, ICW4 follows */
    out 0x20, al
    out 0xa0, al
    mov al, 0x20            /* ICW2: master vectors 0x20-0x27 */
    out 0x21, al
    mov al, 0x28            /*       slave vectors 0x28-0x2f */
    out 0xa1, al
    mov al, 0x04            /* ICW3: slave on IR2 */
    out 0x21, al
    mov al, 0x02            /*       slave identity 2 */
    out 0xa1, al
    mov al, 0x01            /* ICW4: 8086 mode, normal EOI */
    out 0x21, al
    out 0xa1, al
    pop ax
    out 0x21, al            /* OCW1: the master's mask */
    mov al, 0xff
    out 0xa1, al
    ret

    .data
    .global failed
failed: .byte 0

    .text
    .global guest_print_hex32
/* Print EAX as 8 hex digits (no newline). */
guest_print_hex32:
    push eax
    push ebx
    push cx
    push si
    mov ebx, eax
    mov cx, 8
1:  rol ebx, 4
    mov al, bl
    and al, 0xf
    add al, '0'
    cmp al, '9'
    jbe 2f
    add al, 'a' - '9' - 1
2:  mov byte ptr [hex_digit], al
    mov si, offset hex_digit
    call guest_puts
    dec cx
    jnz 1b
    pop si
    pop cx
    pop ebx
    pop eax
    ret

    .data
hex_digit: .byte 0, 0

    .text
    .global guest_hypercall
/* VMCALL (0F 01 C1) on Intel, VMMCALL (0F 01 D9) on AMD: CPUID leaf 0's
 * EBX is "Auth" on AMD. Preserves everything but the hypercall's results. */
guest_hypercall:
    cmp byte ptr [vendor_known], 0
    jne 1f
    push eax
    push ebx
    push ecx
    push edx
    xor eax, eax
    cpuid
    cmp ebx, 0x68747541         /* "Auth" */
    sete byte ptr [vendor_amd]
    mov byte ptr [vendor_known], 1
    pop edx
    pop ecx
    pop ebx
    pop eax
1:  cmp byte ptr [vendor_amd], 0
    jne 2f
    vmcall
    ret
2:  vmmcall
    ret

    .data
vendor_known: .byte 0
vendor_amd:   .byte 0

    .text
    .global guest_gp_handler
/* #GP in real mode (no error code is pushed; the saved IP points at the
 * faulting instruction): note it in gp_seen and skip gp_skip bytes. */
guest_gp_handler:
    push bp
    mov bp, sp
    push ax
    xor ax, ax
    mov al, byte ptr [gp_skip]
    add word ptr [bp + 2], ax
    pop ax
    mov byte ptr [gp_seen], 1
    pop bp
    iret

    .data
    .global gp_seen, gp_skip
gp_seen: .byte 0
gp_skip: .byte 0

/* ---- 32-bit runtime, for guests started in flat protected mode ---- */
    .code32
    .text
    .global guest_puts32
/* Print the NUL-terminated string at ESI, polling LSR.THRE before each byte. */
guest_puts32:
    push eax
    push edx
1:  lodsb
    test al, al
    jz 3f
    mov ah, al
    mov dx, COM1_LSR
2:  in al, dx
    test al, 0x20
    jz 2b
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp 1b
3:  pop edx
    pop eax
    ret

    .global guest_setup32
/* Load a flat GDT (code 0x10, data 0x18, the selectors tsvisor starts the
 * guest with) and reload every segment register from it, set ESP to
 * 0x7c00, and load an IDT of 256 interrupt gates that all go to
 * guest_unexpected32. Returns with interrupts off. Clobbers EAX, ECX, EDX. */
guest_setup32:
    pop edx                         /* the return address: the stack moves */
    lgdt [gdt32_desc]
    .byte 0xea                      /* jmp far 0x10:1f */
    .long 1f
    .word 0x10
1:  mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, 0x7c00
    push edx
    xor ecx, ecx
2:  mov eax, ecx
    mov edx, offset guest_unexpected32
    call guest_set_gate32
    inc ecx
    cmp ecx, 256
    jb 2b
    lidt [idt32_desc]
    ret

    .global guest_set_gate32
/* Vector EAX goes to the handler at EDX: a 32-bit interrupt gate (type 0xE,
 * present, DPL 0) with selector 0x10 (SDM Vol. 3A §7.11, Figure 7-2). */
guest_set_gate32:
    push eax
    lea eax, [idt32 + eax * 8]
    mov word ptr [eax], dx
    mov word ptr [eax + 2], 0x10
    mov word ptr [eax + 4], 0x8e00
    shr edx, 16
    mov word ptr [eax + 6], dx
    pop eax
    ret

    .global guest_elapsed_within32
/* ZF set if the TSC time from guest_t0 to guest_last (64-bit TSC values the
 * guest records) is between ECX and EBX milliseconds, at guest_tsc_khz
 * (CPUID 0x40000001 EAX). Clobbers EAX, EDX, ESI. */
guest_elapsed_within32:
    mov eax, [guest_last]
    mov edx, [guest_last + 4]
    sub eax, [guest_t0]
    sbb edx, [guest_t0 + 4]
    test edx, edx
    jnz 9f
    mov esi, eax
    mov eax, [guest_tsc_khz]
    mul ecx
    cmp esi, eax
    jb 9f
    mov eax, [guest_tsc_khz]
    mul ebx
    cmp esi, eax
    ja 9f
    xor eax, eax                    /* ZF set */
    ret
9:  test esp, esp                   /* ZF clear */
    ret

    .global guest_spin_ms32
/* Spin with interrupts on for EAX milliseconds of TSC time. Clobbers EAX,
 * EBX, ECX, EDX. */
guest_spin_ms32:
    mul dword ptr [guest_tsc_khz]
    mov ebx, eax
    rdtsc
    mov ecx, eax
    sti
1:  rdtsc
    sub eax, ecx
    cmp eax, ebx
    jb 1b
    cli
    ret

    .global guest_unexpected32
/* An interrupt or exception no test expects: say so and fail. */
guest_unexpected32:
    mov esi, offset unexpected_msg
    call guest_puts32
    mov esi, offset fail_msg
    call guest_puts32
    mov al, 1
    out EXIT_PORT, al
    hlt
    .code16

    .section .rodata
unexpected_msg: .asciz "check: an interrupt or exception no test expects: WRONG\n"
fail_msg:       .asciz "verdict: FAIL\n"

    .data
    .balign 8
gdt32:
    .quad 0
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x10: code, base 0, 4 GiB, 32-bit */
    .quad 0x00cf92000000ffff        /* 0x18: data, base 0, 4 GiB */
gdt32_desc:
    .word gdt32_desc - gdt32 - 1
    .long gdt32
    .balign 8
idt32_desc:
    .word 256 * 8 - 1
    .long idt32

    .bss
    .balign 8
idt32: .skip 256 * 8

    .data
    .balign 4
/* The timing state guest_elapsed_within32 reads: the TSC rate and two
 * moments a guest records (e.g. when it starts a timer, and in its handler). */
    .global guest_tsc_khz, guest_t0, guest_last
guest_tsc_khz: .long 0
guest_t0:      .long 0, 0
guest_last:    .long 0, 0

/* ---- 64-bit runtime, for guests started in long mode (guest_mode=long64) ---- */
    .code64
    .text
    .global guest_setup64
/* Load a GDT whose 0x10 is 64-bit code and 0x18 flat data (the selectors
 * tsvisor starts the guest with, so CS needs no reload), reload the data
 * segment registers, and load an IDT of 256 interrupt gates that all go to
 * guest_unexpected64 but #GP (13), which goes to guest_gp64. Clobbers RAX,
 * RCX, RDX, R8. */
guest_setup64:
    lgdt [rip + gdt64_desc]
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ecx, ecx
1:  mov eax, ecx
    lea rdx, [rip + guest_unexpected64]
    call guest_set_gate64
    inc ecx
    cmp ecx, 256
    jb 1b
    mov eax, 13
    lea rdx, [rip + guest_gp64]
    call guest_set_gate64
    lidt [rip + idt64_desc]
    ret

    .global guest_set_gate64
/* Vector EAX goes to the handler at RDX: a 64-bit interrupt gate (type 0xE,
 * present, DPL 0, IST 0) with selector 0x10 (SDM Vol. 3A §7.14.1, Figure
 * 7-8). Clobbers RAX, RDX, R8. */
guest_set_gate64:
    lea r8, [rip + idt64]
    shl eax, 4
    add rax, r8
    mov word ptr [rax], dx
    mov word ptr [rax + 2], 0x10
    mov word ptr [rax + 4], 0x8e00
    shr rdx, 16
    mov word ptr [rax + 6], dx
    shr rdx, 16
    mov dword ptr [rax + 8], edx
    mov dword ptr [rax + 12], 0
    ret

/* #GP in 64-bit mode: drop the error code, note it in gp_seen, and return
 * past the gp_skip-byte instruction that faulted. */
guest_gp64:
    add rsp, 8
    push rax
    movzx eax, byte ptr [rip + gp_skip]
    add [rsp + 8], rax
    mov byte ptr [rip + gp_seen], 1
    pop rax
    iretq

/* An interrupt or exception no test expects: say so and fail. */
guest_unexpected64:
    lea rsi, [rip + unexpected_msg]
    call guest_puts64
    lea rsi, [rip + fail_msg]
    call guest_puts64
    mov al, 1
    out EXIT_PORT, al
    hlt
    .code16

    .data
    .balign 8
gdt64:
    .quad 0
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x10: code, 64-bit (L) */
    .quad 0x00cf92000000ffff        /* 0x18: data, base 0, 4 GiB */
gdt64_desc:
    .word gdt64_desc - gdt64 - 1
    .long gdt64, 0
    .balign 8
idt64_desc:
    .word 256 * 16 - 1
    .long idt64, 0

    .bss
    .balign 16
idt64: .skip 256 * 16
