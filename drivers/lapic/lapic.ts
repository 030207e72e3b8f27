// The guest's local APIC (Intel SDM Vol. 3A §12): the vCPU's interrupt
// controller, its xAPIC registers by MMIO at IA32_APIC_BASE, its x2APIC
// registers by MSR (drivers/lapic/lapic-msrs.ts), its timer
// (./lapic-timer.ts) and register file with the priority rules
// (./lapic-registers.ts).
//
// What the vCPU is offered (pending()): an interrupt from the 8259 pair
// behind LINT0 in ExtINT mode first — it bypasses IRR, ISR and the task
// priority (SDM §12.5.1: the INTA cycle goes to the external controller,
// which supplies the vector) — then the highest requested vector whose
// priority class is above the processor priority's. While the APIC is
// globally disabled (IA32_APIC_BASE.EN = 0: LINT0 is the processor's INTR
// pin, SDM §12.4.3) or software-disabled (as after reset, SVR 0xFF), the
// 8259's INTR passes straight through: the virtual-wire mode a PC is in
// before an operating system programs its APIC (MultiProcessor
// Specification 1.4 §3.6.2.2); the test guest pit-irq runs so. Once the
// APIC is software-enabled, LVT LINT0 decides: ExtINT and unmasked, the
// 8259 is heard; masked, it is ignored. Nothing drives LINT1 (no NMI
// source) or LINT0 in a mode other than ExtINT.
//
// One vCPU: an IPI reaches this APIC only (fixed, lowest-priority or NMI
// delivery, to itself by shorthand or by a destination that matches);
// INIT, SIPI and SMI IPIs are not delivered. NMIs also come as I/O APIC
// and MSI messages in NMI delivery mode (LapicBusPort).
import { InterruptController, ApicBus, EoiListener, SOURCE_IPI, DELIVERY_FIXED, DELIVERY_LOWEST, DELIVERY_EXTINT, DELIVERY_NMI } from "../../kernel/vm/irq";
import { Clock } from "../../kernel/vm/clock";
import { MmioBus, MmioDevice } from "../../kernel/vm/mmio-bus";
import * as R from "./lapic-registers";
import { LapicRegisters } from "./lapic-registers";
import { LapicTimer } from "./lapic-timer";

export const LAPIC_DEFAULT_BASE: u64 = 0xfee00000;
export const LAPIC_PAGE_BYTES: u64 = 4096;
// IA32_APIC_BASE (SDM §12.4.4, Figure 12-5; §12.12.1, Table 12-5): BSP 8,
// EXTD 10 (x2APIC mode), EN 11 (globally enabled), base from bit 12.
export const APIC_BASE_BSP: u64 = 1 << 8;
export const APIC_BASE_EXTD: u64 = 1 << 10;
export const APIC_BASE_EN: u64 = 1 << 11;
const APIC_BASE_RESERVED_LOW: u64 = 0x2ff; // bits 7:0 and 9

// How each register (offset / 16) may be accessed, in xAPIC mode (SDM Table
// 12-1) and in x2APIC mode (Table 12-6). No bit: reserved in that mode.
export const XR: u8 = 1;   // xAPIC read
export const XW: u8 = 2;   // xAPIC write
export const X2R: u8 = 4;  // x2APIC read
export const X2W: u8 = 8;  // x2APIC write
const RW: u8 = XR | XW | X2R | X2W;
const RO: u8 = XR | X2R;
const ACCESS: StaticArray<u8> = [
  0, 0, XR | XW | X2R, RO, 0, 0, 0, 0,           // 000-070: ID (x2APIC: read-only), version
  RW, XR, RO, XW | X2W, XR, XR | XW | X2R, XR | XW, RW, // 080-0F0: TPR, APR, PPR, EOI, RRD, LDR, DFR, SVR
  RO, RO, RO, RO, RO, RO, RO, RO,                // 100-170: ISR
  RO, RO, RO, RO, RO, RO, RO, RO,                // 180-1F0: TMR
  RO, RO, RO, RO, RO, RO, RO, RO,                // 200-270: IRR
  RW, 0, 0, 0, 0, 0, 0, 0,                       // 280-2F0: ESR; no CMCI
  RW, XR | XW, RW, RW, RW, RW, RW, RW,           // 300-370: ICR (high: xAPIC only), LVT timer..error
  RW, RO, 0, 0, 0, 0, RW, X2W,                   // 380-3F0: initial, current count, divide, SELF IPI
];

