// Architectural constants of x86-64, named as the Intel SDM and AMD APM name
// them, in one place: control-register, EFER, RFLAGS and DR7 bits, and the
// exception vectors. Backend- and device-specific layouts (VMCS fields, VMCB
// offsets, exit reasons) live beside their backends.

// CR0 (SDM Vol. 3A §2.5, Figure 2-7).
export const CR0_PE: u64 = 1 << 0;
export const CR0_MP: u64 = 1 << 1;
export const CR0_EM: u64 = 1 << 2;
export const CR0_TS: u64 = 1 << 3;
export const CR0_ET: u64 = 1 << 4;
export const CR0_NE: u64 = 1 << 5;
export const CR0_WP: u64 = 1 << 16;
export const CR0_AM: u64 = 1 << 18;
export const CR0_NW: u64 = 1 << 29;
export const CR0_CD: u64 = 1 << 30;
export const CR0_PG: u64 = <u64>1 << 31;

// CR4 (SDM Vol. 3A §2.5, Figure 2-8).
export const CR4_VME: u64 = 1 << 0;
export const CR4_PVI: u64 = 1 << 1;
export const CR4_TSD: u64 = 1 << 2;
export const CR4_DE: u64 = 1 << 3;
export const CR4_PSE: u64 = 1 << 4;
export const CR4_PAE: u64 = 1 << 5;
export const CR4_MCE: u64 = 1 << 6;
export const CR4_PGE: u64 = 1 << 7;
export const CR4_PCE: u64 = 1 << 8;
export const CR4_OSFXSR: u64 = 1 << 9;
export const CR4_OSXMMEXCPT: u64 = 1 << 10;
export const CR4_UMIP: u64 = 1 << 11;
export const CR4_LA57: u64 = 1 << 12;
export const CR4_VMXE: u64 = 1 << 13;
export const CR4_SMXE: u64 = 1 << 14;
export const CR4_FSGSBASE: u64 = 1 << 16;
export const CR4_PCIDE: u64 = 1 << 17;
export const CR4_OSXSAVE: u64 = 1 << 18;
export const CR4_SMEP: u64 = 1 << 20;
export const CR4_SMAP: u64 = 1 << 21;
export const CR4_PKE: u64 = 1 << 22;

// IA32_EFER (SDM Vol. 3A §2.2.1, Table 2-1; APM Vol. 2 §3.1.7).
export const EFER_SCE: u64 = 1 << 0;
export const EFER_LME: u64 = 1 << 8;
export const EFER_LMA: u64 = 1 << 10;
export const EFER_NXE: u64 = 1 << 11;
export const EFER_SVME: u64 = 1 << 12; // AMD: SVM enable (APM Vol. 2 §15.4)

// RFLAGS (SDM Vol. 1 §3.4.3).
export const RFLAGS_CF: u64 = 1 << 0;
export const RFLAGS_FIXED_1: u64 = 1 << 1; // reserved, always 1
export const RFLAGS_TF: u64 = 1 << 8;
export const RFLAGS_IF: u64 = 1 << 9;
export const RFLAGS_DF: u64 = 1 << 10;
export const RFLAGS_VM: u64 = 1 << 17;

// DR6/DR7 after reset (SDM Vol. 3B §18.2).
export const DR6_RESET: u64 = 0xffff0ff0;
export const DR7_RESET: u64 = 0x400;

// Power-on IA32_PAT (SDM Vol. 3A §13.12.4, Table 13-12): WB WT UC- UC, twice.
export const PAT_RESET: u64 = 0x0007040600070406;

// Exception vectors (SDM Vol. 3A §6.3.1, Table 6-1).
export const VECTOR_DE: u32 = 0;
export const VECTOR_DB: u32 = 1;
export const VECTOR_NMI: u32 = 2;
export const VECTOR_BP: u32 = 3;
export const VECTOR_UD: u32 = 6;
export const VECTOR_DF: u32 = 8;
export const VECTOR_TS: u32 = 10;
export const VECTOR_NP: u32 = 11;
export const VECTOR_SS: u32 = 12;
export const VECTOR_GP: u32 = 13;
export const VECTOR_PF: u32 = 14;
export const VECTOR_AC: u32 = 17;
export const VECTOR_MC: u32 = 18;
