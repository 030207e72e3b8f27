// The virtualization report printed at boot: what the CPU offers and whether
// tsvisor can use it.
import { begin, endl, line, putc, puts, putHex, putDec, yesNo } from "../console/console";
import { CpuInfo } from "../cpu/identify";
import { FeatureControl, VmxCaps } from "./vmx-caps";
import { SvmCaps } from "./svm-caps";

export enum VirtKind { None, Vmx, Svm }

function reportVmx(c: VmxCaps): void {
  line("virtualization: Intel VT-x (VMX)");
  begin("  VMX: present, ");
  if (c.featureControl == FeatureControl.LockedEnabled) {
    puts("usable (IA32_FEATURE_CONTROL locked with VMX outside SMX enabled)");
  } else if (c.featureControl == FeatureControl.Unlocked) {
    puts("usable (IA32_FEATURE_CONTROL unlocked: tsvisor will enable VMX and lock it)");
  } else {
    puts("NOT usable: disabled by firmware (IA32_FEATURE_CONTROL locked with VMX off); enable VT-x in the firmware setup");
  }
  endl();
  begin("  VMCS revision: ");
  putHex(c.revision, 8);
  puts(", region size ");
  putDec(c.regionSize);
  puts(" bytes, TRUE capability MSRs: ");
  yesNo(c.trueControls);
  endl();
  begin("  EPT: ");
  yesNo(c.ept);
  if (c.ept) {
    puts(" (4-level walk: ");
    yesNo(c.eptWalk4);
    puts(", 2 MiB pages: ");
    yesNo(c.ept2M);
    puts(", 1 GiB pages: ");
    yesNo(c.ept1G);
    puts(", write-back: ");
    yesNo(c.eptWriteBack);
    puts(", INVEPT: ");
    yesNo(c.invept);
    puts(")");
  }
  endl();
  begin("  VPID: ");
  yesNo(c.vpid);
  if (c.vpid) {
    puts(" (INVVPID: ");
    yesNo(c.invvpid);
    puts(")");
  }
  endl();
  begin("  unrestricted guest: ");
  yesNo(c.unrestrictedGuest);
  endl();
}

function reportSvm(c: SvmCaps): void {
  line("virtualization: AMD-V (SVM)");
  begin("  SVM: present, ");
  if (c.noVmCr) puts("usable (no VM_CR MSR, so SVMDIS cannot be set; Bochs 2.7 lacks it)");
  else if (!c.disabled) puts("usable (VM_CR.SVMDIS clear)");
  else if (c.locked) puts("NOT usable: disabled by firmware (VM_CR.SVMDIS set and locked); enable SVM in the firmware setup");
  else puts("NOT usable: disabled (VM_CR.SVMDIS set)");
  endl();
  begin("  SVM revision: ");
  putDec(c.revision);
  puts(", ASIDs: ");
  putDec(c.asids);
  endl();
  begin("  nested paging (NPT): ");
  yesNo(c.npt);
  endl();
  begin("  NRIP save: ");
  yesNo(c.nripSave);
  endl();
  begin("  VMCB clean bits: ");
  yesNo(c.vmcbClean);
  puts(", flush by ASID: ");
  yesNo(c.flushByAsid);
  puts(", decode assists: ");
  yesNo(c.decodeAssists);
  endl();
}

// Print the report; return which backend could run guests (None if neither).
export function reportVirtualization(cpu: CpuInfo, vmx: VmxCaps, svm: SvmCaps): VirtKind {
  if (cpu.underHypervisor) {
    begin("running under a hypervisor: ");
    const sig = cpu.hypervisorSig;
    for (let i = 0; i < 12; i++) {
      const b = load<u8>(sig + i);
      if (b != 0) putc8(b);
    }
    endl();
  }
  if (vmx.present) reportVmx(vmx);
  if (svm.present) reportSvm(svm);
  if (!vmx.present && !svm.present) {
    line("virtualization: no hardware virtualization (CPUID reports neither VMX nor SVM)");
    return VirtKind.None;
  }
  if (vmx.usable() && vmx.ept) {
    line("verdict: VMX with EPT is usable");
    return VirtKind.Vmx;
  }
  if (svm.usable() && svm.npt) {
    line("verdict: SVM with nested paging is usable");
    return VirtKind.Svm;
  }
  // Say what is missing: tsvisor maps guest memory only with EPT / NPT.
  if (vmx.present && !vmx.usable()) line("verdict: not usable: VMX is disabled by the firmware");
  else if (vmx.present) line("verdict: not usable: VMX without EPT (tsvisor needs EPT)");
  if (svm.present && !svm.usable()) line("verdict: not usable: SVM is disabled (VM_CR.SVMDIS)");
  else if (svm.present) line("verdict: not usable: SVM without nested paging (tsvisor needs NPT)");
  return VirtKind.None;
}

export function printCpu(cpu: CpuInfo): void {
  begin("CPU: ");
  for (let i = 0; i < 12; i++) putc8(load<u8>(cpu.vendor + i));
  puts(" family ");
  putDec(cpu.family);
  puts(" model ");
  putDec(cpu.model);
  puts(" stepping ");
  putDec(cpu.stepping);
  if (cpu.hasBrand) {
    puts(": ");
    // The brand string is NUL-padded and often starts with spaces.
    let started = false;
    for (let i = 0; i < 48; i++) {
      const b = load<u8>(cpu.brand + i);
      if (b == 0) break;
      if (b != 0x20) started = true;
      if (started) putc8(b);
    }
  }
  endl();
}

function putc8(b: u8): void {
  const c = <u32>b;
  putc(c >= 0x20 && c < 0x7f ? c : 0x3f);
}
