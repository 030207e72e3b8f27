// VMX basic exit reasons (./exit-reasons.ts; Intel SDM Vol. 3D Appendix C)
// into the neutral exit kinds, with the fields each kind's handler needs.
import { vmread } from "../hal/imports";
import * as F from "./vmcs-fields";
import {
  ExitInfo, ExitKind, IoExit, CrExit, PendingEvent, TaskSwitchExit, TASK_SWITCH_GATE,
  ACCESS_READ, ACCESS_WRITE, ACCESS_FETCH, ACCESS_PAGE_WALK,
} from "../vm/exit";
import { EVENT_NMI, EVENT_HW_EXCEPTION, EVENT_SW_INTERRUPT, EVENT_SW_EXCEPTION } from "../vm/vcpu";
import {
  VMX_EXIT_EXCEPTION_NMI, VMX_EXIT_EXTERNAL_INTERRUPT, VMX_EXIT_TRIPLE_FAULT, VMX_EXIT_INTERRUPT_WINDOW,
  VMX_EXIT_CPUID, VMX_EXIT_HLT, VMX_EXIT_INVD, VMX_EXIT_VMCALL, VMX_EXIT_VMCLEAR, VMX_EXIT_VMXON,
  VMX_EXIT_INVEPT, VMX_EXIT_INVVPID, VMX_EXIT_CR_ACCESS, VMX_EXIT_IO, VMX_EXIT_RDMSR, VMX_EXIT_WRMSR,
  VMX_EXIT_INVALID_GUEST_STATE, VMX_EXIT_MSR_LOADING, VMX_EXIT_MACHINE_CHECK, VMX_EXIT_EPT_VIOLATION,
  VMX_EXIT_XSETBV, VMX_EXIT_WBINVD, VMX_EXIT_PREEMPTION_TIMER, VMX_EXIT_NMI_WINDOW, VMX_EXIT_TASK_SWITCH,
  VMX_EXIT_MWAIT, VMX_EXIT_MONITOR, VMX_EXIT_ENCLS,
} from "./exit-reasons";
export * from "./exit-reasons";

const EXIT_REASON_ENTRY_FAILURE: u32 = <u32>1 << 31;

export function kindOfVmxReason(basic: u32): ExitKind {
  // The VMX instructions, and the instructions whose CPUID bits are hidden
  // but which the CPU would run (MWAIT, MONITOR, ENCLS: kernel/vmx/
  // controls.ts): each raises #UD in the guest.
  if ((basic >= VMX_EXIT_VMCLEAR && basic <= VMX_EXIT_VMXON) || basic == VMX_EXIT_INVEPT || basic == VMX_EXIT_INVVPID ||
    basic == VMX_EXIT_MWAIT || basic == VMX_EXIT_MONITOR || basic == VMX_EXIT_ENCLS) {
    return ExitKind.VirtInstruction;
  }
  switch (basic) {
    case VMX_EXIT_EXCEPTION_NMI: return ExitKind.Exception;
    case VMX_EXIT_EXTERNAL_INTERRUPT: return ExitKind.ExternalInterrupt;
    case VMX_EXIT_PREEMPTION_TIMER: return ExitKind.TimerTick;
    case VMX_EXIT_TRIPLE_FAULT: return ExitKind.TripleFault;
    case VMX_EXIT_INTERRUPT_WINDOW: return ExitKind.InterruptWindow;
    case VMX_EXIT_NMI_WINDOW: return ExitKind.NmiWindow;
    case VMX_EXIT_TASK_SWITCH: return ExitKind.TaskSwitch;
    case VMX_EXIT_CPUID: return ExitKind.Cpuid;
    case VMX_EXIT_HLT: return ExitKind.Hlt;
    case VMX_EXIT_VMCALL: return ExitKind.Hypercall;
    case VMX_EXIT_CR_ACCESS: return ExitKind.CrAccess;
    case VMX_EXIT_IO: return ExitKind.Io;
    case VMX_EXIT_RDMSR: return ExitKind.MsrRead;
    case VMX_EXIT_WRMSR: return ExitKind.MsrWrite;
    case VMX_EXIT_EPT_VIOLATION: return ExitKind.NestedPageFault;
    case VMX_EXIT_XSETBV: return ExitKind.Xsetbv;
    case VMX_EXIT_INVD:
    case VMX_EXIT_WBINVD: return ExitKind.CacheFlush;
    case VMX_EXIT_INVALID_GUEST_STATE:
    case VMX_EXIT_MSR_LOADING:
    case VMX_EXIT_MACHINE_CHECK: return ExitKind.EntryFailure;
  }
  return ExitKind.Unhandled;
}

// INS/OUTS: the address size (VM-exit instruction-information field bits
// 9:7: 0 = 16, 1 = 32, 2 = 64 bits; SDM Vol. 3C §28.2.5, Table 28-8) and
// the linear address of the memory operand (guest-linear address field).
export function decodeStringIo(io: IoExit, instructionInfo: u64, linear: u64): void {
  io.addressBytes = <u32>2 << <u32>((instructionInfo >> 7) & 7);
  // Bits 17:15: the segment register of OUTS's source; INS always writes
  // ES:rDI (SDM Vol. 2B INS).
  io.segment = io.isIn ? 0 : <u32>((instructionInfo >> 15) & 7);
  io.linearAddress = linear;
}

