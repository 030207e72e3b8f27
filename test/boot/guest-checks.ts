// What each passing test guest must print (its "check:" lines and notes),
// before its verdict, on either backend; and reading the exit table.
import { PASSING_GUESTS } from "./cmdlines.js";

// What each passing guest must have checked (its "check:" lines), beyond its verdict.
export const CHECKS: Record<(typeof PASSING_GUESTS)[number], string[]> = {
  hello: ["hello from a real-mode guest"],
  cpuid: [
    "check: hypervisor signature tsvisorTSVI: ok",
    "check: leaf 1 hypervisor bit set, VMX hidden: ok",
    "check: SVM hidden: ok",
    "check: leaf 0x40000001 gives the TSC frequency: ok",
  ],
  msr: [
    "check: IA32_PAT reads its power-on value: ok",
    "check: IA32_PAT write then read round-trips: ok",
    "check: IA32_PAT with a reserved memory type raised #GP: ok",
    "check: IA32_APIC_BASE is 0xfee00900: ok",
    "check: RDMSR of unknown MSR 0xc0de raised #GP: ok",
    "check: RDTSC follows a WRMSR to IA32_TSC: ok",
  ],
  vmcall: [
    "written by the CONSOLE_WRITE hypercall",
    "check: CONSOLE_WRITE returned the length: ok",
    "check: CONSOLE_WRITE outside guest RAM refused: ok",
    "check: EXIT_COUNT reports port I/O exits: ok",
    "check: unknown hypercall returns -1: ok",
  ],
  "long-mode": [
    "real mode: building page tables",
    "long mode: running 64-bit code",
    "check: EFER.LMA set: ok",
    "check: CPUID in long mode sees tsvisor: ok",
    "check: STAR, LSTAR, CSTAR, FMASK, FS/GS/KERNEL_GS base, SYSENTER round-trip: ok",
  ],
  "cr4-xsetbv": [
    "check: CPUID.1:ECX.OSXSAVE follows the guest's CR4: ok",
    "check: XSETBV loaded XCR0 = 3: ok",
    "check: invalid XCR0 raised #GP: ok",
    "check: XCR0 = 0x27 (opmask without ZMM) raised #GP and left XCR0 = 3: ok",
    "check: setting CR4.VMXE raised #GP: ok",
  ],
  "entry-protected32": [
    "check: started with ESP = 0x7c00: ok",
    "check: CR0.PE set, CR0.PG clear: ok",
    "check: EFER.LMA clear: ok",
    "check: 32-bit operand size: ok",
    "check: flat data segment reaches 2 MiB: ok",
  ],
  "entry-long64": [
    "check: started with RSP = 0x7c00: ok",
    "check: CR0.PG, CR4.PAE, CR3 = 0x1000: ok",
    "check: EFER.LME and EFER.LMA set: ok",
    "check: 64-bit operand size: ok",
    "check: guest RAM identity-mapped to 16 MiB: ok",
  ],
  mmio: [
    "check: MOV of each size, moffs, MOVZX and MOVSX reach the device: ok",
    "check: OR, AND, CMP, TEST, ADD, SUB, XOR on device memory, with their flags: ok",
    "check: XCHG, LOCK BTS, BT, BTR on device memory: ok",
    "check: REP STOSB and REP MOVSD to and from device memory: ok",
  ],
  "hostile-cache-flush": [
    "check: WBINVD completed: ok",
    "check: INVD completed: ok",
    "check: prefixed WBINVD and INVD completed: ok",
  ],
  // Each also fails on the kernel before it (VMX: clearing CR0.NE raised
  // #GP, DR7 read 0x400 after an exit and its breakpoint never fired; SVM:
  // CR0 with NW=1, CD=0 made VMRUN refuse the guest).
  "hostile-cr": [
    "check: clearing CR0.NE is allowed and CR0 reads it back clear: ok",
    "check: setting CR0.NE again reads back set: ok",
    "check: CR0.WP cleared, TS set, CLTS, then CR0 restored: each reads back: ok",
    "check: CR0 with NW=1, CD=0 raised #GP and left CR0 as it was: ok",
    "check: CR0 with PG=1, PE=0 raised #GP: ok",
    "check: CR0 with bit 32 set raised #GP: ok",
    "check: clearing CR0.PG in 64-bit mode raised #GP: ok",
    "check: CR4 bits the guest's CPU lacks (LA57 SMXE VMXE 15 PKE CET PKS 31 32 63) raised #GP: ok",
    "check: CR4 reads VMXE clear: ok",
    "check: clearing CR4.PAE in long mode raised #GP: ok",
    "check: CR4.PGE toggled and restored: each reads back: ok",
    "check: setting CR4.PCIDE with CR3[11:0] != 0 raised #GP: ok",
    "check: CR4.PCIDE set and cleared where CPUID offers PCID, #GP where not: ok",
  ],
  "hostile-dr": [
    "debug registers written",
    "check: DR0-DR3 read back after exits: ok",
    "check: DR7 = 0x402 reads back after an exit: ok",
    "check: DR6 = 0xffff0ff1 reads back after an exit: ok",
    "check: DR7 with bit 32 set raised #GP and left DR7 as it was: ok",
    "check: DR6 with bit 32 set raised #GP: ok",
    "check: an instruction breakpoint armed before an exit fires after it (#DB, DR6.B0): ok",
  ],
  // Each also fails on the kernel before issue 11's fixes (VMX: the EFER
  // write killed the VM at entry; SVM took it; reserved APIC_BASE,
  // MTRR_DEF_TYPE and EFER bits were accepted).
  "hostile-msr": [
    "check: IA32_APIC_BASE with reserved bit 0 raised #GP: ok",
    "check: IA32_APIC_BASE with reserved bit 9 raised #GP: ok",
    "check: IA32_APIC_BASE above the physical-address width raised #GP: ok",
    "check: IA32_MTRR_DEF_TYPE = E|WB reads back: ok",
    "check: IA32_MTRR_DEF_TYPE with reserved type 2 raised #GP: ok",
    "check: IA32_MTRR_DEF_TYPE with reserved bit 12 raised #GP: ok",
    "check: IA32_MTRR_DEF_TYPE with reserved bit 32 raised #GP: ok",
    "check: IA32_PAT with entry 7 = 8 raised #GP: ok",
    "check: IA32_EFER with reserved bit 1 raised #GP: ok",
    "check: IA32_EFER with reserved bit 32 raised #GP: ok",
    "check: clearing EFER.LME with paging on raised #GP and EFER is unchanged: ok",
    "check: IA32_EFER rewritten with its own value reads back: ok",
  ],
  // VMX stopped at address 0xffffffffffffffff on DF=1; QEMU SVM got all
  // four wrong (issue 11 item 4).
  "hostile-string-io": [
    "check: REP INSB with DF=1 filled 16 bytes downward and DI ended below them: ok",
    "check: REP OUTSB with DF=1 walked SI down by 16: ok",
    "check: REP INSB with a 16-bit DI wrapped at 64 KiB inside ES: ok",
    "check: REP INSB with a 16-bit address size counted CX only and kept ECX's upper half: ok",
    "check: REP OUTSB with an FS override read FS:SI: ok",
  ],
  // Each line holds on both hosts, which offer different instructions
  // (docs/host-differences.md). Before the kernel that added them, VMX ran
  // MONITOR and MWAIT natively (no #UD) and SVM ran INVLPGA natively.
  "hostile-insn": [
    "check: IA32_TSC_AUX: written and read back where CPUID offers RDTSCP or RDPID, #GP where neither: ok",
    "check: RDTSCP: TSC and IA32_TSC_AUX where CPUID offers it, #UD where not: ok",
    "check: RDPID: IA32_TSC_AUX where CPUID offers it, #UD where not: ok",
    "check: RDRAND: CF set with a value where CPUID offers it, #UD where not: ok",
    "check: RDSEED: CF set with a value where CPUID offers it; #UD where not, or RDRAND's answer where RDRAND is offered (QEMU 7.2 TCG): ok",
    "check: INVPCID: types 2 and 3 complete, type 4 and a non-canonical type 0 raise #GP where CPUID offers it; #UD where not: ok",
    "check: MONITOR and MWAIT: complete where CPUID offers them, #UD where not: ok",
    "check: MONITORX and MWAITX: complete where CPUID offers them, #UD where not: ok",
    "check: XSAVES and XRSTORS complete and IA32_XSS reads where CPUID offers them; #UD, and #GP for IA32_XSS, where not: ok",
    "check: SGX: CPUID offers none, and ENCLS and ENCLU raise #UD: ok",
    "check: VMX: CPUID offers none, CR4.VMXE is clear, and VMXON, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH, VMRESUME, VMXOFF, INVEPT, INVVPID, VMFUNC raise #UD: ok",
    "check: SVM: CPUID offers none, EFER.SVME reads clear and setting it raises #GP, and VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA raise #UD: ok",
    "check: CPUID with prefixes 2E 66 3E 48, and with 13 bytes of prefixes (15 in all), answers leaf 0 and runs on: ok",
  ],
  "hostile-insn-paging32": [
    "32-bit paging on, code at linear 0x800000 mapped from elsewhere",
    "check: CPUID 2E 66 3E 0F A2 at a linear address paged from elsewhere answers leaf 0 and runs on: ok",
    "check: CPUID 66 66 66 66 0F A2 there answers leaf 0x40000000 (tsvisorTSVI) and runs on: ok",
    "check: CPUID 3E 66 2E 0F | A2 split across two pages, each paged from elsewhere, answers leaf 0x40000000 and runs on: ok",
  ],
  // Under VMX each switch but the two faulting JMPs exits and is emulated
  // (kernel/exits/task-switch.ts); QEMU 7.2's TCG ignores the TASK_SWITCH
  // intercept and switches tasks itself.
  "hostile-task": [
    "check: JMP to a TSS loaded the new task's registers, EFLAGS, DS and TR from it: ok",
    "check: the outgoing task's EIP, registers and selectors were saved in its TSS and reloaded by the JMP back: ok",
    "check: JMP cleared the outgoing task's busy bit and set the new one's; CR0.TS set: ok",
    "check: CALL to a task set NT and the back link, both busy; its IRET came back, clearing its busy bit and NT: ok",
    "check: INT 0x40 through a task gate ran the task once, nested, and came back past the INT: ok",
    "check: #GP through a task gate pushed its error code on the new task's stack; the saved EIP is the fault's: ok",
    "check: JMP to a busy TSS raised #GP with its selector: ok",
    "check: JMP to a not-present TSS raised #NP with its selector: ok",
    "check: a bad DS selector in the new TSS raised #TS with it, in the new task: ok",
  ],
  "pit-irq": [
    "programming the 8259 pair and the 8254",
    "check: 10 IRQ 0 interrupts through the 8259 at vector 0x20: ok",
    "check: they came about 10 ms apart on the TSC: ok",
    "check: nothing left in service after the EOIs: ok",
  ],
  lapic: [
    "check: the APIC timer's clock (CPUID 0x40000001 EBX) is the TSC's / 8: ok",
    "check: APIC ID 0 and version 0x00050014 read by MMIO: ok",
    "check: TPR, PPR and the LVT timer written and read back by MMIO: ok",
    "check: one-shot timer: one interrupt about 20 ms later, waking HLT, then none: ok",
    "check: periodic timer: 10 interrupts 5 ms apart on the TSC, each waking HLT: ok",
    "check: TSC-deadline timer: one interrupt at the WRMSR 0x6E0 deadline, waking HLT; the MSR cleared: ok",
    "check: self-IPI through the ICR, taken and ended by EOI: ok",
    "check: x2APIC: ID, version and a SELF IPI by MSR: ok",
  ],
  nmi: [
    "check: a self-NMI through the ICR, with IF=0, taken at once: ok",
    "check: a second NMI sent from the handler came after its IRET: ok",
    "check: no NMI arrived while the handler ran (NMI blocking): ok",
    "check: an NMI to APIC ID 0 by destination: ok",
  ],
  "ioapic-pit": [
    "check: I/O APIC version 0x11 with 24 redirection entries: ok",
    "check: 5 PIT interrupts through I/O APIC entry 2 (GSI 2), edge-triggered, 10 ms apart on the TSC: ok",
    "check: level-triggered: remote IRR and TMR set in the handler, remote IRR cleared by the EOI broadcast: ok",
    "check: masked entry 2: no more interrupts; nothing left in service: ok",
  ],
  "string-io": [
    "a line written by a single REP OUTSB",
    "check: REP OUTSB left CX = 0 and SI at the end: ok",
    "check: REP INSB filled 16 bytes with 0xff and no more: ok",
  ],
};

