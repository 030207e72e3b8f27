// The local APIC's register file and its priority rules (Intel SDM Vol. 3A
// §12.4-§12.9): ID, version, TPR/APR/PPR, the 256-bit IRR, ISR and TMR as
// eight 32-bit words each, the ESR, the LVT entries, the ICR, the spurious
// vector register and LDR/DFR. What an access means in xAPIC or x2APIC mode
// is drivers/lapic/lapic.ts; the timer is drivers/lapic/lapic-timer.ts.
// Nothing here touches hardware; no access allocates.
import { SOURCE_NONE, SOURCE_LAPIC_ERROR } from "../../kernel/vm/irq";

// Register offsets in the xAPIC page (SDM Table 12-1); the x2APIC MSR is
// 0x800 + offset / 16 (SDM §12.12.1.2, Table 12-6).
export const LAPIC_ID: u32 = 0x020;
export const LAPIC_VERSION: u32 = 0x030;
export const LAPIC_TPR: u32 = 0x080;
export const LAPIC_APR: u32 = 0x090;
export const LAPIC_PPR: u32 = 0x0a0;
export const LAPIC_EOI: u32 = 0x0b0;
export const LAPIC_RRD: u32 = 0x0c0;
export const LAPIC_LDR: u32 = 0x0d0;
export const LAPIC_DFR: u32 = 0x0e0;
export const LAPIC_SVR: u32 = 0x0f0;
export const LAPIC_ISR: u32 = 0x100;       // 0x100-0x170: vectors 32k..32k+31 at 0x100 + 0x10 k
export const LAPIC_TMR: u32 = 0x180;
export const LAPIC_IRR: u32 = 0x200;
export const LAPIC_ESR: u32 = 0x280;
export const LAPIC_LVT_CMCI: u32 = 0x2f0;
export const LAPIC_ICR_LOW: u32 = 0x300;
export const LAPIC_ICR_HIGH: u32 = 0x310;
export const LAPIC_LVT_TIMER: u32 = 0x320;
export const LAPIC_LVT_THERMAL: u32 = 0x330;
export const LAPIC_LVT_PERF: u32 = 0x340;
export const LAPIC_LVT_LINT0: u32 = 0x350;
export const LAPIC_LVT_LINT1: u32 = 0x360;
export const LAPIC_LVT_ERROR: u32 = 0x370;
export const LAPIC_TIMER_INITIAL: u32 = 0x380;
export const LAPIC_TIMER_CURRENT: u32 = 0x390;
export const LAPIC_TIMER_DIVIDE: u32 = 0x3e0;
export const LAPIC_SELF_IPI: u32 = 0x3f0;  // x2APIC only

// The LVT entries this APIC has, in register order from 0x320 (SDM §12.5.1).
// No CMCI entry: there is no machine-check model behind it.
export const LVT_TIMER: i32 = 0;
export const LVT_THERMAL: i32 = 1;
export const LVT_PERF: i32 = 2;
export const LVT_LINT0: i32 = 3;
export const LVT_LINT1: i32 = 4;
export const LVT_ERROR: i32 = 5;
const LVT_COUNT: i32 = 6;

// Version register (SDM §12.4.8, Figure 12-7): version 0x14 (an integrated
// APIC, as Intel's since the Pentium 4), "Max LVT Entry" = entries - 1 in
// bits 23:16, bit 24 (EOI-broadcast suppression) clear: the I/O APIC is a
// version 0x11 without an EOI register, so every level EOI is broadcast.
export const LAPIC_VERSION_VALUE: u32 = 0x14 | (<u32>(LVT_COUNT - 1) << 16);

// LVT bits (SDM §12.5.1, Figure 12-8).
export const LVT_VECTOR: u32 = 0xff;
export const LVT_DELIVERY_MODE_SHIFT: u32 = 8;     // bits 10:8
export const LVT_DELIVERY_STATUS: u32 = 1 << 12;   // read-only, 0: idle
export const LVT_POLARITY: u32 = 1 << 13;          // LINT0/1: 1 active low
export const LVT_REMOTE_IRR: u32 = 1 << 14;        // LINT0/1, read-only
export const LVT_LEVEL: u32 = 1 << 15;             // LINT0/1 trigger mode
export const LVT_MASKED: u32 = 1 << 16;
export const LVT_TIMER_MODE_SHIFT: u32 = 17;       // bits 18:17
// What a write can set in each entry: the vector and mask everywhere, the
// delivery mode where the entry has one, the timer mode, and polarity and
// trigger mode on the LINT pins (remote IRR and delivery status are the
// APIC's own).
const LVT_WRITABLE: StaticArray<u32> = [
  LVT_VECTOR | LVT_MASKED | (3 << LVT_TIMER_MODE_SHIFT),         // timer
  LVT_VECTOR | LVT_MASKED | (7 << LVT_DELIVERY_MODE_SHIFT),      // thermal
  LVT_VECTOR | LVT_MASKED | (7 << LVT_DELIVERY_MODE_SHIFT),      // performance counters
  LVT_VECTOR | LVT_MASKED | (7 << LVT_DELIVERY_MODE_SHIFT) | LVT_POLARITY | LVT_LEVEL, // LINT0
  LVT_VECTOR | LVT_MASKED | (7 << LVT_DELIVERY_MODE_SHIFT) | LVT_POLARITY | LVT_LEVEL, // LINT1
  LVT_VECTOR | LVT_MASKED,                                        // error
];

export function lvtWritable(entry: i32): u32 { return LVT_WRITABLE[entry]; }

// Spurious-interrupt vector register (SDM §12.9, Figure 12-23): vector 7:0,
// APIC software enable 8, focus processor checking 9; bit 12 (EOI-broadcast
// suppression) is reserved here, as the version register says.
export const SVR_ENABLE: u32 = 1 << 8;
const SVR_WRITABLE: u32 = 0x3ff;
const SVR_RESET: u32 = 0xff;

// Error status register bits (SDM §12.5.3, Figure 12-9).
export const ESR_SEND_ILLEGAL_VECTOR: u32 = 1 << 5;
export const ESR_RECEIVE_ILLEGAL_VECTOR: u32 = 1 << 6;
export const ESR_ILLEGAL_REGISTER: u32 = 1 << 7;

// Destination format register (SDM §12.6.2.2, Figure 12-14): model in 31:28,
// 1111b flat, 0000b cluster; bits 27:0 read as ones.
const DFR_MODEL_FLAT: u32 = 0xf;
const DFR_RESERVED_ONES: u32 = 0x0fffffff;

// The highest bit set in a 256-bit register held as eight words, or -1.
export function highestBit(words: StaticArray<u32>): i32 {
  for (let i = 7; i >= 0; i--) {
    const w = unchecked(words[i]);
    if (w != 0) return (i << 5) | (31 - <i32>clz(w));
  }
  return -1;
}
@inline export function testBit(words: StaticArray<u32>, v: u32): bool {
  return (unchecked(words[<i32>(v >> 5)]) & (<u32>1 << (v & 31))) != 0;
}
@inline function setBit(words: StaticArray<u32>, v: u32): void {
  unchecked(words[<i32>(v >> 5)] |= <u32>1 << (v & 31));
}
@inline function clearBit(words: StaticArray<u32>, v: u32): void {
  unchecked(words[<i32>(v >> 5)] &= ~(<u32>1 << (v & 31)));
}

export class LapicRegisters {
  irr: StaticArray<u32> = new StaticArray<u32>(8);
  isr: StaticArray<u32> = new StaticArray<u32>(8);
  tmr: StaticArray<u32> = new StaticArray<u32>(8);
  lvt: StaticArray<u32> = new StaticArray<u32>(LVT_COUNT);
  // The APIC ID: the x2APIC ID in x2APIC mode; in xAPIC mode the register
  // holds it in bits 31:24 (SDM §12.4.6, §12.12.5.1).
  id: u32 = 0;
  tpr: u32 = 0;
  ldr: u32 = 0;
  dfr: u32 = 0xffffffff;
  svr: u32 = SVR_RESET;
  esr: u32 = 0;        // as last updated by a write to the ESR
  errors: u32 = 0;     // detected since that write
  icrLow: u32 = 0;
  icrHigh: u32 = 0;    // xAPIC: destination in 31:24; x2APIC: all 32 bits
  x2apic: bool = false;
  // Where each vector in the IRR came from, for the statistics (SOURCE_*).
  sources: StaticArray<i32> = new StaticArray<i32>(256);

