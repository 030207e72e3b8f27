/* ioapic-pit: the PIT's IRQ 0 through the I/O APIC, as an ACPI operating
 * system routes it. In flat 32-bit protected mode with its own GDT and IDT,
 * with both 8259s masked, the guest software-enables its local APIC, reads
 * the I/O APIC's version, points redirection entry 2 (GSI 2: ISA IRQ 0 by
 * the interrupt source override) at vector 0x30 and runs the 8254 at
 * 100 Hz, asleep in HLT between interrupts and timing them on the TSC:
 * first edge-triggered, then level-triggered, where the handler sees the
 * entry's remote IRR and the local APIC's TMR bit set before its EOI and
 * remote IRR clear after it (the EOI broadcast); then masks the entry.
 * tsvisor-cmdline: guest_mode=protected32 */
#include "guest.inc"
#define APIC 0xfee00000
#define IOAPIC 0xfec00000
#define IOWIN 0x10
#define EOI 0xb0
#define SVR 0xf0
#define VECTOR 0x30
#define RED2_LO 0x14                /* IOREDTBL 2, low dword */
#define RED2_HI 0x15
#define REMOTE_IRR 0x4000
#define LEVEL 0x8000
#define MASKED 0x10000
#define PIT_COUNT 11932
    .text
    .global _start
    .code32
_start:
    call guest_setup32
    mov eax, VECTOR
    mov edx, offset irq_handler
    call guest_set_gate32
    mov eax, 0xff
    mov edx, offset spurious_handler
    call guest_set_gate32
    mov eax, 0x40000001
    cpuid
    mov [guest_tsc_khz], eax
    mov al, 0xff                    /* OCW1: both 8259s fully masked */
    out 0x21, al
    out 0xa1, al
    mov dword ptr [APIC + SVR], 0x1ff
    mov dword ptr [IOAPIC], 0x01    /* IOAPICVER */
    cmp dword ptr [IOAPIC + IOWIN], 0x00170011
    CHECK32 e, "I/O APIC version 0x11 with 24 redirection entries"

    mov dword ptr [IOAPIC], RED2_HI
    mov dword ptr [IOAPIC + IOWIN], 0          /* physical destination: APIC 0 */
    mov dword ptr [IOAPIC], RED2_LO
    mov dword ptr [IOAPIC + IOWIN], VECTOR     /* fixed, edge, active high, unmasked */
    mov al, 0x34                    /* PIT channel 0, LSB then MSB, mode 2 */
    out 0x43, al
    mov al, PIT_COUNT & 0xff
    out 0x40, al
    mov al, PIT_COUNT >> 8
    out 0x40, al
    mov ebx, 5
    call sleep_ticks
    mov ecx, 25                     /* 5 ticks, 50 ms: between 25 and 100 */
    mov ebx, 100
    call guest_elapsed_within32
    CHECK32 e, "5 PIT interrupts through I/O APIC entry 2 (GSI 2), edge-triggered, 10 ms apart on the TSC"

    /* Printing takes longer than a PIT period: an interrupt the local APIC
     * accepted meanwhile waits in its IRR. Mask the entry and take that one
     * first (an interrupt window opens at the STI), then switch. */
    call mask_and_drain
    mov byte ptr [level_mode], 1
    mov dword ptr [IOAPIC], RED2_LO
    mov dword ptr [IOAPIC + IOWIN], LEVEL | VECTOR
    mov ebx, 5
    call sleep_ticks
    cmp dword ptr [rirr_set], 5
    jne 1f
    cmp dword ptr [tmr_set], 5
    jne 1f
    cmp dword ptr [rirr_cleared], 5
1:  CHECK32 e, "level-triggered: remote IRR and TMR set in the handler, remote IRR cleared by the EOI broadcast"

    call mask_and_drain
    mov eax, [ticks]
    mov [before], eax
    mov eax, 30                     /* 30 ms awake, interrupts on */
    call guest_spin_ms32
    mov eax, [ticks]
    cmp eax, [before]
    jne 1f
    cmp dword ptr [APIC + 0x110], 0 /* ISR for vectors 0x20-0x3f: nothing in service */
1:  CHECK32 e, "masked entry 2: no more interrupts; nothing left in service"
    VERDICT32

/* Mask redirection entry 2, then let in what was accepted before. */
mask_and_drain:
    mov dword ptr [IOAPIC], RED2_LO
    or dword ptr [IOAPIC + IOWIN], MASKED
    sti
    nop
    nop
    cli
    ret

/* Sleep in HLT until EBX more interrupts have come; the time from the
 * first HLT to the guest_last interrupt is then in guest_t0..last. */
sleep_ticks:
    add ebx, [ticks]
    rdtsc
    mov [guest_t0], eax
    mov [guest_t0 + 4], edx
    sti
1:  hlt
    cmp [ticks], ebx
    jb 1b
    cli
    ret


irq_handler:
    push eax
    push edx
    rdtsc
    mov [guest_last], eax
    mov [guest_last + 4], edx
    inc dword ptr [ticks]
    cmp byte ptr [level_mode], 0
    je 2f
    mov dword ptr [IOAPIC], RED2_LO
    test dword ptr [IOAPIC + IOWIN], REMOTE_IRR
    jz 1f
    inc dword ptr [rirr_set]
1:  test dword ptr [APIC + 0x190], 1 << (VECTOR - 32)  /* TMR, vectors 0x20-0x3f */
    jz 2f
    inc dword ptr [tmr_set]
2:  mov dword ptr [APIC + EOI], 0
    cmp byte ptr [level_mode], 0
    je 3f
    mov dword ptr [IOAPIC], RED2_LO
    test dword ptr [IOAPIC + IOWIN], REMOTE_IRR
    jnz 3f
    inc dword ptr [rirr_cleared]
3:  pop edx
    pop eax
    iretd

spurious_handler:
    iretd
    .code16

    .data
    .balign 4
ticks:        .long 0
before:       .long 0
rirr_set:     .long 0
tmr_set:      .long 0
rirr_cleared: .long 0
level_mode:   .byte 0
