/* hostile-task: hardware task switches (Intel SDM Vol. 3A ch. 8 "Task
 * Management"; AMD APM Vol. 2 §12.3), which VMX does not run in VMX
 * non-root operation (SDM Vol. 3C §26.4.2: each exits, reason 9) and the
 * SVM backend intercepts: tsvisor emulates them (kernel/exits/task-switch.ts).
 * In flat 32-bit protected mode, with its own GDT of TSS descriptors:
 *   - JMP far to a TSS: the new task's registers, EFLAGS, DS (a segment
 *     with its own base) and TR come from its TSS; the outgoing task's EIP
 *     (past the JMP), registers and selectors are saved in its own, and a
 *     JMP back reloads them; busy bits move, CR0.TS is set (§8.3);
 *   - CALL far to a task that IRETs back: NT and the back link (§8.4), both
 *     tasks busy meanwhile, the called one's busy bit cleared by its IRET;
 *   - INT 0x40 through a task gate: the task runs once and the caller
 *     resumes past the INT;
 *   - #GP through a task gate: its error code is pushed on the new task's
 *     stack (§7.12.2) and the faulting task's saved EIP is the fault's;
 *   - faults: JMP to a busy TSS is #GP(selector), to a not-present TSS
 *     #NP(selector) (Vol. 2A JMP), and a bad DS selector in the new TSS is
 *     #TS(selector) raised in the new task (§8.3, Table 8-2 row 14).
 * tsvisor-cmdline: guest_mode=protected32 */
#include "guest.inc"
#include "task-tables.inc"

#define SEL_A    0x20   /* the main task */
#define SEL_B    0x28   /* JMP target */
#define SEL_C    0x30   /* CALL target, IRETs back */
#define SEL_D    0x38   /* INT 0x40's task gate */
#define SEL_E    0x40   /* #GP's task gate */
#define SEL_F    0x48   /* not present */
#define SEL_G    0x50   /* a bad DS selector */
#define SEL_DATA 0x58   /* data with base `based_data` */
#define BAD_SEL  0x7ff8 /* beyond the GDT's limit */
    .text
    .global _start
    .code32
_start:
    call guest_setup32
    lgdt [gdt_desc]                 /* 0x10 and 0x18 as guest_setup32's */
    mov eax, 11
    mov edx, offset np_handler
    call guest_set_gate32
    mov eax, 10
    mov edx, offset ts_handler
    call guest_set_gate32

    /* The TSSs, and their descriptors: 32-bit available (89H), limit 67H. */
    mov edi, offset tss_a
    mov eax, 0
    mov edx, 0
    call init_tss
    mov edi, offset tss_b
    mov eax, offset task_b
    mov edx, offset stack_b_top
    call init_tss
    mov dword ptr [tss_b + T_EFL], 0xc3     /* CF, bit 1, ZF, SF */
    mov dword ptr [tss_b + T_EAX], 0xa0a0a0a0
    mov dword ptr [tss_b + T_ECX], 0xc1c1c1c1
    mov dword ptr [tss_b + T_EDX], 0xd2d2d2d2
    mov dword ptr [tss_b + T_EBX], 0xb3b3b3b3
    mov dword ptr [tss_b + T_EBP], 0xb5b5b5b5
    mov dword ptr [tss_b + T_ESI], 0x56565656
    mov dword ptr [tss_b + T_EDI], 0x57575757
    mov dword ptr [tss_b + T_DS], SEL_DATA
    mov edi, offset tss_c
    mov eax, offset task_c
    mov edx, offset stack_c_top
    call init_tss
    mov edi, offset tss_d
    mov eax, offset task_d
    mov edx, offset stack_d_top
    call init_tss
    mov edi, offset tss_e
    mov eax, offset task_e
    mov edx, offset stack_e_top
    call init_tss
    mov edi, offset tss_g
    mov eax, offset task_g
    mov edx, offset stack_g_top
    call init_tss
    mov dword ptr [tss_g + T_DS], BAD_SEL
    mov ebx, 0x0089
    SET_TSS_DESC SEL_A, tss_a
    SET_TSS_DESC SEL_B, tss_b
    SET_TSS_DESC SEL_C, tss_c
    SET_TSS_DESC SEL_D, tss_d
    SET_TSS_DESC SEL_E, tss_e
    SET_TSS_DESC SEL_F, tss_a
    SET_TSS_DESC SEL_G, tss_g
    mov byte ptr [TSS_TYPE(SEL_F)], 0x09    /* not present */
    mov eax, SEL_DATA                       /* data, read/write, not accessed, 32-bit, 4 KiB */
    mov edx, offset based_data
    mov ecx, 0xfff
    mov ebx, 0x4092
    call set_desc
    mov ax, SEL_A
    ltr ax

    /* ---- JMP to task B, which JMPs back ---- */
    mov eax, 0x11111111
    mov ebx, 0x22222222
    mov ecx, 0x33333333
    mov edx, 0x44444444
    mov esi, 0x55555555
    mov edi, 0x66666666
    mov ebp, 0x77777777
    JMPTASK SEL_B
