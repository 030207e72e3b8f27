/* hostile-insn-paging32: CPUIDs with redundant prefixes, run from code
 * whose linear address is not its physical one, under 32-bit paging
 * (Intel SDM Vol. 3A §5.3; CR4.PAE = 0). Without NRIP save (QEMU's TCG)
 * the hypervisor reads the exiting instruction's bytes through the guest's
 * page tables to learn its length (kernel/svm/insn-length.ts, kernel/vm/
 * guest-walk.ts): read at the physical address equal to the linear one —
 * zeros here — or across a page boundary as if the next physical page
 * followed, it gets the length wrong and the guest runs off into the
 * middle of an instruction. Each CPUID must answer as a plain one does
 * and execution go on right after it.
 *
 * Paging: linear 0-4 MiB identity-mapped (this code, its data, the stack
 * and the page tables); linear 0x800000 → physical 0x207000 (alias_a),
 * 0x801000 → 0x205000 and 0x802000 → 0x203000 (alias_b, cut in two at the
 * page boundary: its pages are in reverse physical order).
 * tsvisor-cmdline: guest_mode=protected32 */
#include "guest.inc"
#define PD          0x100000
#define PT_LOW      0x101000
#define PT_ALIAS    0x102000
#define ALIAS       0x800000        /* linear, PDE 2 */
#define PHYS_A      0x207000        /* behind linear ALIAS */
#define PHYS_B1     0x205000        /* behind linear ALIAS + 0x1000 */
#define PHYS_B2     0x203000        /* behind linear ALIAS + 0x2000 */
#define A_OFFSET    0x123           /* alias_a's place in its page */
#define CR0_PG      0x80000000

    .text
    .global _start
    .code32
_start:
    call guest_setup32
    /* The reference answers, by plain CPUIDs. */
    xor eax, eax
    cpuid
    mov [ref0_eax], eax
    mov [ref0_ebx], ebx
    mov eax, 0x40000000
    cpuid
    mov [refh_ebx], ebx

    /* Page tables: a directory and two tables, zeroed. */
    mov edi, PD
    xor eax, eax
    mov ecx, 3 * 1024
    rep stosd
    mov edi, PT_LOW
    mov eax, 0x003                  /* P, RW; physical 0 */
    mov ecx, 1024
1:  stosd
    add eax, 0x1000
    loop 1b
    mov dword ptr [PD], PT_LOW | 3
    mov dword ptr [PD + (ALIAS >> 22) * 4], PT_ALIAS | 3
    mov dword ptr [PT_ALIAS + 0 * 4], PHYS_A | 3
    mov dword ptr [PT_ALIAS + 1 * 4], PHYS_B1 | 3
    mov dword ptr [PT_ALIAS + 2 * 4], PHYS_B2 | 3

    /* The aliased code, copied to its physical pages while paging is off. */
    mov esi, offset alias_a
    mov edi, PHYS_A + A_OFFSET
    mov ecx, offset alias_a_end - alias_a
    rep movsb
    mov esi, offset alias_b1
    mov edi, PHYS_B1 + 0x1000 - (alias_b2 - alias_b1)
    mov ecx, offset alias_b2 - alias_b1
    rep movsb
    mov esi, offset alias_b2
    mov edi, PHYS_B2
    mov ecx, offset alias_b_end - alias_b2
    rep movsb

    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    jmp 2f                          /* paging on: flat code stays identity-mapped */
2:  PRINT32 "32-bit paging on, code at linear 0x800000 mapped from elsewhere"

    mov eax, ALIAS + A_OFFSET
    call eax
    mov eax, [a0_eax]
    cmp eax, [ref0_eax]
    jne 1f
    mov eax, [a0_ebx]
    cmp eax, [ref0_ebx]
    jne 1f
    cmp byte ptr [a0_after], 1
1:  CHECK32 e, "CPUID 2E 66 3E 0F A2 at a linear address paged from elsewhere answers leaf 0 and runs on"
    mov eax, [ah_ebx]
    cmp eax, [refh_ebx]
    jne 1f
    cmp byte ptr [ah_after], 1
1:  CHECK32 e, "CPUID 66 66 66 66 0F A2 there answers leaf 0x40000000 (tsvisorTSVI) and runs on"

    mov eax, ALIAS + 0x2000 - (alias_b2 - alias_b1)
    call eax
    mov eax, [b_ebx]
    cmp eax, [refh_ebx]
    jne 1f
    cmp byte ptr [b_after], 1
1:  CHECK32 e, "CPUID 3E 66 2E 0F | A2 split across two pages, each paged from elsewhere, answers leaf 0x40000000 and runs on"

    VERDICT32

/* Position-independent code, run only at its alias (absolute data
 * addresses are the identity-mapped ones). */
alias_a:
    xor eax, eax
    xor ebx, ebx
    .byte 0x2e, 0x66, 0x3e, 0x0f, 0xa2
    mov [a0_eax], eax
    mov [a0_ebx], ebx
    mov byte ptr [a0_after], 1
    mov eax, 0x40000000
    xor ebx, ebx
    .byte 0x66, 0x66, 0x66, 0x66, 0x0f, 0xa2
    mov [ah_ebx], ebx
    mov byte ptr [ah_after], 1
    ret
alias_a_end:

/* alias_b1 ends its page with the prefixes and the first opcode byte;
 * alias_b2 begins the next one with the second. */
alias_b1:
    mov eax, 0x40000000
    xor ebx, ebx
    .byte 0x3e, 0x66, 0x2e, 0x0f
alias_b2:
    .byte 0xa2
    mov [b_ebx], ebx
    mov byte ptr [b_after], 1
    ret
alias_b_end:

    .data
    .balign 4
ref0_eax: .long 0
ref0_ebx: .long 0
refh_ebx: .long 0
a0_eax:   .long 0
a0_ebx:   .long 0
ah_ebx:   .long 0
b_ebx:    .long 0
a0_after: .byte 0
ah_after: .byte 0
b_after:  .byte 0