// ICR (SDM §12.6.1, Figure 12-12): vector 7:0, delivery mode 10:8,
// destination mode 11 (1: logical), delivery status 12 (read-only: idle
// here, delivery is at once), level 14, trigger mode 15, shorthand 19:18.
const ICR_WRITABLE: u32 = 0x000ccfff;
const ICR_LOGICAL: u32 = 1 << 11;
const SHORTHAND_NONE: u32 = 0;
const SHORTHAND_SELF: u32 = 1;
const SHORTHAND_ALL_INCLUDING_SELF: u32 = 2;

export class Lapic extends InterruptController {
  regs!: LapicRegisters;
  timer!: LapicTimer;
  mmio!: LapicMmio;
  bus!: LapicBusPort;
  apicBase: u64;
  // The 8259 pair behind LINT0, and where level EOIs are broadcast.
  ext: InterruptController | null = null;
  eoiListener: EoiListener | null = null;
  private lastFromExt: bool = false;
  // An NMI accepted and not yet taken by the vCPU (one latch: NMIs are edge-triggered).
  private nmi: bool = false;
  nmisAccepted: u64 = 0;

  // `id`: the APIC ID (the vCPU's); the page is registered on `mmioBus` at
  // the default base; `ramEnd` and `physBits` bound where it may move.
  constructor(public clock: Clock, public mmioBus: MmioBus, id: u32, public ramEnd: u64, public physBits: u32) {
    super();
    this.regs = new LapicRegisters(id);
    this.timer = new LapicTimer(clock, this.regs);
    this.mmio = new LapicMmio(this);
    this.bus = new LapicBusPort(this);
    // xAPIC at 0xFEE00000, globally enabled, the bootstrap processor (SDM
    // §12.4.4): the state after reset.
    this.apicBase = LAPIC_DEFAULT_BASE | APIC_BASE_EN | (id == 0 ? APIC_BASE_BSP : 0);
    mmioBus.register(LAPIC_DEFAULT_BASE, LAPIC_PAGE_BYTES, this.mmio);
  }

  @inline enabled(): bool { return (this.apicBase & APIC_BASE_EN) != 0; }
  @inline x2apicMode(): bool { return (this.apicBase & APIC_BASE_EXTD) != 0; }
  @inline xapicMode(): bool { return this.enabled() && !this.x2apicMode(); }
  base(): u64 { return this.apicBase & ~<u64>0xfff; }

  // Is the 8259's INTR heard (see the top of the file)?
  extIntOpen(): bool {
    if (!this.enabled() || !this.regs.softwareEnabled()) return true;
    const lint0 = unchecked(this.regs.lvt[R.LVT_LINT0]);
    return (lint0 & R.LVT_MASKED) == 0 && ((lint0 >> R.LVT_DELIVERY_MODE_SHIFT) & 7) == DELIVERY_EXTINT;
  }

  // ---- the vCPU's interrupt controller ----
  pending(): i32 {
    const ext = this.ext;
    if (ext !== null && this.extIntOpen()) {
      const v = ext.pending();
      if (v >= 0) return v;
    }
    return this.enabled() ? this.regs.pendingVector() : -1;
  }

  acknowledge(vector: u32): void {
    const ext = this.ext;
    this.lastFromExt = ext !== null && this.extIntOpen() && ext.pending() >= 0;
    if (this.lastFromExt) ext!.acknowledge(vector);
    else this.regs.ack(vector);
  }

  nmiPending(): bool { return this.nmi; }
  acknowledgeNmi(): void { this.nmi = false; }

