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
export const RFLAGS_PF: u64 = 1 << 2;
export const RFLAGS_AF: u64 = 1 << 4;
export const RFLAGS_ZF: u64 = 1 << 6;
export const RFLAGS_SF: u64 = 1 << 7;
export const RFLAGS_TF: u64 = 1 << 8;
export const RFLAGS_IF: u64 = 1 << 9;
export const RFLAGS_DF: u64 = 1 << 10;
export const RFLAGS_OF: u64 = 1 << 11;
export const RFLAGS_NT: u64 = 1 << 14;
export const RFLAGS_VM: u64 = 1 << 17;
// The bits an EFLAGS image can set (SDM Vol. 1 §3.4.3, Figure 3-8): CF 1 PF
// AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID; 3, 5, 15, 22-31 reserved 0.
export const RFLAGS_DEFINED: u64 = 0x3f7fd7;

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

// XCR0 state components (SDM Vol. 1 §13.1, Table 13-1; loaded by XSETBV).
export const XCR0_X87: u64 = 1 << 0;
export const XCR0_SSE: u64 = 1 << 1;
export const XCR0_AVX: u64 = 1 << 2;
// Every XSAVE area starts with the 512-byte legacy region and the 64-byte
// XSAVE header; the extended components follow (SDM Vol. 1 §13.4).
export const XSAVE_LEGACY_AND_HEADER_BYTES: u32 = 576;

