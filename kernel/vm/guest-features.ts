// What the backend really enabled for a guest: the instructions it can
// execute without #UD; and the device models CPUID describes. CPUID offers
// a feature that depends on one of these only where it is true
// (kernel/vm/cpuid-policy.ts). Each backend fills the instructions when it
// creates the vCPU: VMX from the secondary controls the CPU granted
// (kernel/vmx/vmcs-setup.ts), SVM from what runs unintercepted
// (kernel/svm/svm-create.ts); the VM build fills the local APIC's.
export class GuestFeatures {
  // NMIs can be injected, with their blocking until the guest's IRET
  // tracked (VMX virtual NMIs; SVM always, by the IRET intercept).
  nmi: bool = false;
  // XSAVE/XRSTOR and XSETBV, and with them AVX: the hypervisor runs with
  // CR4.OSXSAVE so that it can load the guest's XCR0 (kernel/platform/xsave.ts).
  xsave: bool = false;
  // RDTSCP and RDPID. VMX: the "enable RDTSCP" control, without which both
  // raise #UD (SDM Vol. 3C §26.3, Table 25-7). SVM: not intercepted.
  rdtscp: bool = false;
  // INVPCID. VMX: the "enable INVPCID" control, without which it raises #UD
  // (SDM Vol. 3C §26.3, Table 25-7). SVM: not intercepted.
  invpcid: bool = false;
  // XSAVES/XRSTORS and IA32_XSS, with no supervisor component (XSS holds
  // only 0). VMX: never — the "enable XSAVES/XRSTORS" control stays off, so
  // both raise #UD (SDM Vol. 3C §26.3, Table 25-7). SVM: wherever the host
  // has them and XSAVE is on, because SVM has no intercept for them (APM
  // Vol. 2 Table B-1): they run whatever CPUID says, so CPUID says so
  // (docs/host-differences.md). They run on the host's IA32_XSS, which
  // tsvisor leaves at its reset value 0: the guest's XSS, 0 too.
  xsaves: bool = false;
  // A local APIC model (drivers/lapic/): xAPIC and x2APIC, the TSC-deadline
  // timer mode, a timer that runs whatever the vCPU does (ARAT), and its
  // timer's input clock in kHz (kernel/run-guest.ts addLocalApic).
  lapic: bool = false;
  apicTimerKhz: u32 = 0;
}
