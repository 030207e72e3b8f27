// Entering VMX operation (Intel SDM Vol. 3C §24.7-24.8): lock
// IA32_FEATURE_CONTROL with VMX on if the firmware left it open, apply the
// CR0/CR4 fixed bits (Appendix A.7-A.8), set CR4.VMXE, and VMXON with a
// region carrying the VMCS revision identifier.
import { rdmsr, wrmsr, readCr, writeCr, vmxon } from "../hal/imports";
import {
  IA32_FEATURE_CONTROL, IA32_VMX_CR0_FIXED0, IA32_VMX_CR0_FIXED1, IA32_VMX_CR4_FIXED0, IA32_VMX_CR4_FIXED1,
} from "../cpu/msr-index";
import { VmxCaps, FeatureControl } from "../virt/vmx-caps";
import { allocPage, physOf } from "../mm/linear";
import { begin, endl, line, puts, putDec } from "../console/console";
import { CR4_VMXE } from "../arch/x86";

const FC_LOCK: u64 = 1 << 0;
const FC_VMX_OUTSIDE_SMX: u64 = 1 << 2;

export function fixedBits(value: u64, fixed0: u64, fixed1: u64): u64 {
  return (value | fixed0) & fixed1;
}

export function enableVmx(caps: VmxCaps): bool {
  if (!caps.usable()) {
    line("VMX: not usable on this CPU (see the report above)");
    return false;
  }
  if (caps.featureControl == FeatureControl.Unlocked) {
    wrmsr(IA32_FEATURE_CONTROL, rdmsr(IA32_FEATURE_CONTROL) | FC_LOCK | FC_VMX_OUTSIDE_SMX);
    line("VMX: IA32_FEATURE_CONTROL locked with VMX outside SMX enabled");
  }
  writeCr(0, fixedBits(readCr(0), rdmsr(IA32_VMX_CR0_FIXED0), rdmsr(IA32_VMX_CR0_FIXED1)));
  writeCr(4, fixedBits(readCr(4) | CR4_VMXE, rdmsr(IA32_VMX_CR4_FIXED0), rdmsr(IA32_VMX_CR4_FIXED1)));
  const region = allocPage();
  store<u32>(region, caps.revision); // bit 31 clear (SDM §25.11.5)
  const st = vmxon(physOf(region));
  if (st != 0) {
    begin("VMX: VMXON failed (");
    puts(st == 1 ? "VMfailInvalid" : "VMfailValid");
    puts(", status ");
    putDec(st);
    puts(")");
    endl();
    return false;
  }
  line("VMX: on (VMXON succeeded)");
  return true;
}