  // An NMI for this processor (SDM §12.6.1, delivery mode 100B: "the vector
  // information is ignored"); it is taken even while the APIC is
  // software-disabled (§12.4.7.2 lists only the LVT masks and fixed
  // interrupts as affected), but not while globally disabled (§12.4.3: the
  // APIC is then off and LINT1 is the processor's NMI pin, which nothing
  // here drives).
  acceptNmi(): bool {
    if (!this.enabled()) return false;
    this.nmi = true;
    this.nmisAccepted++;
    return true;
  }

  source(vector: u32): i32 {
    const ext = this.ext;
    return this.lastFromExt && ext !== null ? ext.source(vector) : this.regs.source(vector);
  }

  // CR8 is TPR[7:4] (SDM §12.8.6.1, Figure 12-25).
  cr8(): u32 { return this.regs.tpr >> 4; }
  setCr8(value: u32): void { this.regs.tpr = (value & 0xf) << 4; }

  // ---- EOI and IPIs ----
  // The highest vector in service ends; a level-triggered one (its TMR bit)
  // is broadcast to the I/O APIC (SDM §12.8.5).
  eoi(): void {
    const v = this.regs.eoi();
    const to = this.eoiListener;
    if (v >= 0 && to !== null && this.regs.levelTriggered(<u32>v)) to.eoi(<u32>v);
  }

  // The ICR was written (SDM §12.6.1): send the IPI it describes. `dest` is
  // ICR bits 63:56 in xAPIC mode, 63:32 in x2APIC mode.
  sendIpi(low: u32, dest: u32): void {
    const shorthand = (low >> 18) & 3;
    let toSelf = shorthand == SHORTHAND_SELF || shorthand == SHORTHAND_ALL_INCLUDING_SELF;
    if (shorthand == SHORTHAND_NONE) toSelf = this.regs.matches(dest, (low & ICR_LOGICAL) != 0, !this.regs.x2apic);
    const mode = (low >> R.LVT_DELIVERY_MODE_SHIFT) & 7;
    if (!toSelf) return;
    if (mode == DELIVERY_NMI) this.acceptNmi();
    else if (mode == DELIVERY_FIXED || mode == DELIVERY_LOWEST) this.selfIpi(low & 0xff);
  }

  // A fixed, edge-triggered IPI to this APIC (ICR, x2APIC SELF IPI
  // §12.12.11). Vectors 0-15 are refused by the sender (SDM §12.5.3).
  selfIpi(vector: u32): void {
    if (vector < 16) {
      this.regs.error(R.ESR_SEND_ILLEGAL_VECTOR);
      return;
    }
    if (this.enabled()) this.regs.accept(vector, false, SOURCE_IPI);
  }

  // ---- registers, shared by the xAPIC page and the x2APIC MSRs ----
  static access(offset: u32): u8 { return offset < 0x400 ? unchecked(ACCESS[<i32>(offset >> 4)]) : 0; }

  // A register's value; `offset` 16-byte aligned, readable in this mode.
  readRegister(offset: u32): u32 {
    const r = this.regs;
    if (offset >= R.LAPIC_ISR && offset < R.LAPIC_ESR) {
      const i = <i32>((offset - R.LAPIC_ISR) >> 4);
      if (i < 8) return unchecked(r.isr[i]);
      if (i < 16) return unchecked(r.tmr[i - 8]);
      return unchecked(r.irr[i - 16]);
    }
    if (offset >= R.LAPIC_LVT_TIMER && offset <= R.LAPIC_LVT_ERROR) return unchecked(r.lvt[<i32>((offset - R.LAPIC_LVT_TIMER) >> 4)]);
    switch (offset) {
      case R.LAPIC_ID: return r.idRegister();
      case R.LAPIC_VERSION: return R.LAPIC_VERSION_VALUE;
      case R.LAPIC_TPR: return r.tpr;
      case R.LAPIC_APR: return r.apr();
      case R.LAPIC_PPR: return r.ppr();
      case R.LAPIC_LDR: return r.ldr;
      case R.LAPIC_DFR: return r.dfr;
      case R.LAPIC_SVR: return r.svr;
      case R.LAPIC_ESR: return r.esr;
      case R.LAPIC_ICR_LOW: return r.icrLow;
      case R.LAPIC_ICR_HIGH: return r.icrHigh;
      case R.LAPIC_TIMER_INITIAL: return this.timer.initial;
      case R.LAPIC_TIMER_CURRENT: return this.timer.current(this.clock.now());
      case R.LAPIC_TIMER_DIVIDE: return this.timer.divide;
    }
    return 0; // EOI, RRD, SELF IPI
  }

