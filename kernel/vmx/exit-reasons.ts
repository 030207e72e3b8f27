// VMX basic exit reasons (Intel SDM Vol. 3D Appendix C, Table C-1): bits
// 15:0 of the VM_EXIT_REASON field. One of the layout tables the build turns
// into build/generated/layout.h (tools/builder/layout.ts): keep to
// `export const VMX_EXIT_NAME: type = value;` lines.
export const VMX_EXIT_EXCEPTION_NMI: u32 = 0;
export const VMX_EXIT_EXTERNAL_INTERRUPT: u32 = 1;
export const VMX_EXIT_TRIPLE_FAULT: u32 = 2;
export const VMX_EXIT_INTERRUPT_WINDOW: u32 = 7;
export const VMX_EXIT_NMI_WINDOW: u32 = 8;
export const VMX_EXIT_TASK_SWITCH: u32 = 9;
export const VMX_EXIT_CPUID: u32 = 10;
export const VMX_EXIT_HLT: u32 = 12;
export const VMX_EXIT_INVD: u32 = 13;
export const VMX_EXIT_VMCALL: u32 = 18;
// 19-27: the VMX instructions themselves, executed by the guest.
export const VMX_EXIT_VMCLEAR: u32 = 19;
export const VMX_EXIT_VMLAUNCH: u32 = 20;
export const VMX_EXIT_VMPTRLD: u32 = 21;
export const VMX_EXIT_VMPTRST: u32 = 22;
export const VMX_EXIT_VMREAD: u32 = 23;
export const VMX_EXIT_VMRESUME: u32 = 24;
export const VMX_EXIT_VMWRITE: u32 = 25;
export const VMX_EXIT_VMXOFF: u32 = 26;
export const VMX_EXIT_VMXON: u32 = 27;
export const VMX_EXIT_CR_ACCESS: u32 = 28;
export const VMX_EXIT_IO: u32 = 30;
export const VMX_EXIT_RDMSR: u32 = 31;
export const VMX_EXIT_WRMSR: u32 = 32;
export const VMX_EXIT_INVALID_GUEST_STATE: u32 = 33;
export const VMX_EXIT_MSR_LOADING: u32 = 34;
export const VMX_EXIT_MWAIT: u32 = 36;
export const VMX_EXIT_MONITOR: u32 = 39;
export const VMX_EXIT_MACHINE_CHECK: u32 = 41;
export const VMX_EXIT_EPT_VIOLATION: u32 = 48;
export const VMX_EXIT_EPT_MISCONFIG: u32 = 49;
export const VMX_EXIT_INVEPT: u32 = 50;
export const VMX_EXIT_PREEMPTION_TIMER: u32 = 52;
export const VMX_EXIT_INVVPID: u32 = 53;
export const VMX_EXIT_WBINVD: u32 = 54;
export const VMX_EXIT_XSETBV: u32 = 55;
export const VMX_EXIT_ENCLS: u32 = 60;
