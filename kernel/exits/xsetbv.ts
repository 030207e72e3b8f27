// XSETBV exits (XSETBV always exits in VMX non-root operation, SDM Vol. 3C
// §26.1.2). XCR0 is not part of the VMCS, so the hypervisor loads the
// guest's value itself — safe because the core never uses SSE/AVX state.
// A value the hardware would refuse raises #GP in the guest instead
// (SDM Vol. 2C XSETBV; Vol. 1 §13.3): ECX other than 0, x87 (bit 0) clear,
// AVX (bit 2) without SSE (bit 1), or a component the guest's
// CPUID.(EAX=0DH,ECX=0) does not offer (kernel/vm/cpuid-policy.ts).
import { Vcpu, RAX, RCX, RDX } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { xsetbv } from "../hal/imports";
import { guestXcr0Mask } from "../vm/cpuid-policy";
import { VECTOR_GP, VECTOR_UD, XCR0_AVX, XCR0_SSE, XCR0_X87 } from "../arch/x86";

export function xcr0Valid(value: u64, supported: u64): bool {
  if ((value & XCR0_X87) == 0) return false;
  if ((value & XCR0_AVX) != 0 && (value & XCR0_SSE) == 0) return false;
  return (value & ~supported) == 0;
}

export function handleXsetbv(vcpu: Vcpu, exit: ExitInfo): Action {
  // Without XSAVE for the guest there is no XCR0 to load: #UD, as on a CPU
  // without XSAVE (SDM Vol. 2C XSETBV).
  if (!vcpu.features.xsave) {
    vcpu.injectException(VECTOR_UD, 0, false);
    return Action.Resume;
  }
  const index = <u32>vcpu.gpr(RCX);
  const value = (vcpu.gpr(RDX) << 32) | (vcpu.gpr(RAX) & 0xffffffff);
  if (index != 0 || !xcr0Valid(value, guestXcr0Mask(vcpu))) {
    vcpu.injectException(VECTOR_GP, 0, true);
    return Action.Resume;
  }
  xsetbv(0, value);
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}