a_after_jmp:
    cmp eax, 0x11111111
    jne 1f
    cmp ebx, 0x22222222
    jne 1f
    cmp ecx, 0x33333333
    jne 1f
    cmp edx, 0x44444444
    jne 1f
    cmp esi, 0x55555555
    jne 1f
    cmp edi, 0x66666666
    jne 1f
    cmp ebp, 0x77777777
    jne 1f
    cmp esp, 0x7c00
1:  mov [regs_back], ebx            /* ZF kept: MOV leaves flags */
    jne 1f
    mov eax, [b_eax]
    cmp eax, 0xa0a0a0a0
    jne 1f
    cmp dword ptr [b_ecx], 0xc1c1c1c1
    jne 1f
    cmp dword ptr [b_edx], 0xd2d2d2d2
    jne 1f
    cmp dword ptr [b_ebx], 0xb3b3b3b3
    jne 1f
    cmp dword ptr [b_ebp], 0xb5b5b5b5
    jne 1f
    cmp dword ptr [b_esi], 0x56565656
    jne 1f
    cmp dword ptr [b_edi], 0x57575757
    jne 1f
    cmp dword ptr [b_esp], offset stack_b_top
    jne 1f
    mov eax, [b_eflags]
    and eax, 0x4fd7                 /* CF PF AF ZF SF TF IF DF OF NT */
    cmp eax, 0xc3
    jne 1f
    cmp word ptr [b_ds], SEL_DATA
    jne 1f
    cmp dword ptr [b_marker], 0x5ee0da7a
    jne 1f
    cmp word ptr [b_tr], SEL_B
1:  CHECK32 e, "JMP to a TSS loaded the new task's registers, EFLAGS, DS and TR from it"

    cmp dword ptr [regs_back], 0x22222222
    jne 1f
    cmp dword ptr [tss_a + T_EIP], offset a_after_jmp
    jne 1f
    cmp dword ptr [tss_a + T_EAX], 0x11111111
    jne 1f
    cmp dword ptr [tss_a + T_EDI], 0x66666666
    jne 1f
    cmp word ptr [tss_a + T_CS], 0x10
    jne 1f
    cmp word ptr [tss_a + T_SS], 0x18
    jne 1f
    cmp word ptr [tss_a + T_DS], 0x18
    jne 1f
    cmp dword ptr [tss_b + T_EIP], offset b_after_jmp
1:  CHECK32 e, "the outgoing task's EIP, registers and selectors were saved in its TSS and reloaded by the JMP back"

    mov eax, cr0
    mov [cr0_back], eax
    clts
    test dword ptr [b_cr0], 8
    jz 2f
    test dword ptr [cr0_back], 8
    jz 2f
    cmp byte ptr [TSS_TYPE(SEL_A)], 0x8b
    jne 1f
    cmp byte ptr [TSS_TYPE(SEL_B)], 0x89
    jmp 1f
