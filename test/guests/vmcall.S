/* vmcall: the hypercall ABI (docs/hypercalls.md), by VMCALL or VMMCALL.
 *   0 CONSOLE_WRITE prints a buffer and returns its length; a buffer outside
 *     guest RAM returns -1; 1 EXIT_COUNT returns counters (port I/O > 0);
 *   an unknown call returns -1; 2 POWER_OFF ends the run with status 0. */
#include "guest.inc"
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    mov eax, 0
    mov ebx, offset message
    mov ecx, message_end - message
    HYPERCALL
    cmp eax, message_end - message
    jne write_bad
    PRINT "check: CONSOLE_WRITE returned the length: ok"
    jmp outside
write_bad:
    PRINT "check: CONSOLE_WRITE result: WRONG"
    mov byte ptr [failed], 1
outside:
    mov eax, 0
    mov ebx, 0x7ffff000     /* far beyond the 16 MiB of guest RAM */
    mov ecx, 16
    HYPERCALL
    cmp eax, -1
    jne outside_bad
    PRINT "check: CONSOLE_WRITE outside guest RAM refused: ok"
    jmp counts
outside_bad:
    PRINT "check: CONSOLE_WRITE outside guest RAM accepted: WRONG"
    mov byte ptr [failed], 1
counts:
    mov eax, 1
    mov ebx, 8              /* exit kind 8: port I/O (kernel/vm/exit.ts) */
    HYPERCALL
    test eax, eax
    jz counts_bad
    PRINT "check: EXIT_COUNT reports port I/O exits: ok"
    jmp unknown
counts_bad:
    PRINT "check: EXIT_COUNT for port I/O is zero: WRONG"
    mov byte ptr [failed], 1
unknown:
    mov eax, 99
    HYPERCALL
    cmp eax, -1
    jne unknown_bad
    PRINT "check: unknown hypercall returns -1: ok"
    jmp finish
unknown_bad:
    PRINT "check: unknown hypercall result: WRONG"
    mov byte ptr [failed], 1
finish:
    cmp byte ptr [failed], 0
    jne fail
    PRINT "verdict: PASS"
    mov eax, 2              /* POWER_OFF with status 0 */
    xor ebx, ebx
    HYPERCALL
    PRINT "POWER_OFF returned: WRONG"
fail:
    VERDICT

    .section .rodata
message: .ascii "written by the CONSOLE_WRITE hypercall\n"
message_end:
