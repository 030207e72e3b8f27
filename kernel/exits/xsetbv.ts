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
import { begin, endl, puts, putHex } from "../console/console";
import { guestXcr0Mask } from "../vm/cpuid-policy";
import { VECTOR_GP, VECTOR_UD, XCR0_AVX, XCR0_SSE, XCR0_X87 } from "../arch/x86";

export function xcr0Valid(value: u64, supported: u64): bool {
  if ((value & XCR0_X87) == 0) return false;
  if ((value & XCR0_AVX) != 0 && (value & XCR0_SSE) == 0) return false;
  return (value & ~supported) == 0;
}

// Said once per VM (a guest retrying would flood the console): the value
// and that the guest got #GP for it.
function reportHostRefusal(vcpu: Vcpu, value: u64): void {
  if (vcpu.hostRefusedXsetbv) return;
  vcpu.hostRefusedXsetbv = true;
  begin("XSETBV: the host CPU refused XCR0=");
  putHex(value);
  puts(", which the checks passed; the guest gets #GP");
  endl();
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
  // The checks above are the architecture's; a CPU (or an emulator) may
  // still refuse a value they pass — one whose component dependencies it
  // checks more strictly, say. Its #GP lands in the HAL, not in a panic,
  // and goes to the guest as the #GP that XSETBV raises (issue 11 item 1).
  if (xsetbv(0, value) != 0) {
    reportHostRefusal(vcpu, value);
    vcpu.injectException(VECTOR_GP, 0, true);
    return Action.Resume;
  }
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}
