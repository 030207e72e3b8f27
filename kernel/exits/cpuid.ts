// CPUID exits (SDM Vol. 3C §26.1.2: CPUID always exits in VMX non-root
// operation; the SVM backend intercepts it). What the guest sees is decided
// by the policy table in kernel/vm/cpuid-policy.ts, answered from the
// vCPU's copy of it (kernel/vm/cpuid-table.ts); this handler only moves the
// registers.
import { Vcpu, RAX, RBX, RCX, RDX } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";

export function handleCpuid(vcpu: Vcpu, exit: ExitInfo): Action {
  const r = vcpu.cpuid;
  r.answer(vcpu, <u32>vcpu.gpr(RAX), <u32>vcpu.gpr(RCX));
  vcpu.setGpr(RAX, r.eax);
  vcpu.setGpr(RBX, r.ebx);
  vcpu.setGpr(RCX, r.ecx);
  vcpu.setGpr(RDX, r.edx);
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}