  // A write to a register writable in this mode. False where x2APIC mode
  // raises #GP for the value: a non-zero EOI or ESR write (SDM §12.12.1.2).
  writeRegister(offset: u32, value: u32): bool {
    const r = this.regs;
    const now = this.clock.now();
    if (offset >= R.LAPIC_LVT_TIMER && offset <= R.LAPIC_LVT_ERROR) {
      const entry = <i32>((offset - R.LAPIC_LVT_TIMER) >> 4);
      const old = unchecked(r.lvt[entry]);
      r.writeLvt(entry, value);
      if (entry == R.LVT_TIMER) this.timer.lvtChanged(old);
      return true;
    }
    switch (offset) {
      case R.LAPIC_ID: r.writeId(value); break;
      case R.LAPIC_TPR: r.tpr = value & 0xff; break;
      case R.LAPIC_EOI:
        if (r.x2apic && value != 0) return false;
        this.eoi();
        break;
      case R.LAPIC_LDR: r.writeLdr(value); break;
      case R.LAPIC_DFR: r.writeDfr(value); break;
      case R.LAPIC_SVR: r.writeSvr(value); break;
      case R.LAPIC_ESR:
        if (r.x2apic && value != 0) return false;
        r.writeEsr();
        break;
      case R.LAPIC_ICR_LOW:
        r.icrLow = value & ICR_WRITABLE;
        this.sendIpi(r.icrLow, r.x2apic ? r.icrHigh : r.icrHigh >> 24);
        break;
      case R.LAPIC_ICR_HIGH: r.icrHigh = value & 0xff000000; break;
      case R.LAPIC_TIMER_INITIAL: this.timer.writeInitial(value, now); break;
      case R.LAPIC_TIMER_DIVIDE: this.timer.writeDivide(value, now); break;
      case R.LAPIC_SELF_IPI: this.selfIpi(value & 0xff); break;
    }
    return true;
  }

  // ---- IA32_APIC_BASE (SDM §12.4.4; §12.12.5, Figure 12-27) ----
  // False for #GP: a reserved bit set (7:0, 9, above MAXPHYADDR), the
  // invalid state EN = 0 with EXTD = 1, or a transition the SDM forbids
  // (x2APIC to xAPIC, disabled to x2APIC). BSP is read-only. Disabling
  // resets the APIC to its power-up state (SDM §12.4.7.1: it comes back so
  // when re-enabled); entering x2APIC mode keeps the state but fixes the ID
  // and LDR. A new base moves the xAPIC page; tsvisor refuses (#GP) a base
  // inside guest RAM, which nested paging maps whole, or over another
  // device.
  writeApicBase(value: u64): bool {
    const physMask: u64 = this.physBits >= 64 ? 0xffffffffffffffff : (<u64>1 << this.physBits) - 1;
    if ((value & (APIC_BASE_RESERVED_LOW | ~physMask)) != 0) return false;
    const en = (value & APIC_BASE_EN) != 0;
    const extd = (value & APIC_BASE_EXTD) != 0;
    if (extd && !en) return false;
    if (this.x2apicMode() && en && !extd) return false;
    if (!this.enabled() && extd) return false;
    const base = value & ~<u64>0xfff;
    if (base != this.base()) {
      if (base < this.ramEnd || !this.mmioBus.relocate(this.mmio, base)) return false;
    }
    if (!en && this.enabled()) {
      this.regs.reset();
      this.timer.reset();
    }
    if (extd && !this.x2apicMode()) this.regs.enterX2apic();
    this.apicBase = (value & ~APIC_BASE_BSP) | (this.apicBase & APIC_BASE_BSP);
    return true;
  }
}

