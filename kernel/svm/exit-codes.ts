// SVM #VMEXIT codes (AMD APM Vol. 2 Appendix C) into the neutral exit kinds.
// The codes are one of the layout tables the build turns into
// build/generated/layout.h (tools/builder/layout.ts): keep them to
// `export const VMEXIT_NAME: type = value;` lines.
import { ExitKind } from "../vm/exit";

export const VMEXIT_CR0_WRITE: u64 = 0x010; // CR n write: 0x010 + n
export const VMEXIT_CR4_WRITE: u64 = 0x014;
export const VMEXIT_EXCP_BASE: u64 = 0x040;
export const VMEXIT_INTR: u64 = 0x060;
export const VMEXIT_NMI: u64 = 0x061;
export const VMEXIT_VINTR: u64 = 0x064;
export const VMEXIT_IRET: u64 = 0x074;
export const VMEXIT_CPUID: u64 = 0x072;
export const VMEXIT_INVD: u64 = 0x076;
export const VMEXIT_INVLPGA: u64 = 0x07a;
export const VMEXIT_HLT: u64 = 0x078;
export const VMEXIT_IOIO: u64 = 0x07b;
export const VMEXIT_MSR: u64 = 0x07c;
export const VMEXIT_TASK_SWITCH: u64 = 0x07d;
export const VMEXIT_SHUTDOWN: u64 = 0x07f;
export const VMEXIT_VMRUN: u64 = 0x080;
export const VMEXIT_VMMCALL: u64 = 0x081;
export const VMEXIT_VMLOAD: u64 = 0x082;
export const VMEXIT_VMSAVE: u64 = 0x083;
export const VMEXIT_STGI: u64 = 0x084;
export const VMEXIT_CLGI: u64 = 0x085;
export const VMEXIT_SKINIT: u64 = 0x086;
export const VMEXIT_WBINVD: u64 = 0x089;
export const VMEXIT_MONITOR: u64 = 0x08a; // MONITOR and MONITORX
export const VMEXIT_MWAIT: u64 = 0x08b; // MWAIT and MWAITX, unconditionally
export const VMEXIT_MWAIT_CONDITIONAL: u64 = 0x08c; // the same, with the monitor armed
export const VMEXIT_XSETBV: u64 = 0x08d;
export const VMEXIT_NPF: u64 = 0x400;
export const VMEXIT_INVALID: u64 = 0xffffffffffffffff; // VMRUN refused the guest state

// The APM defines VMEXIT_INVALID as a 64-bit -1; QEMU's TCG stores it as a
// 32-bit -1, zero-extended. Accept both.
export function isVmexitInvalid(code: u64): bool {
  return code == VMEXIT_INVALID || code == 0xffffffff;
}

export function kindOfSvmExit(code: u64, exitInfo1: u64): ExitKind {
  if (code == VMEXIT_CR0_WRITE || code == VMEXIT_CR4_WRITE) return ExitKind.CrAccess;
  if (code >= VMEXIT_EXCP_BASE && code < VMEXIT_EXCP_BASE + 32) return ExitKind.Exception;
  if (code == VMEXIT_INTR || code == VMEXIT_NMI) return ExitKind.ExternalInterrupt;
  if (code == VMEXIT_VINTR) return ExitKind.InterruptWindow;
  if (code == VMEXIT_IRET) return ExitKind.NmiWindow;
  if (code == VMEXIT_CPUID) return ExitKind.Cpuid;
  if (code == VMEXIT_HLT) return ExitKind.Hlt;
  if (code == VMEXIT_IOIO) return ExitKind.Io;
  // EXITINFO1 = 0 for RDMSR, 1 for WRMSR (APM Vol. 2 §15.11).
  if (code == VMEXIT_MSR) return exitInfo1 == 0 ? ExitKind.MsrRead : ExitKind.MsrWrite;
  if (code == VMEXIT_TASK_SWITCH) return ExitKind.TaskSwitch;
  if (code == VMEXIT_SHUTDOWN) return ExitKind.TripleFault;
  if (code == VMEXIT_VMMCALL) return ExitKind.Hypercall;
  // The SVM instructions but VMMCALL (the hypercall), INVLPGA, and MONITOR/
  // MWAIT (hidden by CPUID): #UD in the guest.
  if (code == VMEXIT_VMRUN || (code > VMEXIT_VMMCALL && code <= VMEXIT_SKINIT) || code == VMEXIT_INVLPGA ||
    (code >= VMEXIT_MONITOR && code <= VMEXIT_MWAIT_CONDITIONAL)) return ExitKind.VirtInstruction;
  if (code == VMEXIT_XSETBV) return ExitKind.Xsetbv;
  if (code == VMEXIT_INVD || code == VMEXIT_WBINVD) return ExitKind.CacheFlush;
  if (code == VMEXIT_NPF) return ExitKind.NestedPageFault;
  if (isVmexitInvalid(code)) return ExitKind.EntryFailure;
  return ExitKind.Unhandled;
}
