// The state a vCPU starts in, as a loader wants it, independent of the
// backend: each backend turns this record into its VMCS guest-state area
// (kernel/vmx/vmcs-guest-state.ts) or VMCB state-save area
// (kernel/svm/vmcb-state.ts). Three starts are provided:
//   - real mode at a CS:IP (flat test images, boot sectors);
//   - flat 32-bit protected mode, paging off (multiboot kernels, Linux's
//     32-bit boot protocol);
//   - 64-bit long mode with paging on (Linux's 64-bit entry), over page
//     tables the loader built (kernel/vm/identity-paging.ts).
import {
  CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR4_PAE, EFER_LMA, EFER_LME, RFLAGS_FIXED_1,
} from "../arch/x86";

export enum CpuMode { Real, Protected32, Long64 }

// Segment access rights in the VMX encoding (SDM Vol. 3C §25.4.1, Table
// 25-2): descriptor bits 47:40 in bits 7:0 (type, S, DPL, P), bits 55:52 in
// bits 15:12 (AVL, L, D/B, G), bit 16 "unusable". The SVM backend packs the
// same bits into its 12-bit attribute (APM Vol. 2 §15.5.1).
export const AR_TYPE_DATA_RW_ACCESSED: u32 = 0x3;
export const AR_TYPE_CODE_RX_ACCESSED: u32 = 0xb;
export const AR_TYPE_LDT: u32 = 0x2;
export const AR_TYPE_TSS_BUSY_32: u32 = 0xb; // a busy 32/64-bit TSS (S = 0)
export const AR_S: u32 = 1 << 4;   // code or data, not system
export const AR_P: u32 = 1 << 7;
export const AR_L: u32 = 1 << 13;  // 64-bit code
export const AR_DB: u32 = 1 << 14; // 32-bit default operand size
export const AR_G: u32 = 1 << 15;  // limit in 4 KiB units
export const AR_UNUSABLE: u32 = 1 << 16;

const AR_CODE_16: u32 = AR_P | AR_S | AR_TYPE_CODE_RX_ACCESSED;         // 0x9b
const AR_DATA_16: u32 = AR_P | AR_S | AR_TYPE_DATA_RW_ACCESSED;         // 0x93
const AR_CODE_32: u32 = AR_CODE_16 | AR_DB | AR_G;                      // 0xc09b
const AR_DATA_32: u32 = AR_DATA_16 | AR_DB | AR_G;                      // 0xc093
const AR_CODE_64: u32 = AR_CODE_16 | AR_L | AR_G;                       // 0xa09b
const AR_LDT: u32 = AR_P | AR_TYPE_LDT;                                 // 0x82
const AR_TSS: u32 = AR_P | AR_TYPE_TSS_BUSY_32;                         // 0x8b

export class SegmentState {
  selector: u32 = 0;
  base: u64 = 0;
  limit: u32 = 0xffff;
  ar: u32 = AR_DATA_16;

  set(selector: u32, base: u64, limit: u32, ar: u32): void {
    this.selector = selector;
    this.base = base;
    this.limit = limit;
    this.ar = ar;
  }
}

export class InitialState {
  mode: CpuMode = CpuMode.Real;
  es: SegmentState = new SegmentState();
  cs: SegmentState = new SegmentState();
  ss: SegmentState = new SegmentState();
  ds: SegmentState = new SegmentState();
  fs: SegmentState = new SegmentState();
  gs: SegmentState = new SegmentState();
  ldtr: SegmentState = new SegmentState();
  tr: SegmentState = new SegmentState();
  gdtrBase: u64 = 0;
  gdtrLimit: u32 = 0xffff;
  idtrBase: u64 = 0;
  idtrLimit: u32 = 0xffff;
  cr0: u64 = CR0_ET | CR0_NE;
  cr3: u64 = 0;
  cr4: u64 = 0;
  efer: u64 = 0;
  rflags: u64 = RFLAGS_FIXED_1;
  rip: u64 = 0;
  rsp: u64 = 0;
  // General-purpose registers loaders pass arguments in: RSI (Linux's
  // boot_params), EAX and EBX (the multiboot magic and information).
  rax: u64 = 0;
  rbx: u64 = 0;
  rsi: u64 = 0;

  // The segment registers in VMX/VMCB order: ES CS SS DS FS GS LDTR TR.
  segment(i: u32): SegmentState {
    switch (i) {
      case 0: return this.es;
      case 1: return this.cs;
      case 2: return this.ss;
      case 3: return this.ds;
      case 4: return this.fs;
      case 5: return this.gs;
      case 6: return this.ldtr;
    }
    return this.tr;
  }
}
export const SEGMENT_COUNT: u32 = 8;

