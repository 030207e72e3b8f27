// Task gates in the IDT (Intel SDM Vol. 3A §7.11, Figure 7-2: type 5, the
// TSS selector in bits 31:16; §8.3.2), for a task switch that came through
// one (kernel/exits/task-switch.ts): the privilege check of INT n, and the
// check that the event the exit names does lead to the gate.
import { Vcpu } from "../vm/vcpu";
import { ExitInfo } from "../vm/exit";
import { readGuestLinear } from "../vm/guest-walk";
import { LOAD_OK, LOAD_UNMAPPED, loadFault, SEG_SS } from "./task-segments";
import { fetchSoftwareInterrupt, fetchSwitchingLength } from "./task-switch-insn";
import { VECTOR_GP } from "../arch/x86";

const entry = memory.data(8);
const TYPE_TASK_GATE: u32 = 5; // with S clear: bits 12:8 of the high dword = 00101b

// IDT entry `vector` into `entry`: false if past the IDT's limit or unmapped.
function readGate(vcpu: Vcpu, vector: u32): bool {
  if (<u64>(vector * 8 + 7) > <u64>vcpu.idtrLimit()) return false;
  return readGuestLinear(vcpu, vcpu.vm.memory, (vcpu.idtrBase() + vector * 8) & 0xffffffff, entry, 8, true) == 8;
}

// Is IDT entry `vector` a present task gate naming `selector`?
export function isTaskGateFor(vcpu: Vcpu, vector: u32, selector: u32): bool {
  if (!readGate(vcpu, vector)) return false;
  const hi = load<u32>(entry, 4);
  return ((hi >> 8) & 0x1f) == TYPE_TASK_GATE && (hi & 0x8000) != 0 && ((load<u32>(entry) >> 16) & 0xfffc) == (selector & 0xfffc);
}

// An exit that names an event whose IDT entry is not this gate (Bochs 2.7's
// SVM, for an INT n: kernel/svm/task-switch-decode.ts) gets the event from
// the instruction at RIP: an INT n, INT3, INTO or INT1 whose entry is the
// gate. The record then says so, with the instruction's length; false if
// that is not the case either.
export function eventFromInstruction(vcpu: Vcpu, exit: ExitInfo): bool {
  const t = exit.task;
  const v = fetchSoftwareInterrupt(vcpu);
  if (v < 0 || !isTaskGateFor(vcpu, <u32>v, t.selector)) return false;
  t.vector = <u32>v;
  t.viaInstruction = true;
  t.external = false;
  t.nmi = false;
  t.hasErrorCode = false;
  t.errorCode = 0;
  t.softwareVector = v == 1 ? -1 : v; // INT1 is not checked against the gate's DPL
  exit.instructionLength = fetchSwitchingLength(vcpu);
  return true;
}

// INT n, INT3 and INTO reach a task gate only if its DPL is at least the
// CPL and the gate's TSS selector RPL, else #GP(vector * 8 + 2): IDT, EXT
// clear (SDM Vol. 3C §26.4.2 1a; Vol. 2A INT n "IF software interrupt ...").
export function checkSoftwareGate(vcpu: Vcpu, vector: u32, selector: u32): u32 {
  const err = vector * 8 + 2;
  if (<u64>(vector * 8 + 7) > <u64>vcpu.idtrLimit()) return loadFault(VECTOR_GP, err);
  if (!readGate(vcpu, vector)) return LOAD_UNMAPPED;
  const dpl = (load<u32>(entry, 4) >> 13) & 3;
  const cpl = (vcpu.segmentAr(SEG_SS) >> 5) & 3;
  return cpl > dpl || (selector & 3) > dpl ? loadFault(VECTOR_GP, err) : LOAD_OK;
}
