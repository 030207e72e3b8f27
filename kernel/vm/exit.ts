// The architecture-neutral exit record. The VMX (and later SVM) backend
// decodes its own exit reason into one of these kinds; handlers never see a
// raw VMX exit reason or SVM exit code.
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
  VirtInstruction, // a VMX/SVM instruction: hidden from the guest, so #UD
  Count,
}

const NAMES: StaticArray<string> = [
  "exception", "external interrupt", "triple fault", "interrupt window", "CPUID", "HLT",
  "hypercall", "CR access", "port I/O", "RDMSR", "WRMSR", "nested page fault", "XSETBV",
  "INVD/WBINVD", "entry failure", "unhandled", "VMX/SVM instruction",
];

export function exitKindName(k: ExitKind): string {
  return NAMES[<i32>k];
}

export class ExitInfo {
  kind: ExitKind = ExitKind.Unhandled;
  raw: u32 = 0;                // the backend's own reason number, for reports
  qualification: u64 = 0;      // VMX exit qualification / SVM EXITINFO1
  instructionLength: u32 = 0;  // of the exiting instruction, where known
  gpa: u64 = 0;                // faulting guest-physical address (nested page faults)
}

// What a handler asks the vCPU loop to do next.
export enum Action {
  Resume,  // re-enter the guest (the handler already moved RIP if it should)
  Stop,    // the VM stops; Vm.stopReason says why
}
