/* bench: exit round-trip cost. Times ITERATIONS CPUID instructions and
 * ITERATIONS OUTs to port 0x80 with RDTSC, and prints for each
 *   bench <name> <iterations, hex> <TSC ticks, hex>
 * `npm run bench` runs it under the core's exit path and under the
 * assembly-only baseline (bench=baseline) and prints the ratio. */
#include "guest.inc"
#define ITERATIONS 2000
    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    rdtsc
    mov [t0], eax
    mov cx, ITERATIONS
1:  xor eax, eax
    push cx
    cpuid
    pop cx
    dec cx
    jnz 1b
    rdtsc
    sub eax, [t0]
    mov [cpuid_ticks], eax

    rdtsc
    mov [t0], eax
    mov cx, ITERATIONS
2:  out 0x80, al
    dec cx
    jnz 2b
    rdtsc
    sub eax, [t0]
    mov [io_ticks], eax

    mov si, offset name_cpuid
    call guest_puts
    mov eax, [cpuid_ticks]
    call report
    mov si, offset name_io
    call guest_puts
    mov eax, [io_ticks]
    call report
    EXIT 0

/* " <iterations> <ticks in EAX>\n" */
report:
    push eax
    mov si, offset space
    call guest_puts
    mov eax, ITERATIONS
    call guest_print_hex32
    mov si, offset space
    call guest_puts
    pop eax
    call guest_print_hex32
    mov si, offset newline
    call guest_puts
    ret

    .section .rodata
name_cpuid: .asciz "bench cpuid"
name_io:    .asciz "bench out-port-0x80"
space:      .asciz " "
newline:    .asciz "\n"
    .data
    .balign 4
t0:          .long 0
cpuid_ticks: .long 0
io_ticks:    .long 0