2:  test esp, esp                   /* ZF clear */
1:  CHECK32 e, "JMP cleared the outgoing task's busy bit and set the new one's; CR0.TS set"

    /* ---- CALL task C, which IRETs back ---- */
    CALLTASK SEL_C
    pushfd
    pop eax
    test eax, NT
    jnz 1f
    test dword ptr [c_eflags], NT
    jz 2f
    cmp word ptr [c_link], SEL_A
    jne 1f
    cmp byte ptr [c_type_a], 0x8b
    jne 1f
    cmp byte ptr [c_type_c], 0x8b
    jne 1f
    cmp byte ptr [TSS_TYPE(SEL_C)], 0x89
    jne 1f
    test dword ptr [tss_c + T_EFL], NT
    jnz 1f
    cmp dword ptr [tss_c + T_EIP], offset c_after_iret
    jmp 1f
2:  test esp, esp
1:  CHECK32 e, "CALL to a task set NT and the back link, both busy; its IRET came back, clearing its busy bit and NT"
    clts

    /* ---- INT 0x40 through a task gate ---- */
    mov eax, 0x40
    mov edx, SEL_D
    call set_task_gate
    int 0x40
after_int:
    cmp dword ptr [d_runs], 1
    jne 1f
    test dword ptr [d_eflags], NT
    jz 2f
    cmp word ptr [d_link], SEL_A
    jne 1f
    cmp dword ptr [tss_a + T_EIP], offset after_int
    jmp 1f
2:  test esp, esp
1:  CHECK32 e, "INT 0x40 through a task gate ran the task once, nested, and came back past the INT"
    clts

    /* ---- #GP through a task gate: the error code on the new stack ---- */
    mov eax, 13
    mov edx, SEL_E
    call set_task_gate
    mov eax, BAD_SEL
gp_insn:
    mov fs, eax                     /* #GP(7FF8H): beyond the GDT limit */
gp_after:
    cmp dword ptr [e_runs], 1
    jne 1f
    cmp dword ptr [e_error], BAD_SEL
    jne 1f
    cmp dword ptr [e_esp], offset stack_e_top - 4
    jne 1f
    cmp dword ptr [e_saved_eip], offset gp_insn
1:  CHECK32 e, "#GP through a task gate pushed its error code on the new task's stack; the saved EIP is the fault's"
    clts

    /* ---- faults ---- */
    mov eax, 13
    mov edx, offset gp_handler
    call guest_set_gate32
    mov dword ptr [fault_error], 0
    JMPTASK SEL_A                   /* itself: busy */
    cmp dword ptr [fault_count], 1
    jne 1f
    cmp dword ptr [fault_error], SEL_A
1:  CHECK32 e, "JMP to a busy TSS raised #GP with its selector"

    JMPTASK SEL_F
    cmp dword ptr [fault_count], 2
    jne 1f
    cmp dword ptr [fault_error], SEL_F
1:  CHECK32 e, "JMP to a not-present TSS raised #NP with its selector"

    CALLTASK SEL_G
    cmp dword ptr [ts_error], BAD_SEL
    jne 1f
    cmp word ptr [ts_tr], SEL_G
1:  CHECK32 e, "a bad DS selector in the new TSS raised #TS with it, in the new task"
    VERDICT32

/* ---- the tasks ---- */
/* B: note what it was started with (DS is SEL_DATA: through ES), JMP back. */
task_b:
    mov es:[b_eax], eax
    mov es:[b_esp], esp
    mov es:[b_ecx], ecx
    mov es:[b_edx], edx
    mov es:[b_ebx], ebx
    mov es:[b_ebp], ebp
    mov es:[b_esi], esi
    mov es:[b_edi], edi
    pushfd
    pop eax
    mov es:[b_eflags], eax
    mov ax, ds
    mov es:[b_ds], ax
    str ax
    mov es:[b_tr], ax
    mov eax, [0]                    /* based_data's first word, through DS */
    mov es:[b_marker], eax
    mov eax, cr0
    mov es:[b_cr0], eax
    JMPTASK SEL_A
b_after_jmp:
    jmp task_b

