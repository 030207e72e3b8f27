// Hardware task switches, emulated: VMX does not allow them in VMX non-root
// operation and exits instead (Intel SDM Vol. 3C §26.4.2, basic reason 9),
// and the SVM backend intercepts them (TASK_SWITCH, APM Vol. 2 §15.14.3),
// so that both backends switch tasks the same way, here. The steps are the
// SDM's (Vol. 3A §8.3 "Task Switching", steps 1-12, Table 8-2), in order:
//   - the new TSS descriptor: in the GDT, a TSS, available (busy for
//     IRET), present, limit at least 67H (2BH for a 16-bit TSS) — checked
//     by the CPU before a VMX exit (§26.4.2 items 2-4) and again here;
//   - the outgoing task: the busy bit of its descriptor cleared for JMP and
//     IRET, NT cleared in its saved EFLAGS for IRET, its EIP (past the
//     instruction that switched; at the faulting one for an exception or
//     an interrupt), EFLAGS, general registers and segment selectors saved
//     in its TSS;
//   - the new task: its back link set to the old TSS and NT set for CALL
//     and a gate, its descriptor marked busy unless IRET, TR loaded, CR0.TS
//     set, then CR3 (with paging on), EIP, EFLAGS, the registers, LDTR and
//     the segment registers loaded from its TSS, with their checks
//     (./task-segments.ts) — any fault from here on is in the new task;
//   - an exception with an error code, through a task gate: the error code
//     pushed on the new task's stack (§7.12.2).
// Also: DR7's local breakpoint enables L0-L3 and LE are cleared (SDM Vol.
// 3B §18.2.4); an NMI through a gate blocks NMIs as its delivery would. The
// event whose delivery reached the gate is delivered by the switch, so the
// loop must not deliver it again (exit.vectoring is cleared); it must be
// one whose IDT entry is the gate (./task-gate.ts).
// Not emulated (the VM stops, naming the case: kernel/vm/task-switch-stop.ts):
// IA-32e mode, real mode, a virtual-8086 new task, the TSS T flag, and TSSs
// or tables outside the guest's mapped RAM. Page-level protection of the
// TSS and descriptor-table writes is not checked (the CPU's own accesses).
import { Vcpu, RSP } from "../vm/vcpu";
import { ExitInfo, Action, TaskSwitchExit, TASK_SWITCH_CALL, TASK_SWITCH_IRET, TASK_SWITCH_JMP, TASK_SWITCH_GATE } from "../vm/exit";
import { StopReason } from "../vm/vm";
import { TaskSwitchStop } from "../vm/task-switch-stop";
import { readGuestLinear, writeGuestLinear } from "../vm/guest-walk";
import {
  Descriptor, readDescriptor, writeDescriptorHigh, DESC_OK, DESC_UNMAPPED, SELECTOR_TI,
  TYPE_TSS_BUSY_BIT, TYPE_TSS_32_BIT, TYPE_TSS16_AVAILABLE, TYPE_TSS32_AVAILABLE,
} from "../vm/descriptor";
import { TssLayout, TSS32, TSS16, TSS_LINK, TSS32_T, TSS32_BYTES, TSS16_BYTES, tssField, setTssField } from "./tss";
import { loadTaskLdt, loadTaskSegment, LOAD_OK, LOAD_UNMAPPED, loadFault, SEG_CS, SEG_SS, SEG_TR } from "./task-segments";
import { fetchSwitchingLength } from "./task-switch-insn";
import { isTaskGateFor, eventFromInstruction, checkSoftwareGate } from "./task-gate";
import { AR_DB } from "../vm/initial-state";
import {
  CR0_PE, CR0_PG, CR0_TS, EFER_LMA, RFLAGS_NT, RFLAGS_VM, RFLAGS_FIXED_1, RFLAGS_DEFINED, VECTOR_GP, VECTOR_TS, VECTOR_NP,
} from "../arch/x86";

const tss = memory.data(TSS32_BYTES);  // the new task's TSS, as read
const old = memory.data(TSS32_BYTES);  // the outgoing task's dynamic fields, as saved
const word = memory.data(8);
const newDesc = new Descriptor();
const oldDesc = new Descriptor();
// DR7 L0-L3 (bits 0, 2, 4, 6) and LE (bit 8) (SDM Vol. 3B §18.2.4, Figure 18-1).
const DR7_LOCAL: u64 = 0x155;
const TSS32_T_FLAG: u32 = 1;

