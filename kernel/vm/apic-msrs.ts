// The vCPU's local APIC as the MSR exits (kernel/exits/msr.ts) see it:
// IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC registers at MSRs
// 800H-8FFH (Intel SDM Vol. 3A §12.12.1.2). The device model
// (drivers/lapic/lapic-msrs.ts) implements it; kernel/vm/msr-policy.ts
// declares these MSRs emulated, and the device decides what each access
// means in the APIC's present mode — #GP where the SDM says so.
export abstract class ApicMsrs {
  // The value of the last successful read.
  value: u64 = 0;
  // RDMSR: true with `value` set, false for #GP.
  abstract read(msr: u32): bool;
  // WRMSR: false for #GP (nothing changed).
  abstract write(msr: u32, value: u64): bool;
}