/* C: its EFLAGS, back link and the busy bits while nested, then IRET. */
task_c:
    pushfd
    pop eax
    mov [c_eflags], eax
    mov ax, [tss_c + T_LINK]
    mov [c_link], ax
    mov al, [TSS_TYPE(SEL_A)]
    mov [c_type_a], al
    mov al, [TSS_TYPE(SEL_C)]
    mov [c_type_c], al
    iretd
c_after_iret:
    jmp task_c

/* D: INT 0x40's task; more than one run means the caller re-ran the INT. */
task_d:
    inc dword ptr [d_runs]
    cmp dword ptr [d_runs], 1
    jne twice
    pushfd
    pop eax
    mov [d_eflags], eax
    mov ax, [tss_d + T_LINK]
    mov [d_link], ax
    iretd
    jmp task_d

/* E: #GP's task: the error code is on its stack; the faulting task resumes
 * past its MOV FS. */
task_e:
    inc dword ptr [e_runs]
    cmp dword ptr [e_runs], 1
    jne twice
    mov [e_esp], esp
    pop eax
    mov [e_error], eax
    mov eax, [tss_a + T_EIP]
    mov [e_saved_eip], eax
    add dword ptr [tss_a + T_EIP], gp_after - gp_insn
    iretd
    jmp task_e

/* G: entered with a bad DS, its #TS comes first: it never runs. */
task_g:
    jmp twice

twice:
    PRINT32 "check: a task ran twice (its caller re-ran the instruction that switched): WRONG"
    mov al, 1
    out EXIT_PORT, al

/* #GP and #NP (interrupt gates): note the error code, skip the 7-byte JMP. */
gp_handler:
np_handler:
    pop dword ptr [fault_error]
    add dword ptr [esp], 7
    inc dword ptr [fault_count]
    iretd

/* #TS (interrupt gate), in task G whose DS did not load: note the error
 * code (through ES, which loaded) and TR, drop the fault's frame and
 * return from G to its caller: IRET with NT set, which the gate cleared
 * (§8.4). (The frame's EIP is G's first instruction by the SDM, §8.3 step
 * 12; QEMU's TCG leaves the caller's there, so it is not used.) */
ts_handler:
    pop dword ptr es:[ts_error]
    add esp, 12
    mov ax, 0x18
    mov ds, ax
    str ax
    mov [ts_tr], ax
    pushfd
    or dword ptr [esp], NT
    popfd
    iretd

    TASK_TABLE_HELPERS
    .code16

    .data
    .balign 8
gdt:
    .quad 0
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x10: code, base 0, 4 GiB, 32-bit */
    .quad 0x00cf92000000ffff        /* 0x18: data, base 0, 4 GiB */
    .fill 8, 8, 0                   /* 0x20-0x58: filled at run time */
gdt_end:
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt
    .balign 4
idtr_tmp: .word 0
    .long 0
based_data: .long 0x5ee0da7a
regs_back: .long 0
cr0_back: .long 0
b_eax: .long 0
b_ecx: .long 0
b_edx: .long 0
b_ebx: .long 0
b_esp: .long 0
b_ebp: .long 0
b_esi: .long 0
b_edi: .long 0
b_eflags: .long 0
b_cr0: .long 0
b_marker: .long 0
b_ds: .word 0
b_tr: .word 0
c_eflags: .long 0
c_link: .word 0
c_type_a: .byte 0
c_type_c: .byte 0
d_runs: .long 0
d_eflags: .long 0
d_link: .word 0, 0
e_runs: .long 0
e_esp: .long 0
e_error: .long 0
e_saved_eip: .long 0
fault_error: .long 0
fault_count: .long 0
ts_error: .long 0
ts_tr: .word 0, 0

    .bss
    .balign 16
tss_a: .skip 0x68
tss_b: .skip 0x68
tss_c: .skip 0x68
tss_d: .skip 0x68
tss_e: .skip 0x68
tss_g: .skip 0x68
    .balign 16
    .skip 256
stack_b_top:
    .skip 256
stack_c_top:
    .skip 256
stack_d_top:
    .skip 256
stack_e_top:
    .skip 256
stack_g_top:
