// A loader's initial state (kernel/vm/initial-state.ts) into the VMCS
// guest-state area (SDM Vol. 3C §25.4), within the rules VM entry checks
// (§27.3.1): CR0 and CR4 adjusted to the fixed bits, with "unrestricted
// guest" lifting PE and PG (§27.3.1.1), CR4.VMXE set underneath and
// hidden by the read shadow, and the "IA-32e mode guest" entry control
// equal to EFER.LMA.
import { rdmsr, vmread } from "../hal/imports";
import * as F from "./vmcs-fields";
import { ENTRY_IA32E_MODE_GUEST } from "./controls";
import { IA32_VMX_CR0_FIXED0, IA32_VMX_CR0_FIXED1, IA32_VMX_CR4_FIXED0, IA32_VMX_CR4_FIXED1 } from "../cpu/msr-index";
import { fixedBits } from "./vmx-enable";
import { vmcsWrite } from "./vmcs-write";
import { InitialState, SEGMENT_COUNT } from "../vm/initial-state";
import { CR0_PE, CR0_PG, CR4_VMXE, DR7_RESET, EFER_LMA } from "../arch/x86";

export function writeGuestState(s: InitialState): void {
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
  const cr0 = fixedBits(s.cr0, rdmsr(IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG), rdmsr(IA32_VMX_CR0_FIXED1));
  vmcsWrite(F.GUEST_CR0, cr0);
  vmcsWrite(F.CR0_READ_SHADOW, s.cr0);
  vmcsWrite(F.GUEST_CR3, s.cr3);
  vmcsWrite(F.GUEST_CR4, fixedBits(s.cr4 | CR4_VMXE, rdmsr(IA32_VMX_CR4_FIXED0), rdmsr(IA32_VMX_CR4_FIXED1)));
  vmcsWrite(F.CR4_READ_SHADOW, s.cr4);
  vmcsWrite(F.GUEST_IA32_EFER, s.efer);
  const entry = <u32>vmread(F.VM_ENTRY_CONTROLS);
  const ia32e = (s.efer & EFER_LMA) != 0;
  vmcsWrite(F.VM_ENTRY_CONTROLS, ia32e ? entry | ENTRY_IA32E_MODE_GUEST : entry & ~ENTRY_IA32E_MODE_GUEST);
  vmcsWrite(F.GUEST_DR7, DR7_RESET);
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
