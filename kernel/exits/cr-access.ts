// Control-register access exits. Which writes exit is the backend's
// choice, made to enforce the CPU's rules (kernel/vm/control-registers.ts):
//   - VMX: the guest owns CR0 and CR4 but the bits of the guest/host masks
//     (SDM Vol. 3C §25.6.6): CR0.NE, which VMX operation keeps set (IA32_
//     VMX_CR0_FIXED0) but a CPU lets software clear, and in CR4 VMXE and
//     every bit the guest's CPUID does not offer. A MOV to CR0/CR4 exits
//     only where it would change such a bit from its read shadow (§26.1.3);
//     the CPU checks every other write itself.
//   - SVM: every write of CR0 (MOV, CLTS, LMSW) and CR4 is intercepted
//     (APM Vol. 2 §15.9: the intercept comes before the operand checks), so
//     the rules are all here.
// A write the rules refuse raises #GP(0); one they allow is loaded, with
// its side effects: EFER.LMA when CR0.PG switches long mode, and the TLBs.
// MOV to or from CR8 under VMX (CR8-load/store exiting): CR8 is the local
// APIC's task priority (SDM Vol. 3A §12.8.6.1), bits 63:4 reserved (#GP).
// Under SVM the guest's CR8 is V_TPR, kept in step with the APIC around
// each VMRUN (kernel/svm/svm-vcpu.ts).
import { Vcpu } from "../vm/vcpu";
import { ExitInfo, Action } from "../vm/exit";
import { StopReason } from "../vm/vm";
import { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW } from "../vm/exit";
import { CR0_PE, CR0_TS, CR4_PCIDE, VECTOR_GP } from "../arch/x86";
import { AR_L } from "../vm/initial-state";
import {
  cr0Load, cr4Load, eferAfterCr0, GP_FAULT, CR0_PAGING, CR4_PAGING, CR0_PDPTE_LOAD, CR4_PDPTE_LOAD, paePaging, pdpteValid,
} from "../vm/control-registers";
import { physAddressBits } from "../cpu/identify";

const SEG_CS: u32 = 1;
// LMSW loads CR0 bits 3:0 (PE, MP, EM, TS) and cannot clear PE (SDM Vol. 2A LMSW).
const LMSW_BITS: u64 = 0xf;

export function handleCrAccess(vcpu: Vcpu, exit: ExitInfo): Action {
  const cr = exit.cr;
  if (cr.cr == 8 && (cr.type == CR_MOV_TO || cr.type == CR_MOV_FROM)) return cr8(vcpu, exit);
  if (cr.cr == 0) {
    const old = vcpu.cr0();
    if (cr.type == CR_MOV_TO) return writeCr0(vcpu, exit, vcpu.gpr(cr.gpr));
    if (cr.type == CR_CLTS) return writeCr0(vcpu, exit, old & ~CR0_TS);
    if (cr.type == CR_LMSW) return writeCr0(vcpu, exit, (old & ~LMSW_BITS) | (<u64>cr.lmswSource & LMSW_BITS) | (old & CR0_PE));
  }
  if (cr.cr == 4 && cr.type == CR_MOV_TO) return writeCr4(vcpu, exit, vcpu.gpr(cr.gpr));
  vcpu.vm.stop(StopReason.Unhandled, 0, exit.raw);
  return Action.Stop;
}

function cr8(vcpu: Vcpu, exit: ExitInfo): Action {
  const cr = exit.cr;
  const ic = vcpu.interrupts;
  if (cr.type == CR_MOV_FROM) {
    vcpu.setGpr(cr.gpr, ic === null ? 0 : <u64>ic.cr8());
  } else {
    const value = vcpu.gpr(cr.gpr);
    if ((value >> 4) != 0) return fault(vcpu);
    if (ic !== null) ic.setCr8(<u32>value);
  }
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}

function fault(vcpu: Vcpu): Action {
  vcpu.injectException(VECTOR_GP, 0, true);
  return Action.Resume;
}

// The PDPTEs a write that keeps PAE paging on would load: at CR3 & ~0x1F
// (SDM Vol. 3A §4.4.1). Bytes outside guest RAM read as not present, as
// the VMX backend loads them (kernel/vmx/vmx-vcpu.ts pagingChanged).
const pdpte = memory.data(8);
function pdptesValid(vcpu: Vcpu): bool {
  const at = vcpu.cr3() & 0xffffffe0;
  const bits = physAddressBits();
  for (let i: u64 = 0; i < 4; i++) {
    if (vcpu.vm.memory.read(at + i * 8, pdpte, 8) && !pdpteValid(load<u64>(pdpte), bits)) return false;
  }
  return true;
}

function writeCr0(vcpu: Vcpu, exit: ExitInfo, value: u64): Action {
  const old = vcpu.cr0();
  const efer = vcpu.efer();
  const csL = (vcpu.segmentAr(SEG_CS) & AR_L) != 0;
  const next = cr0Load(old, value, vcpu.cr4(), efer, csL);
  if (next == GP_FAULT) return fault(vcpu);
  const nextEfer = eferAfterCr0(old, next, efer);
  // PAE paging from here on, after a change the CPU reloads the PDPTEs at (§4.4.1).
  if (paePaging(next, vcpu.cr4(), nextEfer) && ((old ^ next) & CR0_PDPTE_LOAD) != 0 && !pdptesValid(vcpu)) return fault(vcpu);
  if (nextEfer != efer) vcpu.setEfer(nextEfer);
  vcpu.setCr0(next);
  if (((old ^ next) & CR0_PAGING) != 0) vcpu.pagingChanged();
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}

function writeCr4(vcpu: Vcpu, exit: ExitInfo, value: u64): Action {
  const old = vcpu.cr4();
  const next = cr4Load(old, value, vcpu.cr4Reserved, vcpu.cr3(), vcpu.efer());
  if (next == GP_FAULT) return fault(vcpu);
  if (paePaging(vcpu.cr0(), next, vcpu.efer()) && ((old ^ next) & CR4_PDPTE_LOAD) != 0 && !pdptesValid(vcpu)) return fault(vcpu);
  vcpu.setCr4(next);
  // PCIDE 1 → 0 flushes too (§4.10.4.1); CR4_PAGING holds it either way.
  if (((old ^ next) & (CR4_PAGING | CR4_PCIDE)) != 0) vcpu.pagingChanged();
  vcpu.advance(exit.instructionLength);
  return Action.Resume;
}
