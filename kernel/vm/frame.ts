// The exit frame the trampolines share with the core: the guest's
// general-purpose registers, 16 x u64 in x86 encoding order (the register
// numbers of ModRM and REX, Intel SDM Vol. 2A §2.1.5, Table 2-2). Slot 4
// (RSP) is never used: the VMCS/VMCB holds RSP; on SVM it holds RAX too.
export const RAX: u32 = 0;
export const RCX: u32 = 1;
export const RDX: u32 = 2;
export const RBX: u32 = 3;
export const RSP: u32 = 4;
export const RBP: u32 = 5;
export const RSI: u32 = 6;
export const RDI: u32 = 7;
export const R8: u32 = 8;
export const R9: u32 = 9;
export const R10: u32 = 10;
export const R11: u32 = 11;
export const R12: u32 = 12;
export const R13: u32 = 13;
export const R14: u32 = 14;
export const R15: u32 = 15;
export const FRAME_BYTES: u32 = 128;
