// The TASK_SWITCH intercept's exit information (AMD APM Vol. 2 §15.14.3)
// into the neutral record: EXITINFO1 bits 15:0 the new TSS selector;
// EXITINFO2 bit 36 the switch is an IRET's, bit 38 a JMP's, bit 44 an error
// code is to be pushed, bits 31:0 that error code. Neither set: a CALL, or
// a task gate in the IDT when EXITINTINFO holds the event that reached it
// (§15.7.2). INT n (a software interrupt) and INT3 / INTO (exceptions 3 and
// 4 raised by those instructions) leave the outgoing task resuming past
// the instruction, as CALL, JMP and IRET do; other events are external to it.
// Bochs 2.7's SVM fills EXITINTINFO only for the events it injects and the
// exceptions it raises: an INT n's delivery leaves it valid with what an
// earlier event left there (a zero record: external interrupt, vector 0).
// The handler checks that the event named leads to the task gate and else
// takes it from the instruction at RIP (kernel/exits/task-gate.ts).
import { TaskSwitchExit, PendingEvent, TASK_SWITCH_CALL, TASK_SWITCH_IRET, TASK_SWITCH_JMP, TASK_SWITCH_GATE } from "../vm/exit";
import { EVENT_NMI, EVENT_HW_EXCEPTION, EVENT_SW_INTERRUPT } from "../vm/vcpu";
import { VECTOR_BP } from "../arch/x86";

const INFO2_IRET: u64 = <u64>1 << 36;
const INFO2_JMP: u64 = <u64>1 << 38;
const INFO2_ERROR_CODE: u64 = <u64>1 << 44;
const VECTOR_OF: u32 = 4; // INTO's overflow exception (SDM Vol. 3A Table 6-1)

export function decodeSvmTaskSwitch(t: TaskSwitchExit, info1: u64, info2: u64, e: PendingEvent): void {
  t.selector = <u32>info1 & 0xffff;
  t.source = (info2 & INFO2_IRET) != 0 ? TASK_SWITCH_IRET
    : (info2 & INFO2_JMP) != 0 ? TASK_SWITCH_JMP
    : e.valid ? TASK_SWITCH_GATE : TASK_SWITCH_CALL;
  const gate = t.source == TASK_SWITCH_GATE;
  const soft = gate && (e.type == EVENT_SW_INTERRUPT ||
    (e.type == EVENT_HW_EXCEPTION && (e.vector == VECTOR_BP || e.vector == VECTOR_OF)));
  t.viaInstruction = !gate || soft;
  t.external = gate && !soft;
  t.nmi = gate && e.type == EVENT_NMI;
  t.vector = e.vector;
  t.softwareVector = soft ? <i32>e.vector : -1;
  t.hasErrorCode = gate && (info2 & INFO2_ERROR_CODE) != 0;
  t.errorCode = t.hasErrorCode ? <u32>info2 : 0;
}
