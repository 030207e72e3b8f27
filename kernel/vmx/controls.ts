// VM-execution, VM-exit and VM-entry controls: what tsvisor wants, adjusted
// to what the CPU allows (Intel SDM Vol. 3D Appendix A.3-A.5). Each
// capability MSR holds the allowed-0 settings in bits 31:0 (a 1 there: the
// control must be 1) and the allowed-1 settings in bits 63:32 (a 0 there:
// the control must be 0).

// Pin-based controls (SDM Vol. 3C §25.6.1, Table 25-5).
export const PIN_EXTERNAL_INTERRUPT_EXITING: u32 = 1 << 0; // host interrupts exit, never reach the guest
export const PIN_NMI_EXITING: u32 = 1 << 3;
// The CPU tracks the guest's NMI blocking (interruptibility bit 3) for NMIs
// the hypervisor injects, as it does for real ones (SDM Vol. 3C §25.6.1,
// §26.7.1: blocking until the guest's IRET); needs NMI exiting.
export const PIN_VIRTUAL_NMIS: u32 = 1 << 5;
export const PIN_PREEMPTION_TIMER: u32 = 1 << 6; // counts down in the guest at TSC >> IA32_VMX_MISC[4:0], exits at 0
// Primary processor-based controls (§25.6.2, Table 25-6).
export const PROC_INTERRUPT_WINDOW_EXITING: u32 = 1 << 2; // exit once the guest can take an interrupt
export const PROC_USE_TSC_OFFSETTING: u32 = 1 << 3; // RDTSC/RDTSCP/RDMSR(TSC) in the guest add TSC_OFFSET
export const PROC_HLT_EXITING: u32 = 1 << 7; // the vCPU sleeps in the hypervisor
// MWAIT and MONITOR exit (basic reasons 36 and 39, SDM Vol. 3C §26.1.3):
// CPUID hides them (kernel/vm/cpuid-policy.ts), and the guest gets the #UD
// of a CPU without them (SDM Vol. 2B MONITOR, MWAIT: #UD if
// CPUID.01H:ECX.MONITOR[bit 3] = 0); running natively they would arm and
// idle the physical CPU.
export const PROC_MWAIT_EXITING: u32 = 1 << 10;
export const PROC_MONITOR_EXITING: u32 = 1 << 29;
export const PROC_NMI_WINDOW_EXITING: u32 = 1 << 22; // exit once no NMI blocking is left (needs virtual NMIs, §25.6.2)
// MOV to and from CR8 exit: CR8 is the local APIC model's TPR (kernel/exits/
// cr-access.ts). Without them, and without a TPR shadow, a 64-bit guest's
// MOV to CR8 would write the host's own TPR (SDM Vol. 3C §26.3).
export const PROC_CR8_LOAD_EXITING: u32 = 1 << 19;
export const PROC_CR8_STORE_EXITING: u32 = 1 << 20;
export const PROC_UNCONDITIONAL_IO_EXITING: u32 = 1 << 24; // every IN/OUT goes to the port bus
export const PROC_USE_MSR_BITMAPS: u32 = 1 << 28; // MSRs exit as kernel/vm/msr-policy.ts declares
export const PROC_ACTIVATE_SECONDARY: u32 = 1 << 31;
// Secondary processor-based controls (Table 25-7).
export const PROC2_ENABLE_EPT: u32 = 1 << 1;
export const PROC2_ENABLE_RDTSCP: u32 = 1 << 3; // else RDTSCP and RDPID raise #UD (§26.3)
export const PROC2_ENABLE_VPID: u32 = 1 << 5;
export const PROC2_UNRESTRICTED_GUEST: u32 = 1 << 7; // real mode and unpaged protected mode run natively
export const PROC2_ENABLE_INVPCID: u32 = 1 << 12; // else INVPCID raises #UD (§26.3)
// ENCLS exits for each leaf set in the ENCLS-exiting bitmap (basic reason
// 60, §26.1.3, §25.6.16): SGX is hidden from the guest, so every leaf exits
// and raises #UD, as on a CPU without SGX (SDM Vol. 3D §38.2: #UD if
// CPUID.(EAX=12H,ECX=0H):EAX.SGX1 = 0). Only CPUs with SGX have it; on the
// others ENCLS raises #UD by itself. ENCLU has no such control
// (docs/host-differences.md).
export const PROC2_ENABLE_ENCLS_EXITING: u32 = 1 << 15;
// VM-exit controls (§25.7.1, Table 25-13).
// Save debug controls: the exit stores the guest's DR7 and IA32_DEBUGCTL in
// the guest-state area, before it sets DR7 to 400H and clears DEBUGCTL for
// the host (§28.3.1, §28.5.1); without it the guest's DR7 is lost at every exit.
export const EXIT_SAVE_DEBUG_CONTROLS: u32 = 1 << 2;
export const EXIT_HOST_ADDRESS_SPACE_SIZE: u32 = 1 << 9; // return to a 64-bit host
export const EXIT_SAVE_IA32_EFER: u32 = 1 << 20;
export const EXIT_LOAD_IA32_EFER: u32 = 1 << 21;
// VM-entry controls (§25.8.1, Table 25-15).
// Load debug controls: the entry loads DR7 and IA32_DEBUGCTL from the
// guest-state area (§27.3.2.1), where the last exit saved them.
export const ENTRY_LOAD_DEBUG_CONTROLS: u32 = 1 << 2;
export const ENTRY_IA32E_MODE_GUEST: u32 = 1 << 9;
export const ENTRY_LOAD_IA32_EFER: u32 = 1 << 15;

export class Adjusted {
  value: u32 = 0;
  missing: u32 = 0; // wanted bits the CPU cannot set
}

// `wanted` with every must-be-1 bit set and every must-be-0 bit cleared.
export function adjustControls(wanted: u32, capability: u64): Adjusted {
  const allowed0 = <u32>capability; // must be 1
  const allowed1 = <u32>(capability >> 32); // may be 1
  const r = new Adjusted();
  r.value = (wanted | allowed0) & allowed1;
  r.missing = wanted & ~allowed1;
  return r;
}
