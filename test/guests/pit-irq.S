/* pit-irq: timer interrupts through the legacy PC. The guest programs the
 * 8259 pair (ICW1-ICW4: vectors 0x20/0x28, only IRQ 0 unmasked) and the
 * 8254's channel 0 in mode 2 at 100 Hz (count 11932 of 1.193182 MHz), then
 * sleeps in HLT with interrupts on; each IRQ 0 is injected at vector 0x20,
 * counted and acknowledged (non-specific EOI). Ten of them must arrive,
 * taking about 100 ms of TSC time (the TSC rate from CPUID 0x40000001),
 * and leave nothing in service. */
#include "guest.inc"
#define PIT_COUNT 11932
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    PRINT "programming the 8259 pair and the 8254"
    mov word ptr [0x20 * 4], offset irq0_handler
    mov word ptr [0x20 * 4 + 2], 0
    mov al, 0xfe            /* OCW1 for the master: only IRQ 0; the slave masked */
    call guest_pic_init
    mov al, 0x34            /* channel 0, lobyte/hibyte, mode 2, binary */
    out 0x43, al
    mov al, PIT_COUNT & 0xff
    out 0x40, al
    mov al, PIT_COUNT >> 8
    out 0x40, al
    mov eax, 0x40000001     /* TSC kHz */
    cpuid
    mov [tsc_khz], eax
    rdtsc
    mov [t0], eax
    mov [t0 + 4], edx
    sti
1:  hlt
    cmp word ptr [ticks], 10
    jb 1b
    cli
    rdtsc
    sub eax, [t0]
    sbb edx, [t0 + 4]
    mov [elapsed], eax
    PRINT "check: 10 IRQ 0 interrupts through the 8259 at vector 0x20: ok"
    /* 10 periods of 11932 PIT counts are 100 ms; allow 50 to 200 ms. */
    mov eax, [tsc_khz]
    mov ecx, 50
    mul ecx
    cmp [elapsed], eax
    jb too_fast
    mov eax, [tsc_khz]
    mov ecx, 200
    mul ecx
    cmp [elapsed], eax
    ja too_slow
    PRINT "check: they came about 10 ms apart on the TSC: ok"
    jmp in_service
too_fast:
    PRINT "check: the interrupts came too fast: WRONG"
    mov byte ptr [failed], 1
    jmp in_service
too_slow:
    PRINT "check: the interrupts came too slowly: WRONG"
    mov byte ptr [failed], 1
in_service:
    mov al, 0x0b            /* OCW3: read the in-service register */
    out 0x20, al
    in al, 0x20
    test al, al
    jnz isr_busy
    PRINT "check: nothing left in service after the EOIs: ok"
    jmp done
isr_busy:
    PRINT "check: an interrupt is still in service: WRONG"
    mov byte ptr [failed], 1
done:
    VERDICT

irq0_handler:
    push ax
    inc word ptr [ticks]
    mov al, 0x20            /* OCW2: non-specific EOI */
    out 0x20, al
    pop ax
    iret

    .data
    .balign 4
ticks:   .word 0, 0
tsc_khz: .long 0
t0:      .long 0, 0
elapsed: .long 0