function stop(vcpu: Vcpu, t: TaskSwitchExit, why: TaskSwitchStop): Action {
  vcpu.vm.stop(StopReason.TaskSwitch, 0, <u64>why | (<u64>t.selector << 8));
  return Action.Stop;
}

// Inject a fault a step returned (LOAD_FAULT | vector << 16 | error code).
function inject(vcpu: Vcpu, r: u32): Action {
  vcpu.injectException((r >> 16) & 0xff, r & 0xffff, true);
  return Action.Resume;
}

export function handleTaskSwitch(vcpu: Vcpu, exit: ExitInfo): Action {
  const t = exit.task;
  if (t.source == TASK_SWITCH_GATE) exit.vectoring.valid = false; // this switch delivers it
  if ((vcpu.efer() & EFER_LMA) != 0) return stop(vcpu, t, TaskSwitchStop.LongMode);
  if ((vcpu.cr0() & CR0_PE) == 0) return stop(vcpu, t, TaskSwitchStop.NotProtected);
  if (t.source == TASK_SWITCH_GATE && !isTaskGateFor(vcpu, t.vector, t.selector) && !eventFromInstruction(vcpu, exit)) {
    return stop(vcpu, t, TaskSwitchStop.UnknownEvent);
  }
  let length: u32 = 0;
  if (t.viaInstruction) {
    length = exit.instructionLength != 0 ? exit.instructionLength : fetchSwitchingLength(vcpu);
    if (length == 0) return stop(vcpu, t, TaskSwitchStop.NoLength);
  }
  const ext: u32 = t.external ? 1 : 0;
  if (t.softwareVector >= 0) {
    const r = checkSoftwareGate(vcpu, <u32>t.softwareVector, t.selector);
    if (r != LOAD_OK) return r == LOAD_UNMAPPED ? stop(vcpu, t, TaskSwitchStop.Unmapped) : inject(vcpu, r);
  }
  const r = checkNewTss(vcpu, t, ext);
  if (r != LOAD_OK) return r == LOAD_UNMAPPED ? stop(vcpu, t, TaskSwitchStop.Unmapped) : inject(vcpu, r);
  const next = (newDesc.type() & TYPE_TSS_32_BIT) != 0 ? TSS32 : TSS16;
  const base = newDesc.base();
  // The outgoing task's TSS must hold its dynamic fields (Table 8-2's
  // limits, as for the new one: its saved fields end at 5FH / 29H).
  const oldSel = vcpu.segmentSelector(SEG_TR);
  const prev = (vcpu.segmentAr(SEG_TR) & TYPE_TSS_32_BIT) != 0 ? TSS32 : TSS16;
  if (vcpu.segmentLimit(SEG_TR) < prev.savedEnd - 1) return inject(vcpu, loadFault(VECTOR_TS, (oldSel & 0xfffc) | ext));
  const bytes = next.is32 ? TSS32_BYTES : TSS16_BYTES;
  if (readGuestLinear(vcpu, vcpu.vm.memory, base, tss, bytes, true) != bytes) return stop(vcpu, t, TaskSwitchStop.Unmapped);
  if (next.is32 && (tssField(tss, next.eflags, 4) & <u32>RFLAGS_VM) != 0) return stop(vcpu, t, TaskSwitchStop.Vm86);
  if (next.is32 && (tssField(tss, TSS32_T, 2) & TSS32_T_FLAG) != 0) return stop(vcpu, t, TaskSwitchStop.TrapBit);
  // The outgoing TSS's dynamic fields, read so that the save keeps what
  // lies between them (the reserved upper halves of the selector slots).
  const saved = prev.savedEnd - prev.eip;
  const oldBase = vcpu.segmentBase(SEG_TR);
  if (readGuestLinear(vcpu, vcpu.vm.memory, oldBase + prev.eip, old + prev.eip, saved, true) != saved) {
    return stop(vcpu, t, TaskSwitchStop.Unmapped);
  }
  const clearOld = t.source == TASK_SWITCH_JMP || t.source == TASK_SWITCH_IRET;
  if (clearOld && readDescriptor(vcpu, oldSel, oldDesc) != DESC_OK) return stop(vcpu, t, TaskSwitchStop.Unmapped);

  // Committed: from here the switch happens (steps 5-10).
  if (clearOld) {
    oldDesc.hi &= ~(TYPE_TSS_BUSY_BIT << 8);
    if (!writeDescriptorHigh(vcpu, oldDesc)) return stop(vcpu, t, TaskSwitchStop.Unmapped);
  }
  let flags = vcpu.rflags();
  if (t.source == TASK_SWITCH_IRET) flags &= ~RFLAGS_NT;
  if (!saveOutgoing(vcpu, prev, oldBase, <u32>(vcpu.rip() + length), <u32>flags)) return stop(vcpu, t, TaskSwitchStop.Unmapped);
  const nests = t.source == TASK_SWITCH_CALL || t.source == TASK_SWITCH_GATE;
  if (nests) {
    store<u16>(word, <u16>oldSel);
    if (writeGuestLinear(vcpu, vcpu.vm.memory, base + TSS_LINK, word, 2, true) != 2) return stop(vcpu, t, TaskSwitchStop.Unmapped);
  }
  if (t.source != TASK_SWITCH_IRET) {
    newDesc.hi |= TYPE_TSS_BUSY_BIT << 8;
    if (!writeDescriptorHigh(vcpu, newDesc)) return stop(vcpu, t, TaskSwitchStop.Unmapped);
  }
  vcpu.setSegment(SEG_TR, t.selector, base, newDesc.limit(), newDesc.ar() | (TYPE_TSS_BUSY_BIT));
  vcpu.setCr0(vcpu.cr0() | CR0_TS);
  loadIncoming(vcpu, next, nests);
  vcpu.setDr7(vcpu.dr7() & ~DR7_LOCAL);
  if (t.nmi) vcpu.blockNmis();

  // Step 11: LDTR and the segment registers, faults now in the new task.
  const l = loadSegments(vcpu, next, ext);
  if (l != LOAD_OK) return l == LOAD_UNMAPPED ? stop(vcpu, t, TaskSwitchStop.Unmapped) : inject(vcpu, l);
  // EIP beyond the new CS limit is #GP(0) (SDM Vol. 3A §8.3 step 12).
  if (vcpu.rip() > <u64>vcpu.segmentLimit(SEG_CS)) return inject(vcpu, loadFault(VECTOR_GP, 0));
  if (t.hasErrorCode && !pushErrorCode(vcpu, t.errorCode, next.width)) return stop(vcpu, t, TaskSwitchStop.StackUnmapped);
  return Action.Resume;
}

