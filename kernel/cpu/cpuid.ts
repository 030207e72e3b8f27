// CPUID through the HAL into a fixed scratch buffer (no allocation).
import { cpuid as halCpuid } from "../hal/imports";

const regs = memory.data(16, 16);

export class CpuidResult {
  eax: u32 = 0;
  ebx: u32 = 0;
  ecx: u32 = 0;
  edx: u32 = 0;
}

const result = new CpuidResult();

// One CPUID query; the returned object is reused by the next call.
export function cpuid(leaf: u32, subleaf: u32 = 0): CpuidResult {
  halCpuid(leaf, subleaf, regs);
  result.eax = load<u32>(regs);
  result.ebx = load<u32>(regs, 4);
  result.ecx = load<u32>(regs, 8);
  result.edx = load<u32>(regs, 12);
  return result;
}
