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

/* Print the NUL-terminated string at ESI (32-bit code) or RSI (64-bit
 * code), polling LSR.THRE before each byte: the same loop for the guests
 * that leave real mode. */
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
    .code32
    PUTS_PROTECTED guest_puts32
    .code64
    PUTS_PROTECTED guest_puts64
    .code16

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