// The new TSS descriptor (Table 8-2 rows 1-3; Vol. 2A JMP, CALL, IRET):
// into newDesc, or the fault. A selector that is not a TSS in the GDT is
// #GP for JMP, CALL and gates and #TS for IRET; JMP, CALL and gates need an
// available TSS (#GP), IRET a busy one (#TS); #NP if not present; #TS if
// its limit is below the minimum.
function checkNewTss(vcpu: Vcpu, t: TaskSwitchExit, ext: u32): u32 {
  const iret = t.source == TASK_SWITCH_IRET;
  const err = (t.selector & 0xfffc) | ext;
  const wrong = iret ? VECTOR_TS : VECTOR_GP;
  if ((t.selector & SELECTOR_TI) != 0) return loadFault(wrong, err);
  const r = readDescriptor(vcpu, t.selector, newDesc);
  if (r == DESC_UNMAPPED) return LOAD_UNMAPPED;
  const type = newDesc.type();
  const available = type & ~TYPE_TSS_BUSY_BIT;
  if (r != DESC_OK || !newDesc.system() || (available != TYPE_TSS16_AVAILABLE && available != TYPE_TSS32_AVAILABLE)) {
    return loadFault(wrong, err);
  }
  const busy = (type & TYPE_TSS_BUSY_BIT) != 0;
  if (iret && !busy) return loadFault(VECTOR_TS, err);
  if (!iret && busy) return loadFault(VECTOR_GP, err);
  if (!newDesc.present()) return loadFault(VECTOR_NP, err);
  const min = (type & TYPE_TSS_32_BIT) != 0 ? TSS32.minLimit : TSS16.minLimit;
  return newDesc.limit() < min ? loadFault(VECTOR_TS, err) : LOAD_OK;
}

