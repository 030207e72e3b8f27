// CPUID exits (SDM Vol. 3C §26.1.2: CPUID always exits in VMX non-root
// operation). The guest sees the host's values, filtered: VMX and SVM are
// hidden (no nested virtualization), the hypervisor-present bit is set, and
// the hypervisor leaves 0x40000000+ describe tsvisor.
import { Vcpu, RAX, RBX, RCX, RDX } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { cpuid } from "../cpu/cpuid";
import { CR4_OSXSAVE } from "../arch/x86";

const CPUID1_ECX_VMX: u32 = 1 << 5;
const CPUID1_ECX_HYPERVISOR: u32 = 1 << 31;
// OSXSAVE mirrors CR4.OSXSAVE: the guest's, not the hypervisor's (SDM Vol. 2A CPUID).
const CPUID1_ECX_OSXSAVE: u32 = 1 << 27;
const CPUID81_ECX_SVM: u32 = 1 << 2;
const LEAF_HV_BASE: u32 = 0x40000000;
const LEAF_HV_TSC: u32 = 0x40000001;
const LEAF_HV_LAST: u32 = 0x400000ff;
// "tsvisorTSVI" as EBX, ECX, EDX (little-endian), like KVM's "KVMKVMKVM".
const SIG_EBX: u32 = 0x69767374; // "tsvi"
const SIG_ECX: u32 = 0x54726f73; // "sorT"
const SIG_EDX: u32 = 0x00495653; // "SVI\0"


function set(vcpu: Vcpu, a: u32, b: u32, c: u32, d: u32): void {
  vcpu.setGpr(RAX, a);
  vcpu.setGpr(RBX, b);
  vcpu.setGpr(RCX, c);
  vcpu.setGpr(RDX, d);
}

export function handleCpuid(vcpu: Vcpu, exit: ExitInfo): Action {
  const leaf = <u32>vcpu.gpr(RAX);
  const subleaf = <u32>vcpu.gpr(RCX);
  if (leaf == LEAF_HV_BASE) {
    set(vcpu, LEAF_HV_TSC, SIG_EBX, SIG_ECX, SIG_EDX);
  } else if (leaf == LEAF_HV_TSC) {
    set(vcpu, vcpu.vm.tscKhz, 0, 0, 0);
  } else if (leaf > LEAF_HV_TSC && leaf <= LEAF_HV_LAST) {
    set(vcpu, 0, 0, 0, 0);
  } else {
    const r = cpuid(leaf, subleaf);
    let ecx = r.ecx;
    if (leaf == 1) {
      ecx = (ecx & ~(CPUID1_ECX_VMX | CPUID1_ECX_OSXSAVE)) | CPUID1_ECX_HYPERVISOR;
      if ((vcpu.cr4() & CR4_OSXSAVE) != 0) ecx |= CPUID1_ECX_OSXSAVE;
    }
    if (leaf == 0x80000001) ecx &= ~CPUID81_ECX_SVM;
    set(vcpu, r.eax, r.ebx, ecx, r.edx);
  }
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}