// The system registers every start shares with the reset state (SDM Vol.
// 3A §10.1.1, Table 10-1): LDTR and TR present with a 64 KiB limit.
function resetSystemSegments(s: InitialState): void {
  s.ldtr.set(0, 0, 0xffff, AR_LDT);
  s.tr.set(0, 0, 0xffff, AR_TSS);
}

// Real mode at CS:IP = 0:entry, SS:SP = 0:stack; the IVT at 0.
export function realModeState(s: InitialState, entry: u64, stack: u64): void {
  s.mode = CpuMode.Real;
  for (let i: u32 = 0; i < 6; i++) s.segment(i).set(0, 0, 0xffff, i == 1 ? AR_CODE_16 : AR_DATA_16);
  resetSystemSegments(s);
  s.gdtrBase = 0;
  s.gdtrLimit = 0xffff;
  s.idtrBase = 0;
  s.idtrLimit = 0x3ff; // 256 four-byte vectors
  s.cr0 = CR0_ET | CR0_NE;
  s.cr3 = 0;
  s.cr4 = 0;
  s.efer = 0;
  s.rflags = RFLAGS_FIXED_1;
  s.rip = entry;
  s.rsp = stack;
}

// The flat protected-mode starts share all but the code segment and the
// paging registers: 4 GiB segments with the boot protocols' selectors
// (CS 0x10, the others 0x18), no GDT or IDT given — the guest must load its
// own before reloading a segment register — and interrupts off.
function flatState(s: InitialState, mode: CpuMode, codeAr: u32, entry: u64): void {
  s.mode = mode;
  for (let i: u32 = 0; i < 6; i++) {
    if (i == 1) s.cs.set(0x10, 0, 0xffffffff, codeAr);
    else s.segment(i).set(0x18, 0, 0xffffffff, AR_DATA_32);
  }
  resetSystemSegments(s);
  s.gdtrBase = 0;
  s.gdtrLimit = 0;
  s.idtrBase = 0;
  s.idtrLimit = 0;
  s.rflags = RFLAGS_FIXED_1;
  s.rip = entry;
  s.rsp = 0;
}

// Flat 32-bit protected mode, paging off: CS a 4 GiB execute/read code
// segment, the others 4 GiB read/write data (the multiboot "machine state",
// Multiboot 0.6.96 §3.2; Linux boot protocol §"32-bit boot protocol").
export function protectedFlatState(s: InitialState, entry: u64): void {
  flatState(s, CpuMode.Protected32, AR_CODE_32, entry);
  s.cr0 = CR0_PE | CR0_ET | CR0_NE;
  s.cr3 = 0;
  s.cr4 = 0;
  s.efer = 0;
}

// 64-bit long mode: paging on over the 4-level tables at `cr3` (CR4.PAE,
// EFER.LME and LMA, CR0.PG; SDM Vol. 3A §10.8.5), CS a 64-bit code segment
// and flat data segments (Linux boot protocol §"64-bit boot protocol":
// __BOOT_CS 0x10, __BOOT_DS 0x18).
export function longModeState(s: InitialState, entry: u64, cr3: u64): void {
  flatState(s, CpuMode.Long64, AR_CODE_64, entry);
  s.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
  s.cr3 = cr3;
  s.cr4 = CR4_PAE;
  s.efer = EFER_LME | EFER_LMA; // NXE is the guest's to set: a CPU without NX refuses it
}

// The packed SVM segment attribute (APM Vol. 2 §15.5.1: descriptor bits
// 47:40 in 7:0, bits 55:52 in 11:8); an unusable segment is not present.
export function svmAttributes(ar: u32): u32 {
  if ((ar & AR_UNUSABLE) != 0) return 0;
  return (ar & 0xff) | ((ar >> 4) & 0xf00);
}

// The inverse: the VMX encoding of a packed SVM attribute (an all-zero
// attribute is a segment that is not present: unusable).
export function vmxAccessRights(attrib: u32): u32 {
  if (attrib == 0) return AR_UNUSABLE;
  return (attrib & 0xff) | ((attrib & 0xf00) << 4);
}

// The privilege level the guest starts at: SS.DPL (SDM Vol. 3C §26.3.1.2).
export function startCpl(s: InitialState): u32 {
  return (s.ss.ar >> 5) & 3;
}
