// Exit dispatch: one handler per exit kind, in a table indexed by kind
// (the contract of KVM's kvm_vmx_exit_handlers[], arch-neutral).
import { ExitInfo, ExitKind, Action } from "../vm/exit";
import { Vcpu } from "../vm/vcpu";
import { handleCpuid } from "./cpuid";
import { handleIo } from "./io";
import { handleMsrRead, handleMsrWrite } from "./msr";
import { handleHlt } from "./hlt";
import { handleHypercall } from "./hypercall";
import { handleCrAccess } from "./cr-access";
import { handleXsetbv } from "./xsetbv";
import { handleNestedPageFault } from "./mmio";
import { handleTaskSwitch } from "./task-switch";
import {
  handleTripleFault, handleUnhandled, handleExternalInterrupt, handleCacheFlush, handleVirtInstruction,
  handleInterruptWindow, handleNmiWindow, handleTimerTick,
} from "./faults";

type Handler = (vcpu: Vcpu, exit: ExitInfo) => Action;

const handlers = new StaticArray<Handler>(<i32>ExitKind.Count);
for (let i = 0; i < <i32>ExitKind.Count; i++) handlers[i] = handleUnhandled;
handlers[<i32>ExitKind.ExternalInterrupt] = handleExternalInterrupt;
handlers[<i32>ExitKind.InterruptWindow] = handleInterruptWindow;
handlers[<i32>ExitKind.NmiWindow] = handleNmiWindow;
handlers[<i32>ExitKind.TimerTick] = handleTimerTick;
handlers[<i32>ExitKind.TripleFault] = handleTripleFault;
handlers[<i32>ExitKind.Cpuid] = handleCpuid;
handlers[<i32>ExitKind.Hlt] = handleHlt;
handlers[<i32>ExitKind.Hypercall] = handleHypercall;
handlers[<i32>ExitKind.Io] = handleIo;
handlers[<i32>ExitKind.MsrRead] = handleMsrRead;
handlers[<i32>ExitKind.MsrWrite] = handleMsrWrite;
handlers[<i32>ExitKind.NestedPageFault] = handleNestedPageFault;
handlers[<i32>ExitKind.CacheFlush] = handleCacheFlush;
handlers[<i32>ExitKind.CrAccess] = handleCrAccess;
handlers[<i32>ExitKind.Xsetbv] = handleXsetbv;
handlers[<i32>ExitKind.VirtInstruction] = handleVirtInstruction;
handlers[<i32>ExitKind.TaskSwitch] = handleTaskSwitch;

// exit.kind is an ExitKind the backend's decoder chose, below Count: the
// table is read without a bounds check on the exit path.
export function dispatchExit(vcpu: Vcpu, exit: ExitInfo): Action {
  return unchecked(handlers[<i32>exit.kind])(vcpu, exit);
}
