/* lapic: the local APIC as an operating system programs it. In flat 32-bit
 * protected mode (real mode cannot address 0xFEE00000) with its own GDT and
 * IDT, the guest reads the APIC's ID and version and writes and reads back
 * TPR and the LVT timer by xAPIC MMIO (each access an EPT violation / #NPF
 * that tsvisor decodes and emulates); runs the timer in one-shot, periodic
 * and TSC-deadline (WRMSR 0x6E0) modes, each time asleep in HLT until the
 * timer wakes it, and times every interrupt on the TSC (its rate from CPUID
 * 0x40000001 EAX, the APIC timer's from EBX); sends itself an IPI through
 * the ICR; then switches to x2APIC mode and does the same by MSR.
 * tsvisor-cmdline: guest_mode=protected32 */
#include "guest.inc"
#define APIC 0xfee00000
#define TPR 0x80
#define PPR 0xa0
#define EOI 0xb0
#define SVR 0xf0
#define ISR 0x100
#define ICR_LO 0x300
#define LVT_TIMER 0x320
#define INITIAL 0x380
#define CURRENT 0x390
#define DIVIDE 0x3e0
#define TIMER_VECTOR 0x40
#define IPI_VECTOR 0x41
#define X2_VECTOR 0x42
    .text
    .global _start
    .code32
_start:
    call guest_setup32
    mov eax, TIMER_VECTOR
    mov edx, offset timer_handler
    call guest_set_gate32
    mov eax, IPI_VECTOR
    mov edx, offset ipi_handler
    call guest_set_gate32
    mov eax, X2_VECTOR
    mov edx, offset x2_handler
    call guest_set_gate32
    mov eax, 0xff                   /* the spurious vector */
    mov edx, offset spurious_handler
    call guest_set_gate32
    mov eax, 0x40000001
    cpuid
    mov [guest_tsc_khz], eax
    mov [apic_khz], ebx
    shr eax, 3
    cmp eax, ebx
    CHECK32 e, "the APIC timer's clock (CPUID 0x40000001 EBX) is the TSC's / 8"

    /* Registers by MMIO. */
    mov eax, dword ptr [APIC + 0x20]
    test eax, eax
    jnz 1f
    cmp dword ptr [APIC + 0x30], 0x00050014
1:  CHECK32 e, "APIC ID 0 and version 0x00050014 read by MMIO"
    mov dword ptr [APIC + TPR], 0x25
    cmp dword ptr [APIC + TPR], 0x25
    jne 1f
    cmp dword ptr [APIC + PPR], 0x25
    jne 1f
    mov dword ptr [APIC + TPR], 0
    mov dword ptr [APIC + SVR], 0x1ff     /* software enable, spurious vector 0xFF */
    mov dword ptr [APIC + LVT_TIMER], 0x10000 | TIMER_VECTOR
    cmp dword ptr [APIC + LVT_TIMER], 0x10000 | TIMER_VECTOR
    jne 1f
    and dword ptr [APIC + LVT_TIMER], 0xfffeffff  /* unmask, by a read-modify-write */
    cmp dword ptr [APIC + LVT_TIMER], TIMER_VECTOR
1:  CHECK32 e, "TPR, PPR and the LVT timer written and read back by MMIO"

    /* One-shot: 20 ms of the APIC timer's clock at divide by 1. */
    mov dword ptr [APIC + DIVIDE], 0xb
    mov dword ptr [ticks], 0
    mov eax, [apic_khz]
    mov ecx, 20
    mul ecx
    mov ebx, eax
    rdtsc
    mov [guest_t0], eax
    mov [guest_t0 + 4], edx
    mov dword ptr [APIC + INITIAL], ebx
    sti
1:  hlt
    cmp dword ptr [ticks], 1
    jb 1b
    cli
    mov ecx, 10                     /* between 10 and 80 ms */
    mov ebx, 80
    call guest_elapsed_within32
    jne 2f
    mov eax, 30                     /* 30 ms more, awake: no second interrupt */
    call guest_spin_ms32
    cmp dword ptr [ticks], 1
    jne 2f
    cmp dword ptr [APIC + CURRENT], 0
2:  CHECK32 e, "one-shot timer: one interrupt about 20 ms later, waking HLT, then none"

    /* Periodic: 5 ms periods at divide by 16, ten of them. */
    mov dword ptr [APIC + DIVIDE], 0x3
    mov dword ptr [APIC + LVT_TIMER], 0x20000 | TIMER_VECTOR
    mov dword ptr [ticks], 0
    mov eax, [apic_khz]
    mov ecx, 5
    mul ecx
    shr eax, 4
    mov ebx, eax
    rdtsc
    mov [guest_t0], eax
    mov [guest_t0 + 4], edx
    mov dword ptr [APIC + INITIAL], ebx
    sti
