// `vmxcaps=hex` on the command line prints the VMX capability MSRs as the
// CPU reports them (like Linux's tools/arch/x86/vmxcap): for diagnosing a
// new machine, and the source of the real values in test/fixtures/.
// Only MSRs the SDM says exist are read (Appendix A.1, A.3.3, A.10).
import { rdmsr } from "../hal/imports";
import { begin, endl, puts, putHex } from "../console/console";
import { VmxCaps } from "./vmx-caps";

const FIRST_BASIC: u32 = 0x480; // IA32_VMX_BASIC .. IA32_VMX_VMCS_ENUM (0x48a)
const LAST_BASIC: u32 = 0x48a;
const PROCBASED_CTLS2: u32 = 0x48b;
const EPT_VPID_CAP: u32 = 0x48c;
const FIRST_TRUE: u32 = 0x48d; // the four TRUE_* MSRs
const LAST_TRUE: u32 = 0x490;

function dumpOne(msr: u32): void {
  begin("vmxcap ");
  putHex(msr, 3);
  puts(" ");
  putHex(rdmsr(msr), 16);
  endl();
}

export function dumpVmxCaps(c: VmxCaps): void {
  if (!c.present) return;
  for (let m = FIRST_BASIC; m <= LAST_BASIC; m++) dumpOne(m);
  if (c.secondaryControls) dumpOne(PROCBASED_CTLS2);
  if (c.ept || c.vpid) dumpOne(EPT_VPID_CAP);
  if (c.trueControls) for (let m = FIRST_TRUE; m <= LAST_TRUE; m++) dumpOne(m);
}
