// The MSR values a vCPU's guest sees where the hypervisor emulates them
// (kernel/vm/msr-policy.ts says which), with their power-on values.
import { PAT_RESET } from "../arch/x86";

// Fast strings enabled (bit 0), as firmware leaves it (SDM Vol. 4 Table 2-2).
export const MISC_ENABLE_RESET: u64 = 0x1;

export class VirtualMsrs {
  miscEnable: u64 = MISC_ENABLE_RESET;
  pat: u64 = PAT_RESET;
  mtrrDefType: u64 = 0; // MTRRs disabled, default type UC (SDM Vol. 3A §13.11.2.1)
  // IA32_TSC is the VM's clock (kernel/vm/clock.ts): its offset, not here.
  // IA32_APIC_BASE and IA32_TSC_DEADLINE are the local APIC's (vcpu.apic).

  // Back to the power-on values, for a reset of the machine (kernel/vm/vcpu.ts reset).
  reset(): void {
    this.miscEnable = MISC_ENABLE_RESET;
    this.pat = PAT_RESET;
    this.mtrrDefType = 0;
  }
}
