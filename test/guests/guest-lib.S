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

    .data
    .global failed
failed: .byte 0
