// RDMSR/WRMSR exits for the MSRs the policy emulates (kernel/vm/msr-policy.ts);
// every other MSR that exits raises #GP in the guest, as a CPU without it
// would. Passed-through MSRs never exit. The local APIC's (IA32_APIC_BASE,
// IA32_TSC_DEADLINE, the x2APIC range) go to the vCPU's APIC model, which
// says when they #GP (drivers/lapic/lapic-msrs.ts).
import { Vcpu, RAX, RDX } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { StopReason } from "../vm/vm";
import {
  msrHandling, MSR_EMULATED, MSR_PASS, IA32_TSC, IA32_APIC_BASE, IA32_MISC_ENABLE, IA32_PAT, IA32_MTRR_DEF_TYPE,
  IA32_EFER, IA32_TSC_DEADLINE, X2APIC_MSR_FIRST, X2APIC_MSR_LAST,
} from "../vm/msr-policy";
import { rdtsc } from "../hal/imports";
import { EFER_SCE, EFER_LME, EFER_LMA, EFER_NXE, VECTOR_GP } from "../arch/x86";

// Writable EFER bits: SCE, LME, NXE; LMA is the CPU's own and reserved bits
// #GP (SDM Vol. 3A §2.2.1, Table 2-1).
const EFER_WRITABLE: u64 = EFER_SCE | EFER_LME | EFER_NXE;

// An MSR the policy passes through exited anyway: the bitmaps disagree
// with the table, a hypervisor bug the VM stops on rather than hide.
function isApicMsr(msr: u32): bool {
  return msr == IA32_APIC_BASE || msr == IA32_TSC_DEADLINE || (msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST);
}

function passedThroughButExited(vcpu: Vcpu, exit: ExitInfo): Action {
  vcpu.vm.stop(StopReason.Unhandled, 0, exit.raw);
  return Action.Stop;
}

export function handleMsrRead(vcpu: Vcpu, exit: ExitInfo): Action {
  const msr = exit.msr;
  const how = msrHandling(msr, vcpu.features.rdtscp);
  if (how == MSR_PASS) return passedThroughButExited(vcpu, exit);
  if (how != MSR_EMULATED) {
    vcpu.injectException(VECTOR_GP, 0, true);
    return Action.Resume;
  }
  const m = vcpu.msrs;
  let value: u64 = 0;
  if (isApicMsr(msr)) {
    const apic = vcpu.apic;
    if (apic === null || !apic.read(msr)) {
      vcpu.injectException(VECTOR_GP, 0, true);
      return Action.Resume;
    }
    value = apic.value;
  } else if (msr == IA32_TSC) value = vcpu.vm.clock.now();
  else if (msr == IA32_MISC_ENABLE) value = m.miscEnable;
  else if (msr == IA32_PAT) value = m.pat;
  else if (msr == IA32_MTRR_DEF_TYPE) value = m.mtrrDefType;
  else if (msr == IA32_EFER) value = vcpu.efer();
  vcpu.setGpr(RAX, value & 0xffffffff);
  vcpu.setGpr(RDX, value >> 32);
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}

export function handleMsrWrite(vcpu: Vcpu, exit: ExitInfo): Action {
  const msr = exit.msr;
  const value = (vcpu.gpr(RDX) << 32) | (vcpu.gpr(RAX) & 0xffffffff);
  const how = msrHandling(msr, vcpu.features.rdtscp);
  if (how == MSR_PASS) return passedThroughButExited(vcpu, exit);
  if (how != MSR_EMULATED || !writeEmulated(vcpu, msr, value)) {
    vcpu.injectException(VECTOR_GP, 0, true);
    return Action.Resume;
  }
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}

// False if the value is one the CPU would refuse with #GP.
function writeEmulated(vcpu: Vcpu, msr: u32, value: u64): bool {
  const m = vcpu.msrs;
  if (isApicMsr(msr)) {
    const apic = vcpu.apic;
    return apic !== null && apic.write(msr, value);
  }
  if (msr == IA32_TSC) vcpu.vm.clock.offset = value - rdtsc();
  else if (msr == IA32_MISC_ENABLE) m.miscEnable = value;
  else if (msr == IA32_PAT) m.pat = value;
  else if (msr == IA32_MTRR_DEF_TYPE) m.mtrrDefType = value;
  else if (msr == IA32_EFER) {
    if ((value & ~(EFER_WRITABLE | EFER_LMA)) != 0) return false;
    vcpu.setEfer((value & EFER_WRITABLE) | (vcpu.efer() & EFER_LMA));
  }
  return true;
}
