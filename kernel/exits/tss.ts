// The task-state segment's layout, 32-bit (Intel SDM Vol. 3A §8.2.1,
// Figure 8-2) and 16-bit (§8.6, Figure 8-10), as the task switch reads the
// new task's state from it and saves the outgoing task's dynamic fields into
// it (kernel/exits/task-switch.ts). The general-purpose registers sit in the
// x86 encoding order (EAX ECX EDX EBX ESP EBP ESI EDI: kernel/vm/frame.ts)
// and the segment selectors in the segment-register order (ES CS SS DS FS
// GS), so both are one loop each.
export class TssLayout {
  constructor(
    public is32: bool,
    public minLimit: u32,  // the smallest TSS limit the switch accepts (§8.2.2, Table 8-2 row 3: 67H / 2BH)
    public cr3: u32,       // 0: none (16-bit)
    public eip: u32,
    public eflags: u32,
    public gprs: u32,      // 8 registers, `width` bytes each
    public segs: u32,      // `segCount` selectors, `segStride` bytes apart
    public segCount: u32,
    public segStride: u32,
    public ldt: u32,
    public width: u32,     // 4 or 2: register width
    public savedEnd: u32,  // the dynamic fields saved on a switch end here (§8.2.1)
  ) {}
}

// 32-bit: CR3 1CH, EIP 20H, EFLAGS 24H, EAX-EDI 28H-44H, ES-GS 48H-5CH, LDT 60H, T bit 64H.
export const TSS32 = new TssLayout(true, 0x67, 0x1c, 0x20, 0x24, 0x28, 0x48, 6, 4, 0x60, 4, 0x60);
// 16-bit: IP 0EH, FLAGS 10H, AX-DI 12H-20H, ES CS SS DS 22H-28H, LDT 2AH; no CR3, FS or GS.
export const TSS16 = new TssLayout(false, 0x2b, 0, 0x0e, 0x10, 0x12, 0x22, 4, 2, 0x2a, 2, 0x2a);
// The previous-task link is at 0 in both; the T (debug trap) flag is bit 0 at 64H (32-bit only).
export const TSS_LINK: u32 = 0;
export const TSS32_T: u32 = 0x64;
// Bytes read of a new TSS: through the I/O-map base (32-bit) or the LDT selector (16-bit).
export const TSS32_BYTES: u32 = 0x68;
export const TSS16_BYTES: u32 = 0x2c;

@inline export function tssField(buf: usize, at: u32, width: u32): u32 {
  return width == 4 ? load<u32>(buf + at) : <u32>load<u16>(buf + at);
}

@inline export function setTssField(buf: usize, at: u32, width: u32, v: u32): void {
  if (width == 4) store<u32>(buf + at, v);
  else store<u16>(buf + at, <u16>v);
}
