// Filling a VMCS: controls from the capability MSRs and the host state the
// CPU returns to on every exit (SDM Vol. 3C §25.5-25.8 field meanings). The
// guest's own state comes from a loader (kernel/vmx/vmcs-guest-state.ts).
import { rdmsr, readCr, hostTables } from "../hal/imports";
import * as F from "./vmcs-fields";
import * as C from "./controls";
import {
  IA32_VMX_BASIC, IA32_VMX_PINBASED_CTLS, IA32_VMX_PROCBASED_CTLS, IA32_VMX_EXIT_CTLS, IA32_VMX_ENTRY_CTLS,
  IA32_VMX_TRUE_PINBASED_CTLS, IA32_VMX_TRUE_PROCBASED_CTLS, IA32_VMX_TRUE_EXIT_CTLS, IA32_VMX_TRUE_ENTRY_CTLS,
  IA32_VMX_PROCBASED_CTLS2, IA32_EFER,
} from "../cpu/msr-index";
import { vmcsWrite as w } from "./vmcs-write";
import { GuestFeatures } from "../vm/guest-features";
import { begin, endl, puts, putHex } from "../console/console";

const BASIC_TRUE_CTLS: u64 = <u64>1 << 55;
const KERNEL_CS: u64 = 0x08; // boot/entry32.S GDT
const KERNEL_DS: u64 = 0x10;
const VPID_GUEST: u64 = 1; // 0 is the host's (SDM §29.1)

const tables = memory.data(32, 8);

// Adjust to the capability MSR; TRUE_* variants where IA32_VMX_BASIC says
// they exist (they allow clearing default-1 controls, Appendix A.2).
function control(name: string, wanted: u32, msr: u32, trueMsr: u32, useTrue: bool): u32 {
  const a = C.adjustControls(wanted, rdmsr(useTrue ? trueMsr : msr));
  if (a.missing != 0) {
    begin("VMX: ");
    puts(name);
    puts(" controls lack wanted bits ");
    putHex(a.missing, 8);
    endl();
  }
  return a.value;
}

