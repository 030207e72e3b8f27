// VMCS field encodings, named as in Intel SDM Vol. 3D Appendix B. One of the
// layout tables the build turns into build/generated/layout.h for the
// trampolines (tools/builder/layout.ts): keep to `export const NAME: type = value;`.
// 16-bit fields (B.1)
export const VIRTUAL_PROCESSOR_ID: u32 = 0x0000;
export const GUEST_ES_SELECTOR: u32 = 0x0800; // ES, CS, SS, DS, FS, GS, LDTR, TR at +2 each
export const HOST_ES_SELECTOR: u32 = 0x0c00;
export const HOST_CS_SELECTOR: u32 = 0x0c02;
export const HOST_SS_SELECTOR: u32 = 0x0c04;
export const HOST_DS_SELECTOR: u32 = 0x0c06;
export const HOST_FS_SELECTOR: u32 = 0x0c08;
export const HOST_GS_SELECTOR: u32 = 0x0c0a;
export const HOST_TR_SELECTOR: u32 = 0x0c0c;
// 64-bit fields (B.2)
export const MSR_BITMAP: u32 = 0x2004;
export const EPT_POINTER: u32 = 0x201a;
export const GUEST_PHYSICAL_ADDRESS: u32 = 0x2400;
export const VMCS_LINK_POINTER: u32 = 0x2800;
export const GUEST_IA32_EFER: u32 = 0x2806;
export const HOST_IA32_EFER: u32 = 0x2c02;
// 32-bit fields (B.3)
export const PIN_BASED_VM_EXEC_CONTROL: u32 = 0x4000;
export const CPU_BASED_VM_EXEC_CONTROL: u32 = 0x4002;
export const EXCEPTION_BITMAP: u32 = 0x4004;
export const VM_EXIT_CONTROLS: u32 = 0x400c;
export const VM_ENTRY_CONTROLS: u32 = 0x4012;
export const VM_ENTRY_INTR_INFO_FIELD: u32 = 0x4016;
export const VM_ENTRY_EXCEPTION_ERROR_CODE: u32 = 0x4018;
export const VM_ENTRY_INSTRUCTION_LEN: u32 = 0x401a;
export const SECONDARY_VM_EXEC_CONTROL: u32 = 0x401e;
export const VM_INSTRUCTION_ERROR: u32 = 0x4400;
export const VM_EXIT_REASON: u32 = 0x4402;
export const VM_EXIT_INTR_INFO: u32 = 0x4404;
export const VM_EXIT_INTR_ERROR_CODE: u32 = 0x4406;
export const IDT_VECTORING_INFO_FIELD: u32 = 0x4408;
export const IDT_VECTORING_ERROR_CODE: u32 = 0x440a;
export const VM_EXIT_INSTRUCTION_LEN: u32 = 0x440c;
export const VMX_INSTRUCTION_INFO: u32 = 0x440e;
export const GUEST_ES_LIMIT: u32 = 0x4800; // ES..TR at +2 each, then GDTR 0x4810, IDTR 0x4812
export const GUEST_GDTR_LIMIT: u32 = 0x4810;
export const GUEST_IDTR_LIMIT: u32 = 0x4812;
export const GUEST_ES_AR_BYTES: u32 = 0x4814; // ES..TR at +2 each
export const GUEST_INTERRUPTIBILITY_INFO: u32 = 0x4824;
export const GUEST_ACTIVITY_STATE: u32 = 0x4826;
export const GUEST_SYSENTER_CS: u32 = 0x482a;
export const HOST_IA32_SYSENTER_CS: u32 = 0x4c00;
// Natural-width fields (B.4)
export const CR0_GUEST_HOST_MASK: u32 = 0x6000;
export const CR4_GUEST_HOST_MASK: u32 = 0x6002;
export const CR0_READ_SHADOW: u32 = 0x6004;
export const CR4_READ_SHADOW: u32 = 0x6006;
export const EXIT_QUALIFICATION: u32 = 0x6400;
export const GUEST_LINEAR_ADDRESS: u32 = 0x640a;
export const GUEST_CR0: u32 = 0x6800;
export const GUEST_CR3: u32 = 0x6802;
export const GUEST_CR4: u32 = 0x6804;
export const GUEST_ES_BASE: u32 = 0x6806; // ES..TR at +2 each, then GDTR 0x6816, IDTR 0x6818
export const GUEST_GDTR_BASE: u32 = 0x6816;
export const GUEST_IDTR_BASE: u32 = 0x6818;
export const GUEST_DR7: u32 = 0x681a;
export const GUEST_RSP: u32 = 0x681c;
export const GUEST_RIP: u32 = 0x681e;
export const GUEST_RFLAGS: u32 = 0x6820;
export const GUEST_PENDING_DBG_EXCEPTIONS: u32 = 0x6822;
export const GUEST_SYSENTER_ESP: u32 = 0x6824;
export const GUEST_SYSENTER_EIP: u32 = 0x6826;
export const HOST_CR0: u32 = 0x6c00;
export const HOST_CR3: u32 = 0x6c02;
export const HOST_CR4: u32 = 0x6c04;
export const HOST_FS_BASE: u32 = 0x6c06;
export const HOST_GS_BASE: u32 = 0x6c08;
export const HOST_TR_BASE: u32 = 0x6c0a;
export const HOST_GDTR_BASE: u32 = 0x6c0c;
export const HOST_IDTR_BASE: u32 = 0x6c0e;
export const HOST_IA32_SYSENTER_ESP: u32 = 0x6c10;
export const HOST_IA32_SYSENTER_EIP: u32 = 0x6c12;
export const HOST_RSP: u32 = 0x6c14; // written by boot/vmx-trampoline.S on each entry
export const HOST_RIP: u32 = 0x6c16;

// Segment register order used by the per-segment fields above.
export const SEG_ES: u32 = 0;
export const SEG_CS: u32 = 1;
export const SEG_SS: u32 = 2;
export const SEG_DS: u32 = 3;
export const SEG_FS: u32 = 4;
export const SEG_GS: u32 = 5;
export const SEG_LDTR: u32 = 6;
export const SEG_TR: u32 = 7;
