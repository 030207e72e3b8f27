// The architecture-neutral exit record. Each backend decodes its own exit
// (VMX exit reason and qualification, SVM exit code and EXITINFO1/2) into
// one of these, with the details a handler needs; handlers in kernel/exits/
// never see a raw VMX exit reason or SVM exit code.
import { Vcpu } from "./vcpu";
export enum ExitKind {
  Exception = 0,
  ExternalInterrupt,
  TripleFault,
  InterruptWindow,
  Cpuid,
  Hlt,
  Hypercall,
  CrAccess,
  Io,
  MsrRead,
  MsrWrite,
  NestedPageFault,
  Xsetbv,
  CacheFlush,
  EntryFailure,
  Unhandled,
  VirtInstruction, // a VMX/SVM instruction, or another CPUID hides (MONITOR/MWAIT, ENCLS): #UD
  TimerTick,       // the hypervisor's own timer in the guest (VMX preemption timer)
  NmiWindow,       // the guest can take an NMI again (VMX NMI-window exiting; SVM: its IRET, intercepted)
  TaskSwitch,      // a hardware task switch, emulated by the core (VMX reason 9; SVM TASK_SWITCH)
  Count,
}

const NAMES: StaticArray<string> = [
  "exception", "external interrupt", "triple fault", "interrupt window", "CPUID", "HLT",
  "hypercall", "CR access", "port I/O", "RDMSR", "WRMSR", "nested page fault", "XSETBV",
  "INVD/WBINVD", "entry failure", "unhandled", "VMX/SVM instruction", "timer tick", "NMI window",
  "task switch",
];

export function exitKindName(k: ExitKind): string {
  return NAMES[<i32>k];
}

// Port I/O: IN/OUT, and INS/OUTS with their REP forms.
export class IoExit {
  port: u32 = 0;
  size: u32 = 1;          // bytes: 1, 2 or 4
  isIn: bool = false;
  isString: bool = false;
  isRep: bool = false;
  addressBytes: u32 = 2;  // string forms: the address size, 2, 4 or 8
  segment: u32 = 3;       // string forms: the memory operand's segment (ES CS SS DS FS GS = 0-5)
  linearAddress: u64 = 0; // string forms: the memory operand's linear address
}

// Control-register access (MOV to/from CRn, CLTS, LMSW).
export const CR_MOV_TO: u32 = 0;
export const CR_MOV_FROM: u32 = 1;
export const CR_CLTS: u32 = 2;
export const CR_LMSW: u32 = 3;

export class CrExit {
  cr: u32 = 0;   // register number
  type: u32 = 0; // CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW
  gpr: u32 = 0;  // source/destination register, x86 encoding
  lmswSource: u32 = 0; // LMSW: its 16-bit source operand
}

// What started a task switch, as the VMX exit qualification numbers it
// (bits 31:30; SDM Vol. 3C §28.2.1, Table 28-2): CALL, IRET, JMP, or a task
// gate in the IDT reached by an interrupt, an exception or INT n. The SVM
// decoder maps EXITINFO2 into the same (APM Vol. 2 §15.14.3).
export const TASK_SWITCH_CALL: u32 = 0;
export const TASK_SWITCH_IRET: u32 = 1;
export const TASK_SWITCH_JMP: u32 = 2;
export const TASK_SWITCH_GATE: u32 = 3;

export class TaskSwitchExit {
  selector: u32 = 0;          // the new task's TSS selector
  source: u32 = TASK_SWITCH_CALL;
  // The instruction that switched (CALL, JMP, IRET, INT n, INT3, INTO,
  // INT1): the outgoing task resumes past it. Otherwise (an exception, an
  // NMI, an external interrupt through a task gate) it resumes at RIP.
  viaInstruction: bool = true;
  // The event was not the guest's own instruction: faults the switch
  // raises set EXT (bit 0) in their error code (SDM Vol. 3A §7.13).
  external: bool = false;
  nmi: bool = false;          // the gate was reached by an NMI
  vector: u32 = 0;            // through a gate: the event's vector
  softwareVector: i32 = -1;   // INT n / INT3 / INTO through a gate: its vector (the gate's DPL is checked)
  hasErrorCode: bool = false; // an exception with an error code: pushed on the new task's stack
  errorCode: u32 = 0;
}

// Access kinds of a nested page fault (EPT violation / #NPF), as bits.
export const ACCESS_READ: u32 = 1;
export const ACCESS_WRITE: u32 = 2;
export const ACCESS_FETCH: u32 = 4;
// The access was the CPU's walk of the guest's own page tables, not the
// instruction's operand (VMX: qualification bit 7 set, bit 8 clear; SVM:
// EXITINFO1 bit 33).
export const ACCESS_PAGE_WALK: u32 = 8;

// An event (interrupt, NMI, exception) whose delivery the exit interrupted
// — VMX IDT-vectoring information (SDM Vol. 3C §28.2.4), SVM EXITINTINFO
// (APM Vol. 2 §15.7.2) — to deliver again on the next entry (SDM Vol. 3C
// §29.2.1.1 "Reflecting Exceptions to Guest Software"; APM §15.20).
export class PendingEvent {
  valid: bool = false;
  type: u32 = 0;             // EVENT_* (kernel/vm/vcpu.ts)
  vector: u32 = 0;
  errorCode: u32 = 0;
  hasErrorCode: bool = false;
  instructionLength: u32 = 0; // software interrupts and exceptions (VMX)
}

export class ExitInfo {
  kind: ExitKind = ExitKind.Unhandled;
  raw: u32 = 0;                // the backend's own reason number, for reports
  qualification: u64 = 0;      // VMX exit qualification / SVM EXITINFO1
  instructionLength: u32 = 0;  // of the exiting instruction, where known
  gpa: u64 = 0;                // nested page faults: the guest-physical address
  access: u32 = 0;             // nested page faults: ACCESS_* bits
  msr: u32 = 0;                // RDMSR/WRMSR: the MSR index (ECX)
  io: IoExit = new IoExit();   // Io: filled by the backend's decoder
  cr: CrExit = new CrExit();   // CrAccess: likewise
  task: TaskSwitchExit = new TaskSwitchExit(); // TaskSwitch: likewise
  vectoring: PendingEvent = new PendingEvent(); // every exit: filled by the backend
}

// The neutral part of decoding, after the backend's: RDMSR and WRMSR name
// their MSR in ECX on both architectures (SDM Vol. 2B RDMSR; APM Vol. 3).
export function completeDecode(exit: ExitInfo, rcx: u64): void {
  if (exit.kind == ExitKind.MsrRead || exit.kind == ExitKind.MsrWrite) exit.msr = <u32>rcx;
}

// The exit layer's entry point (kernel/exits/dispatch.ts), handed to the
// vCPU loop by whoever builds the VM, so that kernel/vm/ never depends on
// kernel/exits/.
export type ExitDispatch = (vcpu: Vcpu, exit: ExitInfo) => Action;

// What a handler asks the vCPU loop to do next.
export enum Action {
  Resume,  // re-enter the guest (the handler already moved RIP if it should)
  Stop,    // the VM stops; Vm.stopReason says why
}