// The xAPIC page (SDM §12.4.1): registers at 16-byte-aligned offsets,
// accessed as aligned 32-bit loads and stores; other sizes and alignments
// are undefined there, and tsvisor does what KVM does: a narrower read
// inside a register's first four bytes gets those bytes, bytes 4-15 of each
// slot read as 0, and any other write is dropped. A reserved register reads
// 0, and either access logs "Illegal Register Address" (SDM §12.5.3); a
// read-only one ignores writes. In x2APIC mode or globally disabled, the
// page is not the APIC's (SDM §12.12.1.2): reads give all ones, writes are
// dropped.
export class LapicMmio extends MmioDevice {
  constructor(public lapic: Lapic) { super(); }

  name(): string { return "local-apic"; }

  read(offset: u64, size: u32): u64 {
    const mask: u64 = size >= 8 ? 0xffffffffffffffff : (<u64>1 << (<u64>size * 8)) - 1;
    const lapic = this.lapic;
    if (!lapic.xapicMode()) return mask;
    const within = <u32>(offset & 0xf);
    const reg = <u32>(offset & 0xff0);
    const access = Lapic.access(reg);
    if ((access & (XR | XW)) == 0) {
      lapic.regs.error(R.ESR_ILLEGAL_REGISTER);
      return 0;
    }
    if (within >= 4 || (access & XR) == 0) return 0;
    return (<u64>lapic.readRegister(reg) >> (<u64>within * 8)) & mask;
  }

  write(offset: u64, size: u32, value: u64): void {
    const lapic = this.lapic;
    if (!lapic.xapicMode() || size != 4 || (offset & 0xf) != 0) return;
    const reg = <u32>(offset & 0xff0);
    const access = Lapic.access(reg);
    if ((access & (XR | XW)) == 0) lapic.regs.error(R.ESR_ILLEGAL_REGISTER);
    else if ((access & XW) != 0) lapic.writeRegister(reg, <u32>value);
  }
}

// Interrupt messages from the I/O APIC and MSIs: fixed and lowest-priority
// delivery to a matching destination enter the IRR (SDM §12.8.4), NMI
// delivery latches an NMI; other delivery modes are not taken (the 8259
// reaches the vCPU through LINT0 only).
export class LapicBusPort extends ApicBus {
  constructor(public lapic: Lapic) { super(); }
  deliver(dest: u32, logical: bool, mode: u32, vector: u32, level: bool, source: i32): bool {
    const lapic = this.lapic;
    if (!lapic.enabled() || (mode != DELIVERY_FIXED && mode != DELIVERY_LOWEST && mode != DELIVERY_NMI)) return false;
    if (!lapic.regs.matches(dest, logical, true)) return false;
    if (mode == DELIVERY_NMI) return lapic.acceptNmi();
    return lapic.regs.accept(vector, level, source);
  }
}

// Which bits a write may set in x2APIC mode, where setting any other raises
// #GP (SDM §12.12.1.3, reserved-bit checking).
export function x2apicWritable(offset: u32): u32 {
  if (offset >= R.LAPIC_LVT_TIMER && offset <= R.LAPIC_LVT_ERROR) return R.lvtWritable(<i32>((offset - R.LAPIC_LVT_TIMER) >> 4));
  switch (offset) {
    case R.LAPIC_TPR: return 0xff;
    case R.LAPIC_SVR: return 0x3ff;
    case R.LAPIC_ICR_LOW: return ICR_WRITABLE;
    case R.LAPIC_TIMER_INITIAL: return 0xffffffff;
    case R.LAPIC_TIMER_DIVIDE: return 0xb;
    case R.LAPIC_SELF_IPI: return 0xff;
  }
  return 0; // EOI, ESR: only 0 may be written
}