  constructor(public initialId: u32) { this.reset(); }

  // The state after power-up or reset (SDM §12.4.7.1): IRR, ISR, TMR, ICR,
  // LDR and TPR zero; DFR all ones; every LVT entry masked; SVR 0xFF, so
  // the APIC is software-disabled; the ID as the hardware assigns it.
  reset(): void {
    for (let i = 0; i < 8; i++) {
      unchecked(this.irr[i] = 0);
      unchecked(this.isr[i] = 0);
      unchecked(this.tmr[i] = 0);
    }
    for (let i = 0; i < LVT_COUNT; i++) unchecked(this.lvt[i] = LVT_MASKED);
    this.id = this.initialId;
    this.tpr = 0;
    this.ldr = 0;
    this.dfr = 0xffffffff;
    this.svr = SVR_RESET;
    this.esr = 0;
    this.errors = 0;
    this.icrLow = 0;
    this.icrHigh = 0;
    this.x2apic = false;
  }

  @inline softwareEnabled(): bool { return (this.svr & SVR_ENABLE) != 0; }

  // Processor priority (SDM §12.8.3.1, Figure 12-19): the TPR if its class
  // is at least that of the highest vector in service, else that class.
  ppr(): u32 {
    const isrv = highestBit(this.isr);
    const isrClass: u32 = isrv < 0 ? 0 : <u32>isrv & 0xf0;
    return (this.tpr & 0xf0) >= isrClass ? this.tpr : isrClass;
  }

  // Arbitration priority (SDM §12.6.2.4, Figure 12-15): the TPR if its class
  // is at least the highest requested and above the highest in service,
  // else the highest of the three classes. xAPIC only.
  apr(): u32 {
    const irrv = highestBit(this.irr);
    const isrv = highestBit(this.isr);
    const irrClass: u32 = irrv < 0 ? 0 : <u32>irrv & 0xf0;
    const isrClass: u32 = isrv < 0 ? 0 : <u32>isrv & 0xf0;
    const tprClass = this.tpr & 0xf0;
    if (tprClass >= irrClass && tprClass > isrClass) return this.tpr;
    return max(tprClass, max(irrClass, isrClass));
  }

  // The highest vector requested whose priority class is above the
  // processor priority's (SDM §12.8.3.1, §12.8.4), or -1. A
  // software-disabled APIC holds what it has (SDM §12.4.7.2).
  pendingVector(): i32 {
    if (!this.softwareEnabled()) return -1;
    const v = highestBit(this.irr);
    if (v < 0 || (<u32>v & 0xf0) <= (this.ppr() & 0xf0)) return -1;
    return v;
  }

  // A fixed interrupt is accepted (SDM §12.8.4): its IRR bit is set, its TMR
  // bit set for level and cleared for edge triggering. Vectors 0-15 are
  // illegal: refused with "Receive Illegal Vector" (SDM §12.5.2-§12.5.3).
  // A software-disabled APIC accepts none. True if accepted.
  accept(vector: u32, level: bool, source: i32): bool {
    vector &= 0xff;
    if (!this.softwareEnabled()) return false;
    if (vector < 16) {
      this.error(ESR_RECEIVE_ILLEGAL_VECTOR);
      return false;
    }
    setBit(this.irr, vector);
    if (level) setBit(this.tmr, vector);
    else clearBit(this.tmr, vector);
    unchecked(this.sources[<i32>vector] = source);
    return true;
  }

  // An LVT entry's interrupt (timer, error): edge-triggered, fixed delivery,
  // unless the entry is masked (SDM §12.5.1).
  acceptLvt(entry: i32, source: i32): bool {
    const lvt = unchecked(this.lvt[entry]);
    if ((lvt & LVT_MASKED) != 0) return false;
    return this.accept(lvt & LVT_VECTOR, false, source);
  }

  // The processor takes the vector (the INTA cycle): IRR to ISR (SDM §12.8.4).
  ack(vector: u32): void {
    clearBit(this.irr, vector & 0xff);
    setBit(this.isr, vector & 0xff);
  }

