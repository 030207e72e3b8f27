/* bench: exit round-trip cost. Times ITERATIONS CPUID instructions,
 * ITERATIONS OUTs to port 0x80 and ITERATIONS hypercalls (EXIT_COUNT,
 * docs/hypercalls.md: a call that only reads a counter) with RDTSC, and
 * prints for each
 *   bench <name> <iterations, hex> <TSC ticks, hex>
 * `npm run bench` runs it under the core's exit path and under the
 * assembly-only baseline (bench=baseline) and prints the ratio. */
#include "guest.inc"
#define ITERATIONS 2000
#define HC_EXIT_COUNT 1           /* docs/hypercalls.md */
#define EXIT_KIND_HYPERCALL 6     /* kernel/vm/exit.ts ExitKind.Hypercall */
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

    /* Which hypercall instruction this CPU has, learned without CPUID, which
     * the baseline's stub resumes unanswered: one VMMCALL (0F 01 D9, 3
     * bytes) with #UD caught. On AMD it exits (the hypercall); on Intel it
     * is no instruction, and raises #UD in the guest (SDM Vol. 2B: not
     * among VMX non-root operation's exits), so VMCALL it is. */
    mov word ptr [6 * 4], offset guest_gp_handler
    mov word ptr [6 * 4 + 2], 0
    mov byte ptr [gp_skip], 3
    mov byte ptr [gp_seen], 0
    mov eax, HC_EXIT_COUNT
    mov ebx, EXIT_KIND_HYPERCALL
    vmmcall
    rdtsc
    mov [t0], eax
    mov cx, ITERATIONS
3:  mov eax, HC_EXIT_COUNT
    mov ebx, EXIT_KIND_HYPERCALL
    cmp byte ptr [gp_seen], 0
    jne 4f
    vmmcall
    jmp 5f
4:  vmcall
5:  dec cx
    jnz 3b
    rdtsc
    sub eax, [t0]
    mov [hypercall_ticks], eax

    mov si, offset name_cpuid
    call guest_puts
    mov eax, [cpuid_ticks]
    call report
    mov si, offset name_io
    call guest_puts
    mov eax, [io_ticks]
    call report
    mov si, offset name_hypercall
    call guest_puts
    mov eax, [hypercall_ticks]
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
name_hypercall: .asciz "bench hypercall"
space:      .asciz " "
newline:    .asciz "\n"
    .data
    .balign 4
t0:          .long 0
cpuid_ticks: .long 0
io_ticks:    .long 0
hypercall_ticks: .long 0
