/* hostile-string-io: the string I/O forms a careless or hostile real-mode
 * program uses, each checked against the SDM (Vol. 2B INS/OUTS and REP;
 * Vol. 1 §3.3.7: with a 16-bit address size only SI, DI and CX count, and
 * the offset wraps within the segment). Before tsvisor handled them, DF=1
 * stopped the VM under VMX at address 0xffffffffffffffff and QEMU SVM gave
 * results no CPU would. Unclaimed port 0x1234 reads all-ones and drops
 * writes; COM1 shows what OUTS read. */
#include "guest.inc"
#define UNCLAIMED 0x1234

    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax

    /* DF=1: REP INSB fills downward, from DI to DI-CX+1, and DI ends one
     * below the last byte written. */
    std
    mov di, offset buffer + 15
    mov cx, 16
    mov dx, UNCLAIMED
    rep insb
    cld
    cmp di, offset buffer - 1
    jne 1f
    cmp cx, 0
    jne 1f
    cmp byte ptr [buffer - 1], 0x5a  /* the guard byte below is untouched */
    jne 1f
    mov si, offset buffer
    mov cx, 16
2:  lodsb
    cmp al, 0xff
    jne 1f
    loop 2b
    PRINT "check: REP INSB with DF=1 filled 16 bytes downward and DI ended below them: ok"
    jmp 3f
1:  PRINT "check: REP INSB with DF=1: WRONG"
    mov byte ptr [failed], 1
3:
    /* DF=1: REP OUTSB walks SI down. */
    std
    mov si, offset buffer + 15
    mov cx, 16
    mov dx, UNCLAIMED
    rep outsb
    cld
    cmp si, offset buffer - 1
    jne 1f
    cmp cx, 0
    jne 1f
    PRINT "check: REP OUTSB with DF=1 walked SI down by 16: ok"
    jmp 3f
1:  PRINT "check: REP OUTSB with DF=1: WRONG"
    mov byte ptr [failed], 1
3:
    /* 16-bit address size: DI wraps from 0xFFFF to 0 inside ES (linear
     * ES*16 + 0x10000 is not written). ES = 0x1000: bytes at 0x1FFFE,
     * 0x1FFFF, then 0x10000, 0x10001; 0x20000 and 0x20001 untouched. */
    mov ax, 0x1000
    mov es, ax
    mov word ptr es:[0], 0
    mov ax, 0x2000
    mov fs, ax
    mov word ptr fs:[0], 0x5a5a
    mov di, 0xfffe
    mov cx, 4
    mov dx, UNCLAIMED
    rep insb
    cmp di, 2
    jne 1f
    cmp word ptr es:[0xfffe], 0xffff
    jne 1f
    cmp word ptr es:[0], 0xffff
    jne 1f
    cmp word ptr fs:[0], 0x5a5a
    jne 1f
    PRINT "check: REP INSB with a 16-bit DI wrapped at 64 KiB inside ES: ok"
    jmp 3f
1:  PRINT "check: REP INSB across DI = 0xFFFF: WRONG"
    mov byte ptr [failed], 1
3:  xor ax, ax
    mov es, ax

    /* 16-bit address size: the count is CX; ECX's upper half is neither
     * used nor changed. */
    mov ecx, 0x00010002
    mov di, offset buffer
    mov dx, UNCLAIMED
    rep insb
    cmp ecx, 0x00010000
    jne 1f
    cmp di, offset buffer + 2
    jne 1f
    PRINT "check: REP INSB with a 16-bit address size counted CX only and kept ECX's upper half: ok"
    jmp 3f
1:  PRINT "check: REP INSB with ECX = 0x10002: WRONG"
    mov byte ptr [failed], 1
3:
    /* A segment override on OUTS: FS:SI, not DS:SI. DS:SI holds the wrong
     * line; FS:SI (FS = 0x1000, 64 KiB up) gets the right one, copied there
     * by a REP MOVSB that does not exit. */
    mov ax, 0x1000
    mov es, ax
    mov si, offset right_line
    mov di, offset wrong_line
    mov cx, right_line_end - right_line
    rep movsb
    xor ax, ax
    mov es, ax
    mov ax, 0x1000
    mov fs, ax
    mov si, offset wrong_line
    mov cx, right_line_end - right_line
    mov dx, COM1
    .byte 0x64, 0xf3, 0x6e          /* FS: REP OUTSB: DX, FS:[SI] */
    cmp si, offset wrong_line + (right_line_end - right_line)
    je 3f
    PRINT "check: REP OUTSB with an FS override moved SI: WRONG"
    mov byte ptr [failed], 1
3:
    VERDICT

    .section .rodata
right_line: .ascii "check: REP OUTSB with an FS override read FS:SI: ok\n"
right_line_end:
    .data
wrong_line: .ascii "check: REP OUTSB with an FS override read DS:SI: WRONG\n"
    .byte 0x5a
buffer: .fill 16, 1, 0
    .byte 0x5a
