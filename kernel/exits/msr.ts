// RDMSR/WRMSR exits. The guest sees a small table of virtualized MSRs with
// shadow values; any other MSR raises #GP in the guest, as a CPU without it
// would (SDM Vol. 2B RDMSR/WRMSR: "#GP(0) if ECX specifies a reserved or
// unimplemented MSR address").
import { Vcpu, RAX, RCX, RDX } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { rdtsc } from "../hal/imports";

const VECTOR_GP: u32 = 13;

// Virtualized MSRs (SDM Vol. 4 Table 2-2) and their power-on values.
const IA32_TSC: u32 = 0x10;
const IA32_APIC_BASE: u32 = 0x1b;   // xAPIC at 0xFEE00000, enabled, BSP (SDM Vol. 3A §12.4.4)
const IA32_MISC_ENABLE: u32 = 0x1a0;
const IA32_PAT: u32 = 0x277;        // power-on PAT (SDM Vol. 3A §13.12.4)
const IA32_MTRR_DEF_TYPE: u32 = 0x2ff;

const shadowIndex: StaticArray<u32> = [IA32_APIC_BASE, IA32_MISC_ENABLE, IA32_PAT, IA32_MTRR_DEF_TYPE];
const shadowValue: StaticArray<u64> = [0xfee00900, 0x1, 0x0007040600070406, 0x0];

let tscOffset: u64 = 0;

function find(msr: u32): i32 {
  for (let i = 0; i < shadowIndex.length; i++) if (shadowIndex[i] == msr) return i;
  return -1;
}

// The value a guest RDMSR returns; false if the MSR is not virtualized.
export let msrValue: u64 = 0;
export function readVirtualMsr(msr: u32, tsc: u64): bool {
  if (msr == IA32_TSC) {
    msrValue = tsc + tscOffset;
    return true;
  }
  const i = find(msr);
  if (i < 0) return false;
  msrValue = shadowValue[i];
  return true;
}

export function writeVirtualMsr(msr: u32, value: u64, tsc: u64): bool {
  if (msr == IA32_TSC) {
    tscOffset = value - tsc;
    return true;
  }
  const i = find(msr);
  if (i < 0) return false;
  // The APIC base's address and enable bits are not movable yet: keep them.
  if (msr != IA32_APIC_BASE) shadowValue[i] = value;
  return true;
}

// IA32_EFER lives in the vCPU's state (VMCS / VMCB), not in the shadow table.
const IA32_EFER: u32 = 0xc0000080;
// Writable EFER bits: SCE (0), LME (8), NXE (11); LMA (10) is the CPU's
// own and reserved bits #GP (SDM Vol. 3A §2.2.1, Table 2-1).
const EFER_WRITABLE: u64 = (1 << 0) | (1 << 8) | (1 << 11);
const EFER_LMA: u64 = 1 << 10;

export function handleMsrRead(vcpu: Vcpu, exit: ExitInfo): Action {
  const msr = <u32>vcpu.gpr(RCX);
  if (msr == IA32_EFER) {
    msrValue = vcpu.efer();
  } else if (!readVirtualMsr(msr, rdtsc())) {
    vcpu.injectException(VECTOR_GP, 0, true);
    return Action.Resume;
  }
  vcpu.setGpr(RAX, msrValue & 0xffffffff);
  vcpu.setGpr(RDX, msrValue >> 32);
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}

export function handleMsrWrite(vcpu: Vcpu, exit: ExitInfo): Action {
  const value = (vcpu.gpr(RDX) << 32) | (vcpu.gpr(RAX) & 0xffffffff);
  const msr = <u32>vcpu.gpr(RCX);
  if (msr == IA32_EFER) {
    if ((value & ~(EFER_WRITABLE | EFER_LMA)) != 0) {
      vcpu.injectException(VECTOR_GP, 0, true);
      return Action.Resume;
    }
    vcpu.setEfer((value & EFER_WRITABLE) | (vcpu.efer() & EFER_LMA));
  } else if (!writeVirtualMsr(msr, value, rdtsc())) {
    vcpu.injectException(VECTOR_GP, 0, true);
    return Action.Resume;
  }
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}