1:  hlt
    cmp dword ptr [ticks], 10
    jb 1b
    cli
    mov dword ptr [APIC + INITIAL], 0   /* stop it */
    mov ecx, 25                     /* 50 ms: between 25 and 100 */
    mov ebx, 100
    call guest_elapsed_within32
    CHECK32 e, "periodic timer: 10 interrupts 5 ms apart on the TSC, each waking HLT"

    /* TSC-deadline: 20 ms from now by WRMSR 0x6E0. */
    mov dword ptr [APIC + LVT_TIMER], 0x40000 | TIMER_VECTOR
    mov dword ptr [ticks], 0
    mov eax, [guest_tsc_khz]
    mov ecx, 20
    mul ecx
    mov ebx, eax
    rdtsc
    mov [guest_t0], eax
    mov [guest_t0 + 4], edx
    add eax, ebx
    adc edx, 0
    mov [deadline], eax
    mov [deadline + 4], edx
    mov ecx, 0x6e0
    wrmsr
    mov ecx, 0x6e0
    rdmsr
    cmp eax, [deadline]
    jne 3f
    sti
1:  hlt
    cmp dword ptr [ticks], 1
    jb 1b
    cli
    /* The interrupt came at or after the deadline, and within 40 ms of it. */
    mov eax, [guest_last]
    mov edx, [guest_last + 4]
    sub eax, [deadline]
    sbb edx, [deadline + 4]
    jc 2f
    test edx, edx
    jnz 3f
    mov ebx, eax
    mov eax, [guest_tsc_khz]
    mov ecx, 40
    mul ecx
    cmp ebx, eax
    ja 3f
    mov ecx, 0x6e0                  /* cleared once it fired */
    rdmsr
    or eax, edx
    test eax, eax
    jmp 4f
2:  PRINT32 "note: the interrupt came before the deadline"
3:  test esp, esp                   /* ZF clear: the check fails */
4:  CHECK32 z, "TSC-deadline timer: one interrupt at the WRMSR 0x6E0 deadline, waking HLT; the MSR cleared"
    mov dword ptr [APIC + LVT_TIMER], 0x10000 | TIMER_VECTOR

    /* A self-IPI through the ICR: fixed, shorthand self. */
    sti
    mov dword ptr [APIC + ICR_LO], 0x00040000 | IPI_VECTOR
    nop
    cli
    cmp dword ptr [ipis], 1
    jne 1f
    cmp dword ptr [APIC + ISR + 0x20], 0  /* vectors 0x40-0x5f: nothing in service */
1:  CHECK32 e, "self-IPI through the ICR, taken and ended by EOI"

    /* x2APIC: CPUID says so; IA32_APIC_BASE.EXTD; the registers by MSR. */
    mov eax, 1
    cpuid
    test ecx, 1 << 21
    jnz 2f
    test esp, esp                   /* no x2APIC: ZF clear, the check fails */
    jmp 1f
2:  mov ecx, 0x1b
    rdmsr
    or eax, 1 << 10
    wrmsr
    mov ecx, 0x802                  /* ID */
    rdmsr
    test eax, eax
    jnz 1f
    mov ecx, 0x803                  /* version */
    rdmsr
    cmp eax, 0x00050014
    jne 1f
    sti
    mov ecx, 0x83f                  /* SELF IPI */
    mov eax, X2_VECTOR
    xor edx, edx
    wrmsr
    nop
    cli
    cmp dword ptr [x2ipis], 1
1:  CHECK32 e, "x2APIC: ID, version and a SELF IPI by MSR"
    VERDICT32


timer_handler:
    push eax
    push edx
    rdtsc
    mov [guest_last], eax
    mov [guest_last + 4], edx
    inc dword ptr [ticks]
    mov dword ptr [APIC + EOI], 0
    pop edx
    pop eax
    iretd

ipi_handler:
    inc dword ptr [ipis]
    mov dword ptr [APIC + EOI], 0
    iretd

x2_handler:
    push eax
    push ecx
    push edx
    inc dword ptr [x2ipis]
    mov ecx, 0x80b                  /* EOI by MSR: only 0 may be written */
    xor eax, eax
    xor edx, edx
    wrmsr
    pop edx
    pop ecx
    pop eax
    iretd

/* A spurious interrupt needs no EOI (SDM Vol. 3A §12.9). */
spurious_handler:
    iretd
    .code16

    .data
    .balign 4
ticks:    .long 0
ipis:     .long 0
x2ipis:   .long 0
apic_khz: .long 0
deadline: .long 0, 0
