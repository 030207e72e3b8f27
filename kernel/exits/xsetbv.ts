// XSETBV exits (XSETBV always exits in VMX non-root operation, SDM Vol. 3C
// §26.1.2). XCR0 is not part of the VMCS, so the hypervisor loads the
// guest's value itself — safe because the core never uses SSE/AVX state.
// A value the hardware would refuse raises #GP in the guest instead
// (SDM Vol. 2C XSETBV; Vol. 1 §13.3): ECX other than 0, x87 (bit 0) clear,
// AVX (bit 2) without SSE (bit 1), or a bit CPUID.(EAX=0DH,ECX=0) lacks.
import { Vcpu, RAX, RCX, RDX } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { cpuid } from "../cpu/cpuid";
import { xsetbv } from "../hal/imports";
import { hostHasXsave } from "../platform/xsave";
import { VECTOR_GP, VECTOR_UD } from "../arch/x86";

const XCR0_X87: u64 = 1 << 0;
const XCR0_SSE: u64 = 1 << 1;
const XCR0_AVX: u64 = 1 << 2;
const LEAF_XSAVE: u32 = 0xd;

export function xcr0Valid(value: u64, supported: u64): bool {
  if ((value & XCR0_X87) == 0) return false;
  if ((value & XCR0_AVX) != 0 && (value & XCR0_SSE) == 0) return false;
  return (value & ~supported) == 0;
}

export function handleXsetbv(vcpu: Vcpu, exit: ExitInfo): Action {
  // Without XSAVE in the host there is no XCR0 to load: #UD, as on a CPU
  // without XSAVE (SDM Vol. 2C XSETBV).
  if (!hostHasXsave()) {
    vcpu.injectException(VECTOR_UD, 0, false);
    return Action.Resume;
  }
  const index = <u32>vcpu.gpr(RCX);
  const value = (vcpu.gpr(RDX) << 32) | (vcpu.gpr(RAX) & 0xffffffff);
  const r = cpuid(LEAF_XSAVE, 0);
  const supported = (<u64>r.edx << 32) | <u64>r.eax;
  if (index != 0 || !xcr0Valid(value, supported)) {
    vcpu.injectException(VECTOR_GP, 0, true);
    return Action.Resume;
  }
  xsetbv(0, value);
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}
