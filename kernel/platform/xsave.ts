// CR4.OSXSAVE on in the hypervisor where the CPU has XSAVE, so that it can
// load a guest's XCR0 with XSETBV (kernel/exits/xsetbv.ts). The core itself
// never uses the extended state (SDM Vol. 1 §13.3).
//
// QEMU 7.2's TCG quirk, worked around here and only here: in the host, its
// MOV to CR4 setting OSXSAVE (even with +xsave) re-executes forever without
// raising an exception (seen with `-cpu qemu64,+svm,+npt,+xsave`: RIP stays
// on the MOV, CR4 unchanged; the same happens for a reserved CR4 bit). Under
// TCG (hypervisor signature "TCGTCGTCGTCG") tsvisor leaves XSAVE off, and
// guests' XSETBV raises #UD as on a CPU without XSAVE.
import { CR4_OSXSAVE } from "../arch/x86";
import { readCr, writeCr } from "../hal/imports";
import { CpuInfo } from "../cpu/identify";
import { line } from "../console/console";


let hostXsave = false;

export function hostHasXsave(): bool {
  return hostXsave;
}

function underTcg(cpu: CpuInfo): bool {
  if (!cpu.underHypervisor) return false;
  const s = "TCGTCGTCGTCG";
  for (let i = 0; i < 12; i++) if (<u32>load<u8>(cpu.hypervisorSig + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}

export function enableXsave(cpu: CpuInfo): void {
  if (!cpu.xsave) return;
  if (underTcg(cpu)) {
    line("XSAVE: left off under QEMU TCG (its MOV to CR4.OSXSAVE never completes)");
    return;
  }
  writeCr(4, readCr(4) | CR4_OSXSAVE);
  hostXsave = true;
}
