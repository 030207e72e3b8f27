// What Intel VT-x offers on this CPU, read from IA32_FEATURE_CONTROL and the
// VMX capability MSRs (Intel SDM Vol. 3C §24.1 / §25.1, Vol. 3D Appendix A).
// Each MSR is read only where the SDM says it exists, so this never #GPs.
import { rdmsr } from "../hal/imports";
import {
  IA32_FEATURE_CONTROL, IA32_VMX_BASIC, IA32_VMX_PROCBASED_CTLS,
  IA32_VMX_PROCBASED_CTLS2, IA32_VMX_EPT_VPID_CAP,
} from "../cpu/msr-index";
import { CpuInfo } from "../cpu/identify";

// IA32_FEATURE_CONTROL (SDM Vol. 3C §24.7 "Enabling and Entering VMX Operation").
const FC_LOCK: u64 = 1 << 0;
const FC_VMX_OUTSIDE_SMX: u64 = 1 << 2;
// IA32_VMX_BASIC (Appendix A.1).
const BASIC_REVISION_MASK: u64 = 0x7fffffff; // bits 30:0
const BASIC_TRUE_CTLS: u64 = 1 << 55;
// IA32_VMX_PROCBASED_CTLS allowed-1 half (bits 63:32), bit 31: activate
// secondary controls (Appendix A.3.2, Table 25-6 / 26-6).
const PROC_ACTIVATE_SECONDARY: u64 = (<u64>1 << 31) << 32;
// Secondary processor-based controls, allowed-1 half (Appendix A.3.3).
const PROC2_ENABLE_EPT: u64 = (<u64>1 << 1) << 32;
const PROC2_ENABLE_VPID: u64 = (<u64>1 << 5) << 32;
const PROC2_UNRESTRICTED_GUEST: u64 = (<u64>1 << 7) << 32;
// IA32_VMX_EPT_VPID_CAP (Appendix A.10).
const EPT_WALK_4: u64 = 1 << 6;
const EPT_WB: u64 = 1 << 14;
const EPT_2M: u64 = 1 << 16;
const EPT_1G: u64 = 1 << 17;
const EPT_INVEPT: u64 = 1 << 20;
const EPT_INVEPT_SINGLE: u64 = 1 << 25;
const EPT_INVEPT_ALL: u64 = 1 << 26;
const EPT_INVVPID: u64 = <u64>1 << 32;

export enum FeatureControl {
  Unlocked,          // firmware left it open: we may enable and lock VMX
  LockedEnabled,     // locked with VMX outside SMX on: usable
  LockedDisabled,    // locked with VMX off: only the firmware setup can change it
}

export class VmxCaps {
  present: bool = false;
  featureControl: FeatureControl = FeatureControl.Unlocked;
  revision: u32 = 0;
  regionSize: u32 = 0;
  trueControls: bool = false;
  secondaryControls: bool = false;
  ept: bool = false;
  vpid: bool = false;
  unrestrictedGuest: bool = false;
  eptWalk4: bool = false;
  ept2M: bool = false;
  ept1G: bool = false;
  eptWriteBack: bool = false;
  invept: bool = false;
  inveptSingle: bool = false;
  inveptAll: bool = false;
  invvpid: bool = false;

  usable(): bool { return this.present && this.featureControl != FeatureControl.LockedDisabled; }
}

export const vmxCaps = new VmxCaps();

export function readVmxCaps(cpu: CpuInfo): VmxCaps {
  const c = vmxCaps;
  c.present = cpu.vmx;
  if (!c.present) return c;
  // The MSR exists when CPUID.01H:ECX.VMX or .SMX is set (SDM Vol. 4 Table 2-2).
  const fc = rdmsr(IA32_FEATURE_CONTROL);
  if ((fc & FC_LOCK) == 0) c.featureControl = FeatureControl.Unlocked;
  else c.featureControl = (fc & FC_VMX_OUTSIDE_SMX) != 0 ? FeatureControl.LockedEnabled : FeatureControl.LockedDisabled;

  const basic = rdmsr(IA32_VMX_BASIC);
  c.revision = <u32>(basic & BASIC_REVISION_MASK);
  c.regionSize = <u32>((basic >> 32) & 0x1fff); // bits 44:32
  c.trueControls = (basic & BASIC_TRUE_CTLS) != 0;

  c.secondaryControls = (rdmsr(IA32_VMX_PROCBASED_CTLS) & PROC_ACTIVATE_SECONDARY) != 0;
  if (!c.secondaryControls) return c; // IA32_VMX_PROCBASED_CTLS2 exists only then (A.3.3)
  const proc2 = rdmsr(IA32_VMX_PROCBASED_CTLS2);
  c.ept = (proc2 & PROC2_ENABLE_EPT) != 0;
  c.vpid = (proc2 & PROC2_ENABLE_VPID) != 0;
  c.unrestrictedGuest = (proc2 & PROC2_UNRESTRICTED_GUEST) != 0;
  if (!c.ept && !c.vpid) return c; // IA32_VMX_EPT_VPID_CAP exists only then (A.10)
  const cap = rdmsr(IA32_VMX_EPT_VPID_CAP);
  c.eptWalk4 = c.ept && (cap & EPT_WALK_4) != 0;
  c.eptWriteBack = c.ept && (cap & EPT_WB) != 0;
  c.ept2M = c.ept && (cap & EPT_2M) != 0;
  c.ept1G = c.ept && (cap & EPT_1G) != 0;
  c.invept = c.ept && (cap & EPT_INVEPT) != 0;
  c.inveptSingle = c.invept && (cap & EPT_INVEPT_SINGLE) != 0;
  c.inveptAll = c.invept && (cap & EPT_INVEPT_ALL) != 0;
  c.invvpid = c.vpid && (cap & EPT_INVVPID) != 0;
  return c;
}
