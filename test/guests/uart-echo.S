/* uart-echo: interrupt-driven input through the 16550 UART. The guest
 * programs the 8259 pair (vectors 0x20/0x28, only IRQ 4 unmasked) and
 * COM1 (115200 8N1; FCR 0x87: FIFOs on and cleared, an 8-byte trigger
 * level; MCR 0x0b: DTR, RTS and OUT2, which connects the IRQ on a PC;
 * IER 0x05: received data and line status), says it is ready and sleeps
 * in HLT. Its IRQ 4 handler (vector 0x24) reads IIR until no interrupt is
 * pending: received data (0x04) and character time-out (0x0c) drain the
 * FIFO while LSR.DR is set, line status (0x06) reads LSR. Once a line has
 * come in (CR or LF), the guest echoes it and checks that it came by
 * interrupts, each one named by IIR with the FIFO bits set, without an
 * overrun. Nothing ends it but the line: the test types one. */
#include "guest.inc"
#define COM1_IER 0x3f9
#define COM1_IIR 0x3fa
#define COM1_FCR 0x3fa
#define COM1_LCR 0x3fb
#define COM1_MCR 0x3fc
#define COM1_MSR 0x3fe
#define LINE_MAX 64
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    mov word ptr [0x24 * 4], offset irq4_handler
    mov word ptr [0x24 * 4 + 2], 0
    mov al, 0xef            /* OCW1 for the master: only IRQ 4; the slave masked */
    call guest_pic_init
    mov dx, COM1_LCR        /* DLAB: divisor 1, 115200 baud */
    mov al, 0x80
    out dx, al
    mov dx, COM1
    mov al, 1
    out dx, al
    mov dx, COM1_IER        /* DLM under DLAB */
    xor al, al
    out dx, al
    mov dx, COM1_LCR        /* 8N1 */
    mov al, 0x03
    out dx, al
    mov dx, COM1_FCR        /* FIFOs on, both cleared, trigger level 8 */
    mov al, 0x87
    out dx, al
    mov dx, COM1_MCR        /* DTR, RTS, OUT2 */
    mov al, 0x0b
    out dx, al
    mov dx, COM1_IER        /* ERBFI | ELSI */
    mov al, 0x05
    out dx, al
    PRINT "ready: type a line"
    sti
1:  hlt
    cmp byte ptr [line_done], 0
    je 1b
    cli
    mov si, offset msg_echo
    call guest_puts
    mov si, offset line
    call guest_puts
    mov si, offset msg_newline
    call guest_puts
    cmp word ptr [irqs], 0
    je no_irqs
    PRINT "check: the line came by IRQ 4 interrupts at vector 0x24: ok"
    jmp sources
no_irqs:
    PRINT "check: no IRQ 4 interrupt came: WRONG"
    mov byte ptr [failed], 1
sources:
    cmp byte ptr [bad_iir], 0
    jne bad_sources
    PRINT "check: IIR named received data or a time-out, with the FIFO bits set: ok"
    jmp errors
bad_sources:
    PRINT "check: IIR named another source, or lacked the FIFO bits: WRONG"
    mov byte ptr [failed], 1
errors:
    cmp byte ptr [lsr_errors], 0
    jne had_errors
    PRINT "check: no overrun and no line status interrupt: ok"
    jmp done
had_errors:
    PRINT "check: LSR reported an overrun or another error: WRONG"
    mov byte ptr [failed], 1
done:
    VERDICT

/* IRQ 4: serve every source IIR names, until it says none is pending;
 * then EOI. A byte arriving meanwhile raises the line again: a new edge. */
irq4_handler:
    push ax
    push bx
    push dx
    inc word ptr [irqs]
next_source:
    mov dx, COM1_IIR
    in al, dx
    mov ah, al
    and ah, 0xc0
    cmp ah, 0xc0            /* bits 7-6: FIFOs enabled */
    je 2f
    mov byte ptr [bad_iir], 1
2:  test al, 1              /* bit 0 set: no interrupt pending */
    jnz end_of_interrupt
    and al, 0x0e
    cmp al, 0x04            /* received data available */
    je drain
    cmp al, 0x0c            /* character time-out */
    je drain
    cmp al, 0x06            /* receiver line status */
    je line_status
    mov byte ptr [bad_iir], 1   /* THR empty or modem status: not enabled */
    mov dx, COM1_MSR
    in al, dx
    jmp next_source
line_status:
    mov byte ptr [lsr_errors], 1
    mov dx, COM1_LSR
    in al, dx
    jmp next_source
drain:
    mov dx, COM1_LSR
    in al, dx
    test al, 0x1e           /* OE, PE, FE, BI */
    jz 3f
    mov byte ptr [lsr_errors], 1
3:  test al, 0x01           /* DR */
    jz next_source
    mov dx, COM1
    in al, dx
    cmp byte ptr [line_done], 0
    jne drain               /* after the line: dropped */
    cmp al, 0x0d
    je end_of_line
    cmp al, 0x0a
    je end_of_line
    mov bx, [line_len]
    cmp bx, LINE_MAX - 1
    jae drain
    mov byte ptr [bx + line], al
    inc word ptr [line_len]
    jmp drain
end_of_line:
    mov byte ptr [line_done], 1
    jmp drain
end_of_interrupt:
    mov al, 0x20            /* OCW2: non-specific EOI */
    out 0x20, al
    pop dx
    pop bx
    pop ax
    iret

    .section .rodata
msg_echo:    .asciz "echo: "
msg_newline: .asciz "\n"

    .data
    .balign 2
irqs:       .word 0
line_len:   .word 0
line_done:  .byte 0
bad_iir:    .byte 0
lsr_errors: .byte 0
line:       .fill LINE_MAX, 1, 0
