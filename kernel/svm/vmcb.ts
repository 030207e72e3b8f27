// VMCB layout (AMD APM Vol. 2 Appendix B): the control area (Table B-1) and
// the state-save area at 0x400 (Table B-2). The VMCB lives in the core's
// linear memory, so fields are plain loads and stores at these offsets. One of
// the layout tables the build turns into build/generated/layout.h for the
// trampolines (tools/builder/layout.ts): keep to `export const NAME: type = value;`.
// Control area
export const INTERCEPT_CR_READ: usize = 0x000; // u16
export const INTERCEPT_CR_WRITE: usize = 0x002; // u16
export const INTERCEPT_EXCEPTIONS: usize = 0x008; // u32
export const INTERCEPT_MISC1: usize = 0x00c; // u32
export const INTERCEPT_MISC2: usize = 0x010; // u32
export const IOPM_BASE_PA: usize = 0x040;
export const MSRPM_BASE_PA: usize = 0x048;
export const TSC_OFFSET: usize = 0x050; // added to the TSC the guest reads (§15.30.5)
export const GUEST_ASID: usize = 0x058; // u32
export const TLB_CONTROL: usize = 0x05c; // u8
export const V_INTR: usize = 0x060; // u64: V_TPR 7:0, V_IRQ 8, V_INTR_PRIO 19:16, V_IGN_TPR 20, V_INTR_MASKING 24
export const INTERRUPT_SHADOW: usize = 0x068; // bit 0: the guest is in an STI/MOV SS shadow
export const EXITCODE: usize = 0x070;
export const EXITINFO1: usize = 0x078;
export const EXITINFO2: usize = 0x080;
export const EXITINTINFO: usize = 0x088; // the event whose delivery the #VMEXIT interrupted (§15.7.2)
export const NP_ENABLE: usize = 0x090;
export const EVENTINJ: usize = 0x0a8;
export const N_CR3: usize = 0x0b0;
export const VMCB_CLEAN: usize = 0x0c0; // u32
export const NRIP: usize = 0x0c8;
// State-save area: segments are {selector u16, attrib u16, limit u32, base u64}.
export const SEG_ES: usize = 0x400;
export const SEG_CS: usize = 0x410;
export const SEG_SS: usize = 0x420;
export const SEG_DS: usize = 0x430;
export const SEG_FS: usize = 0x440;
export const SEG_GS: usize = 0x450;
export const SEG_GDTR: usize = 0x460;
export const SEG_LDTR: usize = 0x470;
export const SEG_IDTR: usize = 0x480;
export const SEG_TR: usize = 0x490;
export const SEG_ATTRIB: usize = 2;
export const SEG_LIMIT: usize = 4;
export const SEG_BASE: usize = 8;
export const CPL: usize = 0x4cb; // u8
export const EFER: usize = 0x4d0;
export const CR4: usize = 0x548;
export const CR3: usize = 0x550;
export const CR0: usize = 0x558;
export const DR7: usize = 0x560;
export const DR6: usize = 0x568;
export const RFLAGS: usize = 0x570;
export const RIP: usize = 0x578;
export const RSP: usize = 0x5d8;
export const RAX: usize = 0x5f8;
// VMLOAD/VMSAVE state (§15.5.2), which the trampoline switches around VMRUN.
export const STAR: usize = 0x600;
export const LSTAR: usize = 0x608;
export const CSTAR: usize = 0x610;
export const SFMASK: usize = 0x618;
export const KERNEL_GS_BASE: usize = 0x620;
export const SYSENTER_CS: usize = 0x628;
export const SYSENTER_ESP: usize = 0x630;
export const SYSENTER_EIP: usize = 0x638;
export const CR2: usize = 0x640;
export const G_PAT: usize = 0x668;

// CR write intercepts (offset 0x002, bit n: CRn; Table B-1).
export const CR_WRITE_CR0: u16 = 1 << 0;
export const CR_WRITE_CR4: u16 = 1 << 4;
// Intercept vector 3 (offset 0x00C) and 4 (0x010) bits (Table B-1).
export const MISC1_INTR: u32 = 1 << 0;
export const MISC1_NMI: u32 = 1 << 1;
export const MISC1_VINTR: u32 = 1 << 4; // a virtual interrupt can be taken: the interrupt window
export const MISC1_CPUID: u32 = 1 << 18;
export const MISC1_IRET: u32 = 1 << 20; // the guest's IRET: the end of its NMI handler (§15.21.3)
export const MISC1_INVD: u32 = 1 << 22;
export const MISC1_HLT: u32 = 1 << 24;
// INVLPGA would flush TLB entries of any ASID, the host's (0) too; SVM is
// hidden, so it raises #UD (APM Vol. 3 INVLPGA: #UD if EFER.SVME = 0).
export const MISC1_INVLPGA: u32 = 1 << 26;
export const MISC1_IOIO_PROT: u32 = 1 << 27;
export const MISC1_MSR_PROT: u32 = 1 << 28;
export const MISC1_TASK_SWITCH: u32 = 1 << 29; // hardware task switches, emulated by the core (§15.14.3)
export const MISC1_SHUTDOWN: u32 = <u32>1 << 31;
export const MISC2_VMRUN: u32 = 1 << 0; // must be set, or VMRUN fails (§15.5.1)
export const MISC2_VMMCALL: u32 = 1 << 1;
export const MISC2_VMLOAD: u32 = 1 << 2;
export const MISC2_VMSAVE: u32 = 1 << 3;
export const MISC2_STGI: u32 = 1 << 4;
export const MISC2_CLGI: u32 = 1 << 5;
export const MISC2_SKINIT: u32 = 1 << 6;
export const MISC2_WBINVD: u32 = 1 << 9;
// MONITOR/MONITORX and MWAIT/MWAITX (unconditionally): hidden by CPUID,
// so #UD (APM Vol. 3 MONITOR, MWAIT: #UD if CPUID Fn0000_0001_ECX[MONITOR]
// = 0); running natively they would arm and idle the physical CPU.
export const MISC2_MONITOR: u32 = 1 << 10;
export const MISC2_MWAIT: u32 = 1 << 11;
export const MISC2_XSETBV: u32 = 1 << 13;
