/* spin: a guest that never gives control back on its own — interrupts
 * off, a tight loop with no exiting instruction. The hypervisor's host
 * timer still takes control every slice, and the VM's time budget
 * (guest_timeout=1, declared below) stops it with a report.
 * tsvisor-cmdline: guest_timeout=1 */
#include "guest.inc"
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    PRINT "spinning with interrupts disabled"
1:  jmp 1b
