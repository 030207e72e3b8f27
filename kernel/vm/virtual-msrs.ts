// The MSR values a vCPU's guest sees where the hypervisor emulates them
// (kernel/vm/msr-policy.ts says which), with their power-on values.
import { PAT_RESET } from "../arch/x86";

// xAPIC at 0xFEE00000, globally enabled (bit 11), this is the BSP (bit 8)
// (SDM Vol. 3A §12.4.4, Figure 12-5).
export const APIC_BASE_RESET: u64 = 0xfee00900;
// Fast strings enabled (bit 0), as firmware leaves it (SDM Vol. 4 Table 2-2).
export const MISC_ENABLE_RESET: u64 = 0x1;

export class VirtualMsrs {
  apicBase: u64 = APIC_BASE_RESET;
  miscEnable: u64 = MISC_ENABLE_RESET;
  pat: u64 = PAT_RESET;
  mtrrDefType: u64 = 0; // MTRRs disabled, default type UC (SDM Vol. 3A §13.11.2.1)
  // IA32_TSC is the VM's clock (kernel/vm/clock.ts): its offset, not here.
}
