// A loader's initial state (kernel/vm/initial-state.ts) into the VMCB
// state-save area (AMD APM Vol. 2 Appendix B, Table B-2; the consistency
// checks VMRUN applies are §15.5.1). EFER.SVME stays set underneath (VMRUN
// refuses a guest without it) and is hidden from the guest by svm-vcpu.ts.
import * as B from "./vmcb";
import { InitialState, SEGMENT_COUNT, svmAttributes, startCpl } from "../vm/initial-state";
import { DR6_RESET, DR7_RESET, EFER_SVME } from "../arch/x86";

// The VMCB offset of segment i in the initial state's order (ES CS SS DS
// FS GS LDTR TR); the VMCB puts GDTR and IDTR between them.
export function vmcbSegment(i: u32): usize {
  if (i < 6) return B.SEG_ES + <usize>i * 16;
  return i == 6 ? B.SEG_LDTR : B.SEG_TR;
}

function putSegment(v: usize, at: usize, selector: u32, attrib: u32, limit: u32, base: u64): void {
  store<u16>(v + at, <u16>selector);
  store<u16>(v + at + B.SEG_ATTRIB, <u16>attrib);
  store<u32>(v + at + B.SEG_LIMIT, limit);
  store<u64>(v + at + B.SEG_BASE, base);
}

export function writeVmcbState(v: usize, s: InitialState): void {
  for (let i: u32 = 0; i < SEGMENT_COUNT; i++) {
    const seg = s.segment(i);
    putSegment(v, vmcbSegment(i), seg.selector, svmAttributes(seg.ar), seg.limit, seg.base);
  }
  putSegment(v, B.SEG_GDTR, 0, 0, s.gdtrLimit, s.gdtrBase);
  putSegment(v, B.SEG_IDTR, 0, 0, s.idtrLimit, s.idtrBase);
  store<u8>(v + B.CPL, <u8>startCpl(s));
  store<u64>(v + B.EFER, s.efer | EFER_SVME);
  store<u64>(v + B.CR0, s.cr0);
  store<u64>(v + B.CR3, s.cr3);
  store<u64>(v + B.CR4, s.cr4);
  store<u64>(v + B.DR7, DR7_RESET);
  store<u64>(v + B.DR6, DR6_RESET);
  store<u64>(v + B.RFLAGS, s.rflags);
  store<u64>(v + B.RIP, s.rip);
  store<u64>(v + B.RSP, s.rsp);
}
