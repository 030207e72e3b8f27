/* string-io: REP OUTSB to the UART prints a whole line in one exit;
 * REP INSB from a port nothing claims fills a buffer with 0xff; RSI, RDI
 * and RCX end where the SDM says. */
#include "guest.inc"
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    cld
    mov si, offset message
    mov cx, message_end - message
    mov dx, COM1
    rep outsb
    cmp cx, 0
    jne regs_bad
    cmp si, offset message_end
    jne regs_bad
    PRINT "check: REP OUTSB left CX = 0 and SI at the end: ok"
    jmp ins
regs_bad:
    PRINT "check: registers after REP OUTSB: WRONG"
    mov byte ptr [failed], 1
ins:
    mov di, offset buffer
    mov cx, 16
    mov dx, 0x1234          /* unclaimed: reads all-ones */
    rep insb
    cmp di, offset buffer + 16
    jne ins_bad
    mov si, offset buffer
    mov cx, 16
1:  lodsb
    cmp al, 0xff
    jne ins_bad
    loop 1b
    cmp byte ptr [buffer + 16], 0x5a  /* the byte after is untouched */
    jne ins_bad
    PRINT "check: REP INSB filled 16 bytes with 0xff and no more: ok"
    jmp done
ins_bad:
    PRINT "check: REP INSB: WRONG"
    mov byte ptr [failed], 1
done:
    VERDICT

    .section .rodata
message: .ascii "a line written by a single REP OUTSB\n"
message_end:
    .data
buffer: .fill 16, 1, 0
    .byte 0x5a
