/* nmi: NMIs as a guest sees them. In flat 32-bit protected mode with its own
 * IDT, the guest enables its local APIC and sends itself an NMI through the
 * ICR (delivery mode NMI, shorthand self: SDM Vol. 3A §12.6.1) with
 * interrupts off — an NMI is not masked by IF (§7.7.1) — and checks that
 * vector 2's handler ran at once; from inside that handler it sends a
 * second one, which must wait for the handler's IRET (NMI blocking,
 * §7.7.1: "the processor blocks other NMIs until the next IRET") and then
 * arrive: the handler runs twice, never nested. Last, an NMI by the ICR's
 * destination (physical APIC ID 0, no shorthand).
 * tsvisor-cmdline: guest_mode=protected32 */
#include "guest.inc"
#define APIC 0xfee00000
#define SVR 0xf0
#define ICR_LO 0x300
#define ICR_HI 0x310
/* ICR: delivery mode NMI (100b in bits 10:8), level assert (bit 14),
 * shorthand self (01b in bits 19:18); the vector is ignored. */
#define ICR_NMI_SELF 0x00044400
#define ICR_NMI_DEST 0x00004400
    .text
    .global _start
    .code32
_start:
    call guest_setup32
    mov eax, 2
    mov edx, offset nmi_handler
    call guest_set_gate32
    mov dword ptr [APIC + SVR], 0x1ff   /* software-enable the APIC */
    cli

    mov dword ptr [APIC + ICR_LO], ICR_NMI_SELF
    nop
    cmp dword ptr [nmis], 1
    CHECK32 e, "a self-NMI through the ICR, with IF=0, taken at once"

    mov byte ptr [resend], 1
    mov dword ptr [APIC + ICR_LO], ICR_NMI_SELF
    nop
    nop
    cmp dword ptr [nmis], 3
    CHECK32 e, "a second NMI sent from the handler came after its IRET"
    cmp dword ptr [nested], 0
    CHECK32 e, "no NMI arrived while the handler ran (NMI blocking)"

    mov dword ptr [APIC + ICR_HI], 0        /* destination: APIC ID 0 */
    mov dword ptr [APIC + ICR_LO], ICR_NMI_DEST
    nop
    cmp dword ptr [nmis], 4
    CHECK32 e, "an NMI to APIC ID 0 by destination"
    VERDICT32

/* Vector 2: count, note nesting, and send one more NMI if asked. */
nmi_handler:
    inc dword ptr [depth]
    cmp dword ptr [depth], 1
    je 1f
    inc dword ptr [nested]
1:  inc dword ptr [nmis]
    cmp byte ptr [resend], 0
    je 2f
    mov byte ptr [resend], 0
    mov dword ptr [APIC + ICR_LO], ICR_NMI_SELF
    nop
    nop
    nop
2:  dec dword ptr [depth]
    iretd
    .code16

    .data
    .balign 4
nmis:   .long 0
nested: .long 0
depth:  .long 0
resend: .byte 0
