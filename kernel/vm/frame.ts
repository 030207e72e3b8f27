// The exit frame: the guest's general-purpose registers as the trampolines
// (boot/vmx-trampoline.S, boot/svm-trampoline.S) save and load them, 16 x u64
// in linear memory, one per vCPU. Slots are indexed as x86 encodes registers
// (ModRM/REX, SDM Vol. 2A §2.1.5, Table 2-2): 0 RAX, 1 RCX, 2 RDX, 3 RBX,
// 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15. The RSP slot is never used (the
// VMCS/VMCB holds RSP); on SVM neither is RAX's (the VMCB holds it too).
// This file is one of the layout tables the build turns into
// build/generated/layout.h (tools/builder/layout.ts): keep to
// `export const NAME: type = value;` lines.
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

export const FRAME_BYTES: usize = 128;