// I/O exit qualification (SDM Vol. 3C §28.2.1, Table 28-5).
export function decodeIoQualification(io: IoExit, q: u64): void {
  io.size = <u32>(q & 7) + 1;
  io.isIn = (q & (1 << 3)) != 0;
  io.isString = (q & (1 << 4)) != 0;
  io.isRep = (q & (1 << 5)) != 0;
  io.port = <u32>(q >> 16) & 0xffff;
}

// Control-register access qualification (SDM Vol. 3C §28.2.1, Table 28-3).
export function decodeCrQualification(cr: CrExit, q: u64): void {
  cr.cr = <u32>(q & 0xf);
  cr.type = <u32>(q >> 4) & 3;
  cr.gpr = <u32>(q >> 8) & 0xf;
  cr.lmswSource = <u32>(q >> 16) & 0xffff; // LMSW source data, either operand form
}

// IDT-vectoring information (SDM Vol. 3C §25.9.3, Table 25-20): vector 7:0,
// type 10:8, error code valid 11, valid 31. Software events keep the
// exiting instruction's length for their re-injection (§29.2.1.1).
export function decodeVectoring(e: PendingEvent, info: u32, instructionLength: u32): void {
  e.valid = (info & (<u32>1 << 31)) != 0;
  if (!e.valid) return;
  e.vector = info & 0xff;
  e.type = (info >> 8) & 7;
  e.hasErrorCode = (info & (1 << 11)) != 0;
  e.errorCode = e.hasErrorCode ? <u32>vmread(F.IDT_VECTORING_ERROR_CODE) : 0;
  e.instructionLength = instructionLength;
}

// Task-switch qualification (SDM Vol. 3C §28.2.1, Table 28-2): the new
// TSS selector in bits 15:0, the source in 31:30 (TASK_SWITCH_*). Through
// a task gate, the IDT-vectoring information says which event reached it
// (§28.2.4): an exception's error code is there, to push on the new stack;
// INT n, INT3 and INTO (software interrupt, software exception) and INT1
// (privileged software exception) were instructions the outgoing task
// resumes past, with the VM-exit instruction length (§28.2.5); the others
// (external interrupt, NMI, hardware exception) are external to it.
export function decodeTaskSwitch(t: TaskSwitchExit, q: u64, e: PendingEvent): void {
  t.selector = <u32>q & 0xffff;
  t.source = <u32>(q >> 30) & 3;
  const gate = t.source == TASK_SWITCH_GATE && e.valid;
  t.viaInstruction = !gate || e.type >= EVENT_SW_INTERRUPT;
  t.external = gate && e.type < EVENT_SW_INTERRUPT;
  t.nmi = gate && e.type == EVENT_NMI;
  t.vector = e.vector;
  t.softwareVector = gate && (e.type == EVENT_SW_INTERRUPT || e.type == EVENT_SW_EXCEPTION) ? <i32>e.vector : -1;
  t.hasErrorCode = gate && e.type == EVENT_HW_EXCEPTION && e.hasErrorCode;
  t.errorCode = t.hasErrorCode ? e.errorCode : 0;
}

// EPT-violation qualification (SDM Vol. 3C §28.2.1, Table 28-7): bit 0 data
// read, bit 1 data write, bit 2 instruction fetch; bit 7 the guest-linear
// address is valid, and then bit 8 clear means the access was to a
// paging-structure entry (the guest's page walk), not to the translation.
export function eptAccess(q: u64): u32 {
  let a: u32 = 0;
  if ((q & 1) != 0) a |= ACCESS_READ;
  if ((q & 2) != 0) a |= ACCESS_WRITE;
  if ((q & 4) != 0) a |= ACCESS_FETCH;
  if ((q & (1 << 7)) != 0 && (q & (1 << 8)) == 0) a |= ACCESS_PAGE_WALK;
  return a;
}

export function decodeVmxExit(exit: ExitInfo): void {
  const reason = <u32>vmread(F.VM_EXIT_REASON);
  const basic = reason & 0xffff;
  exit.raw = basic;
  exit.kind = (reason & EXIT_REASON_ENTRY_FAILURE) != 0 ? ExitKind.EntryFailure : kindOfVmxReason(basic);
  exit.qualification = vmread(F.EXIT_QUALIFICATION);
  exit.instructionLength = <u32>vmread(F.VM_EXIT_INSTRUCTION_LEN);
  exit.gpa = 0;
  exit.access = 0;
  if (exit.kind == ExitKind.NestedPageFault) {
    exit.gpa = vmread(F.GUEST_PHYSICAL_ADDRESS);
    exit.access = eptAccess(exit.qualification);
  } else if (exit.kind == ExitKind.Io) {
    decodeIoQualification(exit.io, exit.qualification);
    if (exit.io.isString) decodeStringIo(exit.io, vmread(F.VMX_INSTRUCTION_INFO), vmread(F.GUEST_LINEAR_ADDRESS));
  } else if (exit.kind == ExitKind.CrAccess) {
    decodeCrQualification(exit.cr, exit.qualification);
  }
}