// CPUID feature bits (Intel SDM Vol. 2A CPUID, Tables 3-8 to 3-11; AMD APM
// Vol. 3 Appendix E), named CPUID<leaf>_<register>_<feature>: leaf 7 is
// subleaf 0, D1 is leaf 0DH subleaf 1, 81/87/88 are 80000001H/7H/8H. Only
// the bits the core uses are here; kernel/vm/cpuid-policy.ts names the rest
// it hides.
// Leaf 01H ECX.
export const CPUID1_ECX_SSE3: u32 = 1 << 0;
export const CPUID1_ECX_PCLMULQDQ: u32 = 1 << 1;
export const CPUID1_ECX_VMX: u32 = 1 << 5;
export const CPUID1_ECX_SSSE3: u32 = 1 << 9;
export const CPUID1_ECX_FMA: u32 = 1 << 12;
export const CPUID1_ECX_CX16: u32 = 1 << 13;
export const CPUID1_ECX_PCID: u32 = 1 << 17;
export const CPUID1_ECX_SSE4_1: u32 = 1 << 19;
export const CPUID1_ECX_SSE4_2: u32 = 1 << 20;
export const CPUID1_ECX_X2APIC: u32 = 1 << 21;
export const CPUID1_ECX_MOVBE: u32 = 1 << 22;
export const CPUID1_ECX_POPCNT: u32 = 1 << 23;
export const CPUID1_ECX_TSC_DEADLINE: u32 = 1 << 24;
export const CPUID1_ECX_AES: u32 = 1 << 25;
export const CPUID1_ECX_XSAVE: u32 = 1 << 26;
export const CPUID1_ECX_OSXSAVE: u32 = 1 << 27; // mirrors CR4.OSXSAVE
export const CPUID1_ECX_AVX: u32 = 1 << 28;
export const CPUID1_ECX_F16C: u32 = 1 << 29;
export const CPUID1_ECX_RDRAND: u32 = 1 << 30;
export const CPUID1_ECX_HYPERVISOR: u32 = <u32>1 << 31; // reserved for hypervisor use
// Leaf 01H EDX.
export const CPUID1_EDX_FPU: u32 = 1 << 0;
export const CPUID1_EDX_VME: u32 = 1 << 1;
export const CPUID1_EDX_DE: u32 = 1 << 2;
export const CPUID1_EDX_PSE: u32 = 1 << 3;
export const CPUID1_EDX_TSC: u32 = 1 << 4;
export const CPUID1_EDX_MSR: u32 = 1 << 5;
export const CPUID1_EDX_PAE: u32 = 1 << 6;
export const CPUID1_EDX_CX8: u32 = 1 << 8;
export const CPUID1_EDX_APIC: u32 = 1 << 9;
export const CPUID1_EDX_SEP: u32 = 1 << 11;
export const CPUID1_EDX_PGE: u32 = 1 << 13;
export const CPUID1_EDX_CMOV: u32 = 1 << 15;
export const CPUID1_EDX_PAT: u32 = 1 << 16;
export const CPUID1_EDX_PSE36: u32 = 1 << 17;
export const CPUID1_EDX_CLFSH: u32 = 1 << 19;
export const CPUID1_EDX_MMX: u32 = 1 << 23;
export const CPUID1_EDX_FXSR: u32 = 1 << 24;
export const CPUID1_EDX_SSE: u32 = 1 << 25;
export const CPUID1_EDX_SSE2: u32 = 1 << 26;
export const CPUID1_EDX_SS: u32 = 1 << 27;
// Leaf 06H EAX: the APIC timer always runs (ARAT).
export const CPUID6_EAX_ARAT: u32 = 1 << 2;
// Leaf 07H subleaf 0 EBX.
export const CPUID7_EBX_FSGSBASE: u32 = 1 << 0;
export const CPUID7_EBX_BMI1: u32 = 1 << 3;
export const CPUID7_EBX_AVX2: u32 = 1 << 5;
export const CPUID7_EBX_FDP_EXCPTN_ONLY: u32 = 1 << 6;
export const CPUID7_EBX_SMEP: u32 = 1 << 7;
export const CPUID7_EBX_BMI2: u32 = 1 << 8;
export const CPUID7_EBX_ERMS: u32 = 1 << 9;
export const CPUID7_EBX_INVPCID: u32 = 1 << 10;
export const CPUID7_EBX_FCS_FDS_DEPRECATED: u32 = 1 << 13;
export const CPUID7_EBX_RDSEED: u32 = 1 << 18;
export const CPUID7_EBX_ADX: u32 = 1 << 19;
export const CPUID7_EBX_SMAP: u32 = 1 << 20;
export const CPUID7_EBX_CLFLUSHOPT: u32 = 1 << 23;
export const CPUID7_EBX_CLWB: u32 = 1 << 24;
export const CPUID7_EBX_SHA: u32 = 1 << 29;
// Leaf 07H subleaf 0 ECX.
export const CPUID7_ECX_PREFETCHWT1: u32 = 1 << 0;
export const CPUID7_ECX_UMIP: u32 = 1 << 2;
export const CPUID7_ECX_GFNI: u32 = 1 << 8;
export const CPUID7_ECX_VAES: u32 = 1 << 9;
export const CPUID7_ECX_VPCLMULQDQ: u32 = 1 << 10;
export const CPUID7_ECX_RDPID: u32 = 1 << 22;
export const CPUID7_ECX_CLDEMOTE: u32 = 1 << 25;
export const CPUID7_ECX_MOVDIRI: u32 = 1 << 27;
export const CPUID7_ECX_MOVDIR64B: u32 = 1 << 28;
// Leaf 07H subleaf 0 EDX.
export const CPUID7_EDX_FSRM: u32 = 1 << 4;
export const CPUID7_EDX_MD_CLEAR: u32 = 1 << 10;
export const CPUID7_EDX_SERIALIZE: u32 = 1 << 14;
// Leaf 0DH subleaf 1 EAX.
export const CPUIDD1_EAX_XSAVEOPT: u32 = 1 << 0;
export const CPUIDD1_EAX_XSAVEC: u32 = 1 << 1;
export const CPUIDD1_EAX_XGETBV_ECX1: u32 = 1 << 2;
export const CPUIDD1_EAX_XSAVES: u32 = 1 << 3; // XSAVES, XRSTORS and IA32_XSS
// Leaf 0DH subleaf n >= 2 ECX: the component is 64-byte aligned in the compacted format.
export const CPUIDDN_ECX_ALIGNED: u32 = 1 << 1;
// Leaf 80000001H ECX.
export const CPUID81_ECX_LAHF_LM: u32 = 1 << 0;
export const CPUID81_ECX_SVM: u32 = 1 << 2;
export const CPUID81_ECX_ABM: u32 = 1 << 5; // LZCNT
export const CPUID81_ECX_SSE4A: u32 = 1 << 6;
export const CPUID81_ECX_MISALIGNSSE: u32 = 1 << 7;
export const CPUID81_ECX_PREFETCHW: u32 = 1 << 8; // AMD: 3DNowPrefetch
export const CPUID81_ECX_XOP: u32 = 1 << 11;
export const CPUID81_ECX_FMA4: u32 = 1 << 16;
export const CPUID81_ECX_TBM: u32 = 1 << 21;
// Leaf 80000001H EDX (AMD mirrors leaf 01H EDX in bits 0-17 and 23-24).
export const CPUID81_EDX_SYSCALL: u32 = 1 << 11;
export const CPUID81_EDX_NX: u32 = 1 << 20;
export const CPUID81_EDX_MMXEXT: u32 = 1 << 22;
export const CPUID81_EDX_PAGE1GB: u32 = 1 << 26;
export const CPUID81_EDX_RDTSCP: u32 = 1 << 27;
export const CPUID81_EDX_LM: u32 = 1 << 29;
export const CPUID81_EDX_3DNOWEXT: u32 = 1 << 30;
export const CPUID81_EDX_3DNOW: u32 = <u32>1 << 31;
// Leaf 80000007H EDX.
export const CPUID87_EDX_INVARIANT_TSC: u32 = 1 << 8;
// Leaf 80000008H EBX (AMD).
export const CPUID88_EBX_CLZERO: u32 = 1 << 0;
export const CPUID88_EBX_RSTR_FP_ERR_PTRS: u32 = 1 << 2;