// One exit-table row: "  <reason>  <count>  <total>  <mean>".
export function exitRow(lines: string[], reason: string): number[] | null {
  const row = lines.find((l) => l.startsWith(`  ${reason} `));
  return row ? row.trim().slice(reason.length).trim().split(/\s+/).map(Number) : null;
}


// The uart-echo guest: what the test types once it is ready, and what it prints.
export const UART_ECHO_TYPING = { after: /^ready: type a line$/m, text: "hello tsvisor\n" };
export const UART_ECHO_LINES = [
  "ready: type a line",
  "echo: hello tsvisor",
  "check: the line came by IRQ 4 interrupts at vector 0x24: ok",
  "check: IIR named received data or a time-out, with the FIFO bits set: ok",
  "check: no overrun and no line status interrupt: ok",
  "verdict: PASS",
];

// One row of the injections table: "  0x24    IRQ  4   <count>" → the source and count.
export function injectedRow(lines: string[], vector: number): { source: string; count: number } | null {
  const m = lines.map((l) => /^ {2}(0x[0-9a-f]{2}) {4}(IRQ +\d+|-) +(\d+)$/.exec(l))
    .find((x) => x && parseInt(x[1], 16) === vector);
  return m ? { source: m[2].replace(/ +/g, " "), count: Number(m[3]) } : null;
}
