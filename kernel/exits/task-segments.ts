// Loading the new task's LDTR and segment registers from the selectors in
// its TSS, with the checks of a task switch (Intel SDM Vol. 3A §8.3, Table
// 8-2 rows 5-17; the descriptor rules of §5.5-5.8): a selector the rules
// refuse is a fault "in the context of the new task" (§8.3 step 12) —
// #TS with the selector as the error code, #NP for a segment not present,
// #SS for a stack segment not present. The caller injects it. The CPU sets
// a descriptor's accessed bit as it loads it (§3.4.5.1): so does this, and
// VM entry wants it in CS, SS and every usable data segment (SDM Vol. 3C
// §27.3.1.2).
import { Vcpu } from "../vm/vcpu";
import {
  Descriptor, readDescriptor, writeDescriptorHigh, DESC_OUTSIDE_TABLE, DESC_UNMAPPED, SELECTOR_TI, SELECTOR_RPL,
  TYPE_LDT, TYPE_ACCESSED, TYPE_CODE, TYPE_CONFORMING, TYPE_WRITABLE_READABLE,
} from "../vm/descriptor";
import { AR_UNUSABLE } from "../vm/initial-state";
import { VECTOR_TS, VECTOR_NP, VECTOR_SS } from "../arch/x86";

export const SEG_CS: u32 = 1;
export const SEG_SS: u32 = 2;
export const SEG_LDTR: u32 = 6;
export const SEG_TR: u32 = 7;

// What a step of the switch ends in: LOAD_OK, a fault to inject
// (LOAD_FAULT | vector << 16 | error code), or the memory the step needed
// is not there (LOAD_UNMAPPED: the VM stops).
export const LOAD_OK: u32 = 0;
export const LOAD_FAULT: u32 = <u32>1 << 31;
export const LOAD_UNMAPPED: u32 = 1 << 30;

@inline export function loadFault(vector: u32, errorCode: u32): u32 {
  return LOAD_FAULT | (vector << 16) | (errorCode & 0xffff);
}

const d = new Descriptor();

// LDTR: null is allowed (unusable); otherwise a present LDT descriptor in
// the GDT, or #TS (Table 8-2 rows 5 and 10).
export function loadTaskLdt(vcpu: Vcpu, selector: u32, ext: u32): u32 {
  const err = (selector & 0xfffc) | ext;
  if ((selector & 0xfffc) == 0) {
    vcpu.setSegment(SEG_LDTR, selector, 0, 0, AR_UNUSABLE);
    return LOAD_OK;
  }
  if ((selector & SELECTOR_TI) != 0) return loadFault(VECTOR_TS, err);
  const r = readDescriptor(vcpu, selector, d);
  if (r == DESC_UNMAPPED) return LOAD_UNMAPPED;
  if (r == DESC_OUTSIDE_TABLE || !d.system() || d.type() != TYPE_LDT || !d.present()) return loadFault(VECTOR_TS, err);
  vcpu.setSegment(SEG_LDTR, selector, d.base(), d.limit(), d.ar());
  return LOAD_OK;
}

// Segment register `seg` (ES CS SS DS FS GS = 0-5) of the new task, whose
// CPL is `cpl` (its CS selector's RPL: §8.3 step 11).
export function loadTaskSegment(vcpu: Vcpu, seg: u32, selector: u32, cpl: u32, ext: u32): u32 {
  const err = (selector & 0xfffc) | ext;
  if ((selector & 0xfffc) == 0) {
    // A null CS or SS is #TS (rows 7, 11); a null data segment loads unusable.
    if (seg == SEG_CS || seg == SEG_SS) return loadFault(VECTOR_TS, err);
    vcpu.setSegment(seg, selector, 0, 0, AR_UNUSABLE);
    return LOAD_OK;
  }
  const r = readDescriptor(vcpu, selector, d);
  if (r == DESC_UNMAPPED) return LOAD_UNMAPPED;
  if (r == DESC_OUTSIDE_TABLE || d.system()) return loadFault(VECTOR_TS, err);
  const type = d.type();
  const dpl = d.dpl();
  const rpl = selector & SELECTOR_RPL;
  const code = (type & TYPE_CODE) != 0;
  if (seg == SEG_CS) {
    // Code; a conforming one's DPL at most the RPL, any other's equal (row 6; §5.8.1.2).
    if (!code) return loadFault(VECTOR_TS, err);
    if ((type & TYPE_CONFORMING) != 0 ? dpl > rpl : dpl != rpl) return loadFault(VECTOR_TS, err);
    if (!d.present()) return loadFault(VECTOR_NP, err);
  } else if (seg == SEG_SS) {
    // Writable data at the CPL, selector RPL included (rows 7, 9, 13; §5.7); present or #SS (row 8).
    if (code || (type & TYPE_WRITABLE_READABLE) == 0 || dpl != cpl || rpl != cpl) return loadFault(VECTOR_TS, err);
    if (!d.present()) return loadFault(VECTOR_SS, err);
  } else {
    // Data or readable code (row 15); unless conforming code, DPL at least CPL and RPL (row 17).
    if (code && (type & TYPE_WRITABLE_READABLE) == 0) return loadFault(VECTOR_TS, err);
    if ((!code || (type & TYPE_CONFORMING) == 0) && (dpl < cpl || dpl < rpl)) return loadFault(VECTOR_TS, err);
    if (!d.present()) return loadFault(VECTOR_NP, err);
  }
  if ((type & TYPE_ACCESSED) == 0) {
    d.hi |= TYPE_ACCESSED << 8;
    if (!writeDescriptorHigh(vcpu, d)) return LOAD_UNMAPPED;
  }
  vcpu.setSegment(seg, selector, d.base(), d.limit(), d.ar());
  return LOAD_OK;
}