// Also records in `features` what the controls let the guest execute.
// Returns the primary processor-based controls written.
export function setupControls(eptp: u64, msrBitmapPhys: u64, features: GuestFeatures): u32 {
  const useTrue = (rdmsr(IA32_VMX_BASIC) & BASIC_TRUE_CTLS) != 0;
  // The preemption timer where the CPU allows it (optional: the host's
  // local APIC timer stands in otherwise, kernel/platform/host-timer.ts).
  const pinCaps = rdmsr(useTrue ? IA32_VMX_TRUE_PINBASED_CTLS : IA32_VMX_PINBASED_CTLS);
  const preemption = C.PIN_PREEMPTION_TIMER & <u32>(pinCaps >> 32);
  // Virtual NMIs where the CPU has them: without, the guest gets no NMIs
  // (nothing would say when its handler's IRET unblocks the next one).
  const virtualNmis = C.PIN_VIRTUAL_NMIS & <u32>(pinCaps >> 32);
  features.nmi = virtualNmis != 0;
  w(F.PIN_BASED_VM_EXEC_CONTROL, control("pin-based",
    C.PIN_EXTERNAL_INTERRUPT_EXITING | C.PIN_NMI_EXITING | preemption | virtualNmis,
    IA32_VMX_PINBASED_CTLS, IA32_VMX_TRUE_PINBASED_CTLS, useTrue));
  const proc = control("processor-based",
    C.PROC_HLT_EXITING | C.PROC_MWAIT_EXITING | C.PROC_MONITOR_EXITING | C.PROC_USE_TSC_OFFSETTING |
      C.PROC_CR8_LOAD_EXITING | C.PROC_CR8_STORE_EXITING | C.PROC_UNCONDITIONAL_IO_EXITING | C.PROC_USE_MSR_BITMAPS |
      C.PROC_ACTIVATE_SECONDARY,
    IA32_VMX_PROCBASED_CTLS, IA32_VMX_TRUE_PROCBASED_CTLS, useTrue);
  w(F.CPU_BASED_VM_EXEC_CONTROL, proc);
  const procCaps = rdmsr(useTrue ? IA32_VMX_TRUE_PROCBASED_CTLS : IA32_VMX_PROCBASED_CTLS);
  features.nmi = features.nmi && (<u32>(procCaps >> 32) & C.PROC_NMI_WINDOW_EXITING) != 0;
  // RDTSCP (with RDPID) and INVPCID run natively once enabled: asked for
  // where the CPU allows them (not required, so never reported missing),
  // and offered by CPUID only where granted (kernel/vm/cpuid-policy.ts).
  // ENCLS exiting only exists where the CPU has SGX: asked for there.
  const optional = (C.PROC2_ENABLE_RDTSCP | C.PROC2_ENABLE_INVPCID | C.PROC2_ENABLE_ENCLS_EXITING) &
    <u32>(rdmsr(IA32_VMX_PROCBASED_CTLS2) >> 32);
  const proc2 = control("secondary",
    C.PROC2_ENABLE_EPT | C.PROC2_ENABLE_VPID | C.PROC2_UNRESTRICTED_GUEST | optional,
    IA32_VMX_PROCBASED_CTLS2, IA32_VMX_PROCBASED_CTLS2, false);
  w(F.SECONDARY_VM_EXEC_CONTROL, proc2);
  const secondary = (proc & C.PROC_ACTIVATE_SECONDARY) != 0;
  features.rdtscp = secondary && (proc2 & C.PROC2_ENABLE_RDTSCP) != 0;
  features.invpcid = secondary && (proc2 & C.PROC2_ENABLE_INVPCID) != 0;
  // Every ENCLS leaf exits (bit n of the bitmap: EAX = n; EAX of 63 and
  // above is governed by bit 63, SDM Vol. 3C §25.6.16).
  if (secondary && (proc2 & C.PROC2_ENABLE_ENCLS_EXITING) != 0) w(F.ENCLS_EXITING_BITMAP, 0xffffffffffffffff);
  w(F.VM_EXIT_CONTROLS, control("VM-exit",
    C.EXIT_SAVE_DEBUG_CONTROLS | C.EXIT_HOST_ADDRESS_SPACE_SIZE | C.EXIT_SAVE_IA32_EFER | C.EXIT_LOAD_IA32_EFER,
    IA32_VMX_EXIT_CTLS, IA32_VMX_TRUE_EXIT_CTLS, useTrue));
  w(F.VM_ENTRY_CONTROLS, control("VM-entry", C.ENTRY_LOAD_DEBUG_CONTROLS | C.ENTRY_LOAD_IA32_EFER, IA32_VMX_ENTRY_CTLS, IA32_VMX_TRUE_ENTRY_CTLS, useTrue));
  w(F.EXCEPTION_BITMAP, 0);
  w(F.EPT_POINTER, eptp);
  w(F.TSC_OFFSET, 0); // the VM's clock offset (kernel/vm/clock.ts), moved by a write to IA32_TSC
  w(F.MSR_BITMAP, msrBitmapPhys);
  w(F.VIRTUAL_PROCESSOR_ID, VPID_GUEST);
  w(F.VMCS_LINK_POINTER, 0xffffffffffffffff); // no shadow VMCS (§26.3.1.5)
  // The CR0/CR4 guest/host masks and read shadows are the guest state's
  // (vmcs-guest-state.ts), written at each start.
  return proc;
}

export function setupHostState(): void {
  hostTables(tables);
  w(F.HOST_CR0, readCr(0));
  w(F.HOST_CR3, readCr(3));
  w(F.HOST_CR4, readCr(4));
  w(F.HOST_CS_SELECTOR, KERNEL_CS);
  w(F.HOST_SS_SELECTOR, KERNEL_DS);
  w(F.HOST_DS_SELECTOR, KERNEL_DS);
  w(F.HOST_ES_SELECTOR, KERNEL_DS);
  w(F.HOST_FS_SELECTOR, 0);
  w(F.HOST_GS_SELECTOR, 0);
  w(F.HOST_TR_SELECTOR, load<u64>(tables, 16));
  w(F.HOST_FS_BASE, 0);
  w(F.HOST_GS_BASE, 0);
  w(F.HOST_TR_BASE, load<u64>(tables, 24));
  w(F.HOST_GDTR_BASE, load<u64>(tables, 0));
  w(F.HOST_IDTR_BASE, load<u64>(tables, 8));
  w(F.HOST_IA32_SYSENTER_CS, 0);
  w(F.HOST_IA32_SYSENTER_ESP, 0);
  w(F.HOST_IA32_SYSENTER_EIP, 0);
  w(F.HOST_IA32_EFER, rdmsr(IA32_EFER));
  // HOST_RSP and HOST_RIP are written by the trampoline on every entry.
}
