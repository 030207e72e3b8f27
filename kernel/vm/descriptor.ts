// Segment descriptors as they sit in the GDT or an LDT (Intel SDM Vol. 3A
// §3.4.5, Figure 3-8; AMD APM Vol. 2 §4.7), read and written through the
// guest's own paging, and turned into the descriptor cache a segment
// register holds (base, limit, VMX access rights: kernel/vm/initial-state.ts
// AR_*). For the hypervisor's own loads of segment registers: the task
// switch (kernel/exits/task-switch.ts).
import { Vcpu } from "./vcpu";
import { readGuestLinear, writeGuestLinear } from "./guest-walk";
import { AR_G } from "./initial-state";

// A selector: RPL in bits 1:0, TI (bit 2: the LDT), the index above (§3.4.2).
export const SELECTOR_TI: u32 = 1 << 2;
export const SELECTOR_RPL: u32 = 3;
// The S bit clear: a system descriptor, whose type (bits 3:0) says which
// (SDM Vol. 3A §3.5, Table 3-2).
export const TYPE_TSS16_AVAILABLE: u32 = 1;
export const TYPE_LDT: u32 = 2;
export const TYPE_TSS16_BUSY: u32 = 3;
export const TYPE_TSS32_AVAILABLE: u32 = 9;
export const TYPE_TSS32_BUSY: u32 = 11;
export const TYPE_TSS_BUSY_BIT: u32 = 2;    // busy = available | 2 (§8.2.2)
export const TYPE_TSS_32_BIT: u32 = 8;      // 32-bit TSS types have bit 3 (Table 3-2)
// Code and data types (S set; Table 3-1): bit 0 accessed, bit 1 writable
// (data) / readable (code), bit 2 expand-down / conforming, bit 3 code.
export const TYPE_ACCESSED: u32 = 1;
export const TYPE_WRITABLE_READABLE: u32 = 2;
export const TYPE_CONFORMING: u32 = 4;
export const TYPE_CODE: u32 = 8;

const raw = memory.data(8);

// One descriptor's fields, filled by readDescriptor.
export class Descriptor {
  lo: u32 = 0;  // bytes 3:0
  hi: u32 = 0;  // bytes 7:4
  at: u64 = 0;  // its linear address, to write it back

  base(): u64 { return <u64>((this.lo >> 16) | ((this.hi & 0xff) << 16) | (this.hi & 0xff000000)); }
  // In bytes: with G set the 20-bit limit counts 4 KiB units, the low 12
  // bits reading as ones (§3.4.5 "G flag").
  limit(): u32 {
    const l = (this.lo & 0xffff) | (this.hi & 0xf0000);
    return (this.ar() & AR_G) != 0 ? (l << 12) | 0xfff : l;
  }
  // The VMX access rights: descriptor bits 47:40 in 7:0, 55:52 in 15:12.
  ar(): u32 { return ((this.hi >> 8) & 0xff) | ((this.hi >> 8) & 0xf000); }
  type(): u32 { return (this.hi >> 8) & 0xf; }
  system(): bool { return (this.hi & (1 << 12)) == 0; } // S clear
  dpl(): u32 { return (this.hi >> 13) & 3; }
  present(): bool { return (this.hi & (1 << 15)) != 0; }
}

// Where reading a descriptor can end.
export const DESC_OK: u32 = 0;
export const DESC_OUTSIDE_TABLE: u32 = 1; // the index is past the table's limit
export const DESC_UNMAPPED: u32 = 2;      // the table's bytes are not in guest RAM

// The descriptor `selector` names: in the GDT, or (TI set) in the LDT that
// LDTR holds (segment 6). Outside 64-bit mode linear addresses wrap at 4 GiB.
export function readDescriptor(vcpu: Vcpu, selector: u32, d: Descriptor): u32 {
  const ldt = (selector & SELECTOR_TI) != 0;
  const base = ldt ? vcpu.segmentBase(6) : vcpu.gdtrBase();
  const limit = ldt ? vcpu.segmentLimit(6) : vcpu.gdtrLimit();
  const offset = <u64>(selector & 0xfff8);
  if (offset + 7 > <u64>limit) return DESC_OUTSIDE_TABLE;
  d.at = (base + offset) & 0xffffffff;
  if (readGuestLinear(vcpu, vcpu.vm.memory, d.at, raw, 8, true) != 8) return DESC_UNMAPPED;
  d.lo = load<u32>(raw);
  d.hi = load<u32>(raw, 4);
  return DESC_OK;
}

// Write the descriptor's high dword back (its type: busy and accessed bits).
export function writeDescriptorHigh(vcpu: Vcpu, d: Descriptor): bool {
  store<u32>(raw, d.hi);
  return writeGuestLinear(vcpu, vcpu.vm.memory, d.at + 4, raw, 4, true) == 4;
}
