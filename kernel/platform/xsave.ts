// CR4.OSXSAVE on in the hypervisor where the CPU has XSAVE, so that it can
// load a guest's XCR0 with XSETBV (kernel/exits/xsetbv.ts). The core itself
// never uses the extended state (SDM Vol. 1 §13.3).
import { readCr, writeCr } from "../hal/imports";
import { CpuInfo } from "../cpu/identify";

const CR4_OSXSAVE: u64 = 1 << 18;

export function enableXsave(cpu: CpuInfo): void {
  if (cpu.xsave) writeCr(4, readCr(4) | CR4_OSXSAVE);
}
