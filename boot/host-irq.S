/*
 * The hypervisor's own interrupt entries. tsvisor runs with interrupts
 * disabled (IF=0) but for two moments the core asks for through the HAL:
 * halting until its local APIC timer fires (host_halt_with_interrupts) and
 * taking an interrupt that made the guest exit (host_take_interrupts). The
 * only sources are that timer and the APIC's spurious vector. Each entry
 * only counts the interrupt and returns: the core reads the count and
 * signals end-of-interrupt to the APIC itself (drivers/host/lapic.ts), so
 * that all the decisions stay in the core. Vectors: kernel/hal/imports.ts.
 */
    .intel_syntax noprefix
    .section .text
    .code64

    .global host_timer_entry
    .balign 16
host_timer_entry:
    lock inc qword ptr [rip + host_interrupt_count]
    iretq

    /* A spurious interrupt needs no EOI (SDM Vol. 3A §12.9). */
    .global host_spurious_entry
    .balign 16
host_spurious_entry:
    iretq

    /* STI shadows HLT: an interrupt pending now wakes the HLT, none is
     * taken between the two (SDM Vol. 2B STI). */
    .global host_halt_with_interrupts
host_halt_with_interrupts:
    sti
    hlt
    cli
    mov rax, [rip + host_interrupt_count]
    ret

    /* One instruction with IF=1 after STI's shadow: what is pending is taken. */
    .global host_take_interrupts
host_take_interrupts:
    sti
    nop
    cli
    mov rax, [rip + host_interrupt_count]
    ret

    .section .bss
    .balign 8
    .global host_interrupt_count
host_interrupt_count:
    .skip 8