  // EOI (SDM §12.8.5): the highest vector in service ends. Returns it, or
  // -1 if nothing was in service; the caller broadcasts it where its TMR
  // bit says it was level-triggered.
  eoi(): i32 {
    const v = highestBit(this.isr);
    if (v >= 0) clearBit(this.isr, <u32>v);
    return v;
  }

  @inline levelTriggered(vector: u32): bool { return testBit(this.tmr, vector); }

  source(vector: u32): i32 {
    return vector < 256 ? unchecked(this.sources[<i32>vector]) : SOURCE_NONE;
  }

  // The SVR (SDM §12.9): clearing the software enable masks every LVT
  // entry (SDM §12.4.7.2).
  writeSvr(value: u32): void {
    this.svr = value & SVR_WRITABLE;
    if (!this.softwareEnabled()) {
      for (let i = 0; i < LVT_COUNT; i++) unchecked(this.lvt[i] |= LVT_MASKED);
    }
  }

  // An LVT write: the entry's writable bits; while the APIC is software
  // disabled the mask cannot be cleared (SDM §12.4.7.2).
  writeLvt(entry: i32, value: u32): void {
    let v = (value & unchecked(LVT_WRITABLE[entry])) | (unchecked(this.lvt[entry]) & LVT_REMOTE_IRR);
    if (!this.softwareEnabled()) v |= LVT_MASKED;
    unchecked(this.lvt[entry] = v);
  }

  // An error is detected (SDM §12.5.3): it is logged until the next write
  // to the ESR, and the LVT error entry interrupts once for each new bit.
  error(bit: u32): void {
    if ((this.errors & bit) != 0) return;
    this.errors |= bit;
    this.acceptLvt(LVT_ERROR, SOURCE_LAPIC_ERROR);
  }

  // A write to the ESR loads it with the errors since the last write and
  // clears them (SDM §12.5.3).
  writeEsr(): void {
    this.esr = this.errors;
    this.errors = 0;
  }

  // The ID register as read: bits 31:24 in xAPIC mode, the 32-bit x2APIC
  // ID in x2APIC mode (SDM §12.4.6, §12.12.5.1).
  idRegister(): u32 { return this.x2apic ? this.id : this.id << 24; }
  writeId(value: u32): void { this.id = value >> 24; }

  // LDR (SDM §12.6.2.2, Figure 12-13): xAPIC bits 31:24 writable. DFR
  // (Figure 12-14): the model in 31:28, the rest ones.
  writeLdr(value: u32): void { this.ldr = value & 0xff000000; }
  writeDfr(value: u32): void { this.dfr = value | DFR_RESERVED_ONES; }

  // x2APIC mode is entered (SDM §12.12.5.1): the ID is the x2APIC ID and the
  // LDR is derived from it, cluster ID[19:4] in 31:16 and 1 << ID[3:0]
  // (SDM §12.12.10.2); the DFR is gone.
  enterX2apic(): void {
    this.x2apic = true;
    this.id = this.initialId;
    this.ldr = ((this.id >> 4) << 16) | (<u32>1 << (this.id & 0xf));
  }

  // Does a message for `dest` reach this APIC (SDM §12.6.2)? Physical mode
  // compares the ID, logical mode the LDR: flat, a bit of the 8-bit mask;
  // cluster, the cluster number and a bit of the member mask; x2APIC
  // logical, the 16-bit cluster and a bit of its 16 members (§12.12.10.2).
  // All ones is the broadcast. An 8-bit xAPIC-format message (from the I/O
  // APIC) to an APIC in x2APIC mode is compared the x2APIC way, its 0xFF
  // still the broadcast.
  matches(dest: u32, logical: bool, xapicFormat: bool): bool {
    if (xapicFormat) dest &= 0xff;
    if (this.x2apic) {
      if (dest == 0xffffffff || (xapicFormat && dest == 0xff)) return true;
      if (!logical) return dest == this.id;
      return (dest >> 16) == (this.ldr >> 16) && (dest & this.ldr & 0xffff) != 0;
    }
    dest &= 0xff;
    if (dest == 0xff) return true;
    if (!logical) return dest == (this.id & 0xff);
    const ldr = this.ldr >> 24;
    if ((this.dfr >> 28) == DFR_MODEL_FLAT) return (dest & ldr) != 0;
    return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf) != 0;
  }
}
