// A loader's initial state (kernel/vm/initial-state.ts) into the VMCS
// guest-state area (SDM Vol. 3C §25.4), within the rules VM entry checks
// (§27.3.1): CR0 and CR4 adjusted to the fixed bits, with "unrestricted
// guest" lifting PE and PG (§27.3.1.1), and the "IA-32e mode guest" entry
// control equal to EFER.LMA. What VMX holds underneath the guest's CR0 and
// CR4 (CR0.NE, CR4.VMXE: the fixed bits) is hidden from it by the read
// shadows and guest/host masks (§25.6.6), with the CR4 bits its CPUID does
// not offer: a MOV that would change one exits (kernel/exits/cr-access.ts).
import { rdmsr, vmread } from "../hal/imports";
import * as F from "./vmcs-fields";
import { ENTRY_IA32E_MODE_GUEST } from "./controls";
import { IA32_VMX_CR0_FIXED0, IA32_VMX_CR0_FIXED1, IA32_VMX_CR4_FIXED0, IA32_VMX_CR4_FIXED1 } from "../cpu/msr-index";
import { fixedBits } from "./vmx-enable";
import { vmcsWrite } from "./vmcs-write";
import { InitialState, SEGMENT_COUNT } from "../vm/initial-state";
import { CR0_NE, CR0_PE, CR0_PG, CR4_VMXE, DR7_RESET, EFER_LMA } from "../arch/x86";

// The CR0 and CR4 bits VMX operation fixes (IA32_VMX_CR0/CR4_FIXED0: must
// be 1, FIXED1: may be 1; SDM Vol. 3D Appendix A.7, A.8), read once per
// start, and the guest/host masks that own them for the hypervisor.
export class FixedCrBits {
  cr0Fixed0: u64 = 0;
  cr0Fixed1: u64 = 0;
  cr4Fixed0: u64 = 0;
  cr4Fixed1: u64 = 0;
  cr0Mask: u64 = 0;
  cr4Mask: u64 = 0;

  // "Unrestricted guest" lifts PE and PG from FIXED0 (§27.3.1.1). The CR0
  // mask: NE, which a CPU lets software clear (SDM Vol. 3A §2.5) but VMX
  // keeps set, and any other fixed bit of 31:0 (bits 63:32 are #GP
  // without help). The CR4 mask: VMXE and the bits the guest may not set.
  read(cr4Reserved: u64): void {
    this.cr0Fixed0 = rdmsr(IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG);
    this.cr0Fixed1 = rdmsr(IA32_VMX_CR0_FIXED1);
    this.cr4Fixed0 = rdmsr(IA32_VMX_CR4_FIXED0);
    this.cr4Fixed1 = rdmsr(IA32_VMX_CR4_FIXED1);
    this.cr0Mask = CR0_NE | this.cr0Fixed0 | (~this.cr0Fixed1 & 0xffffffff);
    this.cr4Mask = CR4_VMXE | this.cr4Fixed0 | cr4Reserved;
  }
  realCr0(v: u64): u64 { return fixedBits(v, this.cr0Fixed0, this.cr0Fixed1); }
  realCr4(v: u64): u64 { return fixedBits(v | CR4_VMXE, this.cr4Fixed0, this.cr4Fixed1); }
}

export function writeGuestState(s: InitialState, crs: FixedCrBits): void {
  for (let i: u32 = 0; i < SEGMENT_COUNT; i++) {
    const seg = s.segment(i);
    vmcsWrite(F.GUEST_ES_SELECTOR + i * 2, seg.selector);
    vmcsWrite(F.GUEST_ES_BASE + i * 2, seg.base);
    vmcsWrite(F.GUEST_ES_LIMIT + i * 2, seg.limit);
    vmcsWrite(F.GUEST_ES_AR_BYTES + i * 2, seg.ar);
  }
  vmcsWrite(F.GUEST_GDTR_BASE, s.gdtrBase);
  vmcsWrite(F.GUEST_GDTR_LIMIT, s.gdtrLimit);
  vmcsWrite(F.GUEST_IDTR_BASE, s.idtrBase);
  vmcsWrite(F.GUEST_IDTR_LIMIT, s.idtrLimit);
  vmcsWrite(F.CR0_GUEST_HOST_MASK, crs.cr0Mask);
  vmcsWrite(F.CR4_GUEST_HOST_MASK, crs.cr4Mask);
  vmcsWrite(F.GUEST_CR0, crs.realCr0(s.cr0));
  vmcsWrite(F.CR0_READ_SHADOW, s.cr0);
  vmcsWrite(F.GUEST_CR3, s.cr3);
  vmcsWrite(F.GUEST_CR4, crs.realCr4(s.cr4));
  vmcsWrite(F.CR4_READ_SHADOW, s.cr4);
  vmcsWrite(F.GUEST_IA32_EFER, s.efer);
  const entry = <u32>vmread(F.VM_ENTRY_CONTROLS);
  const ia32e = (s.efer & EFER_LMA) != 0;
  vmcsWrite(F.VM_ENTRY_CONTROLS, ia32e ? entry | ENTRY_IA32E_MODE_GUEST : entry & ~ENTRY_IA32E_MODE_GUEST);
  // DR7 and IA32_DEBUGCTL as after RESET (SDM Vol. 3A Table 10-1), loaded
  // by every entry and saved by every exit (the debug-controls entry and
  // exit controls, vmcs-setup.ts). DR0-DR3 and DR6 are in no VMCS field:
  // MOV DR does not exit (no "MOV-DR exiting") and the hypervisor never
  // writes them, so the guest's values stay in the processor.
  vmcsWrite(F.GUEST_DR7, DR7_RESET);
  vmcsWrite(F.GUEST_IA32_DEBUGCTL, 0);
  vmcsWrite(F.GUEST_RFLAGS, s.rflags);
  vmcsWrite(F.GUEST_RIP, s.rip);
  vmcsWrite(F.GUEST_RSP, s.rsp);
  vmcsWrite(F.GUEST_INTERRUPTIBILITY_INFO, 0);
  vmcsWrite(F.GUEST_ACTIVITY_STATE, 0); // active
  vmcsWrite(F.GUEST_PENDING_DBG_EXCEPTIONS, 0);
  vmcsWrite(F.GUEST_SYSENTER_CS, 0);
  vmcsWrite(F.GUEST_SYSENTER_ESP, 0);
  vmcsWrite(F.GUEST_SYSENTER_EIP, 0);
}
