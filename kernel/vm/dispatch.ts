// Exit dispatch: one handler per exit kind, in a table indexed by kind
// (the contract of KVM's kvm_vmx_exit_handlers[], arch-neutral).
import { ExitInfo, ExitKind, Action } from "./exit";
import { Vcpu } from "./vcpu";
import { handleCpuid } from "../exits/cpuid";
import { handleIo } from "../exits/io";
import { handleMsrRead, handleMsrWrite } from "../exits/msr";
import { handleHlt } from "../exits/hlt";
import { handleHypercall } from "../exits/hypercall";
import { handleCrAccess } from "../exits/cr-access";
import { handleXsetbv } from "../exits/xsetbv";
import {
  handleTripleFault, handleNestedPageFault, handleUnhandled, handleExternalInterrupt, handleCacheFlush,
  handleVirtInstruction,
} from "../exits/faults";

type Handler = (vcpu: Vcpu, exit: ExitInfo) => Action;

const handlers = new StaticArray<Handler>(<i32>ExitKind.Count);
for (let i = 0; i < <i32>ExitKind.Count; i++) handlers[i] = handleUnhandled;
handlers[<i32>ExitKind.ExternalInterrupt] = handleExternalInterrupt;
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

export function dispatchExit(vcpu: Vcpu, exit: ExitInfo): Action {
  return handlers[<i32>exit.kind](vcpu, exit);
}
