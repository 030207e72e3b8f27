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
  IA32_EFER, IA32_TSC_DEADLINE, IA32_XSS, X2APIC_MSR_FIRST, X2APIC_MSR_LAST,
} from "../vm/msr-policy";
import { rdtsc } from "../hal/imports";
import { EFER_SCE, EFER_LME, EFER_LMA, EFER_NXE, CR0_PG, VECTOR_GP } from "../arch/x86";

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
  const how = msrHandling(msr, vcpu.features.rdtscp, vcpu.features.xsave && vcpu.features.xsaves);
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
  // IA32_XSS reads 0: no supervisor component is offered (msr-policy.ts).
  vcpu.setGpr(RAX, value & 0xffffffff);
  vcpu.setGpr(RDX, value >> 32);
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}

export function handleMsrWrite(vcpu: Vcpu, exit: ExitInfo): Action {
  const msr = exit.msr;
  const value = (vcpu.gpr(RDX) << 32) | (vcpu.gpr(RAX) & 0xffffffff);
  const how = msrHandling(msr, vcpu.features.rdtscp, vcpu.features.xsave && vcpu.features.xsaves);
  if (how == MSR_PASS) return passedThroughButExited(vcpu, exit);
  if (how != MSR_EMULATED || !writeEmulated(vcpu, msr, value)) {
    vcpu.injectException(VECTOR_GP, 0, true);
    return Action.Resume;
  }
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}

// Memory types a PAT entry or the MTRR default type may hold (SDM Vol. 3A
// §13.12.2 Table 13-10: UC 0, WC 1, WT 4, WP 5, WB 6, and UC- 7 in PAT
// only); 2 and 3 are reserved.
function validType(t: u64, pat: bool): bool {
  return t == 0 || t == 1 || (t >= 4 && t <= 6) || (pat && t == 7);
}

// IA32_PAT: eight entries, each a type in bits 2:0 with bits 7:3 reserved;
// a reserved type or bit gives #GP (SDM Vol. 3A §13.12.2).
function patValid(v: u64): bool {
  for (let i: u64 = 0; i < 8; i++) {
    const entry = (v >> (i * 8)) & 0xff;
    if (entry > 7 || !validType(entry, true)) return false;
  }
  return true;
}

// IA32_MTRR_DEF_TYPE: type in bits 7:0, FE bit 10, E bit 11; the rest
// reserved (SDM Vol. 3A §13.11.2.1, Figure 13-8).
function mtrrDefTypeValid(v: u64): bool {
  return (v & ~<u64>0xcff) == 0 && validType(v & 0xff, false);
}

// False if the value is one the CPU would refuse with #GP.
function writeEmulated(vcpu: Vcpu, msr: u32, value: u64): bool {
  const m = vcpu.msrs;
  if (isApicMsr(msr)) {
    const apic = vcpu.apic;
    return apic !== null && apic.write(msr, value);
  }
  if (msr == IA32_TSC) {
    // A write sets the TSC the guest reads (SDM Vol. 3B §18.17): one offset
    // for the VM's clock and every vCPU's hardware offset.
    const vm = vcpu.vm;
    vm.clock.offset = value - rdtsc();
    for (let i = 0; i < vm.vcpus.length; i++) vm.vcpus[i].setTscOffset(vm.clock.offset);
  }
  else if (msr == IA32_MISC_ENABLE) m.miscEnable = value;
  else if (msr == IA32_PAT) {
    if (!patValid(value)) return false;
    m.pat = value;
  } else if (msr == IA32_MTRR_DEF_TYPE) {
    if (!mtrrDefTypeValid(value)) return false;
    m.mtrrDefType = value;
  } else if (msr == IA32_XSS) {
    return value == 0; // no supervisor component to enable
  } else if (msr == IA32_EFER) {
    if ((value & ~(EFER_WRITABLE | EFER_LMA)) != 0) return false;
    // LME may not change while paging is on (SDM Vol. 3A §10.8.5; APM
    // Vol. 2 §14.6.1): #GP.
    if (((value ^ vcpu.efer()) & EFER_LME) != 0 && (vcpu.cr0() & CR0_PG) != 0) return false;
    vcpu.setEfer((value & EFER_WRITABLE) | (vcpu.efer() & EFER_LMA));
  }
  return true;
}