// Step 7: EIP, EFLAGS, the general registers and the segment selectors
// into the outgoing task's TSS (its dynamic fields, §8.2.1), one write.
function saveOutgoing(vcpu: Vcpu, l: TssLayout, base: u64, eip: u32, eflags: u32): bool {
  const w = l.width;
  setTssField(old, l.eip, w, eip);
  setTssField(old, l.eflags, w, eflags);
  for (let i: u32 = 0; i < 8; i++) setTssField(old, l.gprs + i * w, w, <u32>vcpu.gpr(i));
  for (let i: u32 = 0; i < l.segCount; i++) setTssField(old, l.segs + i * l.segStride, 2, vcpu.segmentSelector(i));
  const n = l.savedEnd - l.eip;
  return writeGuestLinear(vcpu, vcpu.vm.memory, base + l.eip, old + l.eip, n, true) == n;
}

// Step 11's registers: CR3 for a 32-bit TSS with paging on, then EIP,
// EFLAGS (NT set for CALL and gates, step 8) and the general registers. A
// 16-bit TSS gives 16 bits of each: EIP and EFLAGS are zero-extended (as
// Bochs and KVM do); the general registers keep their upper halves (as
// QEMU does: the SDM leaves them unspecified).
function loadIncoming(vcpu: Vcpu, l: TssLayout, nests: bool): void {
  const w = l.width;
  if (l.is32 && (vcpu.cr0() & CR0_PG) != 0) {
    vcpu.setCr3(<u64>tssField(tss, l.cr3, 4));
    vcpu.pagingChanged();
  }
  vcpu.setRip(<u64>tssField(tss, l.eip, w));
  let flags = (<u64>tssField(tss, l.eflags, w) & RFLAGS_DEFINED) | RFLAGS_FIXED_1;
  if (nests) flags |= RFLAGS_NT;
  vcpu.setRflags(flags);
  for (let i: u32 = 0; i < 8; i++) {
    const v = <u64>tssField(tss, l.gprs + i * w, w);
    vcpu.setGpr(i, w == 4 ? v : (vcpu.gpr(i) & 0xffff0000) | v);
  }
  vcpu.endInterruptShadow(); // the switch is not in any STI / MOV SS shadow
}

// LDTR first (the selectors may be in the new LDT), then CS (its RPL is
// the new CPL), SS, ES, DS, FS, GS; a 16-bit TSS has no FS or GS, null
// after the switch. A segment after a faulting one keeps its old contents.
function loadSegments(vcpu: Vcpu, l: TssLayout, ext: u32): u32 {
  let r = loadTaskLdt(vcpu, tssField(tss, l.ldt, 2), ext);
  if (r != LOAD_OK) return r;
  const cs = tssField(tss, l.segs + SEG_CS * l.segStride, 2);
  const cpl = cs & 3;
  r = loadTaskSegment(vcpu, SEG_CS, cs, cpl, ext);
  if (r != LOAD_OK) return r;
  r = loadTaskSegment(vcpu, SEG_SS, tssField(tss, l.segs + SEG_SS * l.segStride, 2), cpl, ext);
  for (let i: u32 = 0; i < 6 && r == LOAD_OK; i++) {
    if (i == SEG_CS || i == SEG_SS) continue;
    const selector = i < l.segCount ? tssField(tss, l.segs + i * l.segStride, 2) : 0;
    r = loadTaskSegment(vcpu, i, selector, cpl, ext);
  }
  return r;
}

// The error code onto the new task's stack, 4 bytes from a 32-bit TSS, 2
// from a 16-bit one (§7.12.2); ESP or SP by SS.B (SDM Vol. 3A §3.4.5).
function pushErrorCode(vcpu: Vcpu, errorCode: u32, width: u32): bool {
  const stack32 = (vcpu.segmentAr(SEG_SS) & AR_DB) != 0;
  const sp = vcpu.rsp();
  const mask: u64 = stack32 ? 0xffffffff : 0xffff;
  const next = (sp - width) & mask;
  store<u32>(word, errorCode);
  if (writeGuestLinear(vcpu, vcpu.vm.memory, vcpu.segmentBase(SEG_SS) + next, word, width, true) != width) return false;
  vcpu.setRsp((sp & ~mask) | next);
  return true;
}
