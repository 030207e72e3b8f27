// The PC/AT's pair of 8259A interrupt controllers (Intel 8259A datasheet,
// order 231468): the master at 0x20/0x21 takes IRQ 0-7, the slave at
// 0xA0/0xA1 takes IRQ 8-15 and drives the master's IR2 (the cascade), and
// the chipset's edge/level control registers sit at 0x4D0/0x4D1 (ELCR1/
// ELCR2, Intel 82371AB PIIX4 datasheet, "Interrupt Controller Registers").
// Devices reach the pair through `sink` (an IrqSink, ISA IRQ numbers); the
// vCPU loop asks it as an InterruptController what the master's INTR
// output offers (virtual-wire mode) and runs the INTA cycle with
// acknowledge(). Nothing here touches hardware; no access allocates.
//
// Implemented: ICW1-ICW4 (edge/level by LTIM, single/cascade, vector base,
// AEOI, 8086 mode; MCS-80/85 mode is taken as 8086 mode, since an x86 CPU
// runs no CALL sequence), OCW1 mask, every OCW2 command (non-specific and
// specific EOI, rotation on EOI and in AEOI mode, set priority), OCW3
// (read IRR/ISR, poll, special mask mode), the special fully nested mode,
// spurious IRQ 7 and IRQ 15, and the ELCR. Buffered mode (ICW4 BUF, M/S)
// is stored and has no effect: it only steers the SP/EN pin.
import { PortDevice } from "../kernel/vm/port-bus";
import { IrqSink, InterruptController } from "../kernel/vm/irq";

// ICW1, written at A0 = 0 with D4 = 1 (datasheet "Initialization Command
// Words", ICW1 format).
const ICW1_IC4: u32 = 0x01;   // ICW4 follows
const ICW1_SNGL: u32 = 0x02;  // single 8259A: no ICW3
const ICW1_LTIM: u32 = 0x08;  // level-triggered inputs
const ICW1_INIT: u32 = 0x10;
// ICW4 (datasheet ICW4 format): µPM 8086 mode, AEOI, M/S, BUF, SFNM.
const ICW4_AEOI: u32 = 0x02;
const ICW4_SFNM: u32 = 0x10;
// Operation command words at A0 = 0 (datasheet "Operation Command Words"):
// D4 = 0 and D3 = 0 is OCW2 (R, SL, EOI, L2-L0); D3 = 1 is OCW3.
const OCW3_SELECT: u32 = 0x08;
const OCW2_NON_SPECIFIC_EOI: u32 = 0x20;
const OCW2_NOP: u32 = 0x40;
const OCW2_SPECIFIC_EOI: u32 = 0x60;
const OCW2_ROTATE_AEOI_CLEAR: u32 = 0x00;
const OCW2_ROTATE_AEOI_SET: u32 = 0x80;
const OCW2_ROTATE_NON_SPECIFIC_EOI: u32 = 0xa0;
const OCW2_SET_PRIORITY: u32 = 0xc0;
const OCW2_ROTATE_SPECIFIC_EOI: u32 = 0xe0;
const OCW3_RIS: u32 = 0x01;   // with RR: read the ISR, else the IRR
const OCW3_RR: u32 = 0x02;
const OCW3_P: u32 = 0x04;     // poll command
const OCW3_SMM: u32 = 0x20;
const OCW3_ESMM: u32 = 0x40;
// Poll word (datasheet "Poll Command"): I (bit 7) = a request was there,
// W2-W0 its level.
const POLL_INTERRUPT: u32 = 0x80;

// The PC/AT wiring: the slave's INT on the master's IR2.
export const CASCADE_IRQ: u32 = 2;
// ELCR bits that can be set: IRQ 0, 1, 2 (ELCR1) and 8, 13 (ELCR2) are
// edge-triggered for good (PIIX4 datasheet, ELCR1/ELCR2 "reserved, must be 0").
const ELCR1_WRITABLE: u32 = 0xf8;
const ELCR2_WRITABLE: u32 = 0xde;

// One 8259A. Its INT output is requested() >= 0; the pair runs its INTA.
export class I8259 extends PortDevice {
  irr: u32 = 0;          // interrupt request register
  isr: u32 = 0;          // in-service register
  imr: u32 = 0xff;       // interrupt mask register (OCW1)
  lines: u32 = 0;        // input levels as last driven (edge detection)
  elcr: u32 = 0;         // 1 = level-triggered (the chipset's ELCR)
  icw1: u32 = ICW1_INIT | ICW1_IC4;
  vectorBase: u32 = 0;   // ICW2 T7-T3 (8086 mode: the level fills bits 2-0)
  icw3: u32 = 0;         // master: a bit per IR with a slave; slave: its ID
  icw4: u32 = 0x01;      // 8086 mode
  initStep: u32 = 0;     // 0 operational, else the ICW expected next (2, 3, 4)
  readIsr: bool = false; // OCW3 RR/RIS: what a read at A0 = 0 returns
  pollNext: bool = false;
  specialMask: bool = false;
  rotateInAeoi: bool = false;
  lowest: u32 = 7;       // the lowest-priority level; (lowest + 1) & 7 is the highest
  // The slave's INT drives this chip's IR2 (null on the master).
  cascadeTo: I8259 | null = null;

  constructor(public isMaster: bool, public elcrWritable: u32, vectorBase: u32, icw3: u32) {
    super();
    this.vectorBase = vectorBase;
    this.icw3 = icw3;
  }

  name(): string { return this.isMaster ? "i8259-master" : "i8259-slave"; }

  // Level-triggered inputs: every one under ICW1 LTIM (a discrete 8259A),
  // else those the ELCR marks (a PIIX ignores LTIM for its ELCR; honouring
  // both changes nothing for a guest that sets only one).
  @inline private levelMask(): u32 { return (this.icw1 & ICW1_LTIM) != 0 ? 0xff : this.elcr; }

  // An input changed level (datasheet "Edge and Level Triggered Modes"):
  // edge mode latches a low-to-high transition in the IRR until INTA takes
  // it, whatever the line does next; level mode has the IRR follow the line.
  setInput(irq: u32, high: bool): void {
    const bit: u32 = 1 << irq;
    if ((this.levelMask() & bit) != 0) {
      this.irr = high ? this.irr | bit : this.irr & ~bit;
    } else if (high && (this.lines & bit) == 0) {
      this.irr |= bit;
    }
    this.lines = high ? this.lines | bit : this.lines & ~bit;
    this.changed();
  }

  setElcr(value: u32): void {
    const level = value & this.elcrWritable;
    // An input turned level-triggered reports its line at once.
    this.irr = (this.irr & ~level) | (this.lines & level);
    this.elcr = level;
    this.changed();
  }

  // Rank of a level under the current rotation: 0 is the highest priority.
  @inline private rank(irq: u32): u32 { return (irq - this.lowest - 1) & 7; }

  // The highest-priority level set in `bits`, or -1.
  private highest(bits: u32): i32 {
    if (bits == 0) return -1;
    for (let i: u32 = 1; i <= 8; i++) {
      const irq = (this.lowest + i) & 7;
      if ((bits & (1 << irq)) != 0) return <i32>irq;
    }
    return -1;
  }

  // The priority resolver (datasheet "Fully Nested Mode", "Special Mask
  // Mode", "Special Fully Nested Mode"): the highest-priority unmasked
  // request, if it outranks every level in service; -1 if INT stays low.
  // Special mask mode lets masked in-service levels stop blocking; in the
  // special fully nested mode the master lets a cascade input that is in
  // service request again (a higher-priority interrupt of the same slave).
  requested(): i32 {
    const req = this.highest(this.irr & ~this.imr);
    if (req < 0) return -1;
    const blocking = this.specialMask ? this.isr & ~this.imr : this.isr;
    const cur = this.highest(blocking);
    if (cur < 0) return req;
    const r = this.rank(<u32>req);
    const c = this.rank(<u32>cur);
    if (r < c) return req;
    const nested = this.isMaster && (this.icw4 & ICW4_SFNM) != 0 && (this.icw3 & (1 << <u32>req)) != 0;
    return r == c && nested ? req : -1;
  }

  // Level `irq` is acknowledged (datasheet "Interrupt Sequence"): it goes
  // in service unless AEOI ends it at once (rotating if asked), and an
  // edge-triggered request leaves the IRR; a level one stays while its
  // line is high.
  ack(irq: u32): void {
    const bit: u32 = 1 << irq;
    if ((this.icw4 & ICW4_AEOI) != 0) {
      if (this.rotateInAeoi) this.lowest = irq;
    } else {
      this.isr |= bit;
    }
    if ((this.levelMask() & bit) == 0) this.irr &= ~bit;
  }

  // After any change on the slave, its INT drives the master's IR2.
  changed(): void {
    const master = this.cascadeTo;
    if (master !== null) master.setInput(CASCADE_IRQ, this.requested() >= 0);
  }

  read(offset: u32, size: u32): u32 {
    if ((offset & 1) != 0) return this.imr;           // OCW1 reads back at A0 = 1
    if (this.pollNext) {
      // The poll command: this read is the INTA (datasheet "Poll Command").
      this.pollNext = false;
      const irq = this.requested();
      if (irq < 0) return 0x07;                       // I = 0; the level an empty INTA gives
      this.ack(<u32>irq);
      this.changed();
      return POLL_INTERRUPT | <u32>irq;
    }
    return this.readIsr ? this.isr : this.irr;
  }

  write(offset: u32, size: u32, value: u32): void {
    value &= 0xff;
    if ((offset & 1) != 0) this.writeData(value);
    else if ((value & ICW1_INIT) != 0) this.initialize(value);
    else if ((value & OCW3_SELECT) != 0) this.ocw3(value);
    else this.ocw2(value);
    this.changed();
  }

  // ICW1 starts the initialization sequence (datasheet "Initialization
  // Command Words" a-f): the edge sense resets (a latched edge is dropped;
  // a line held high must fall and rise again), the IMR and ISR clear,
  // IR7 gets the lowest priority, special mask mode ends, reads select the
  // IRR, and without IC4 the ICW4 functions are all zero.
  private initialize(value: u32): void {
    this.icw1 = value;
    this.irr &= this.levelMask() & this.lines;
    this.imr = 0;
    this.isr = 0;
    this.lowest = 7;
    this.specialMask = false;
    this.readIsr = false;
    this.pollNext = false;
    this.rotateInAeoi = false;
    if ((value & ICW1_IC4) == 0) this.icw4 = 0;
    this.initStep = 2;
  }

  // A0 = 1: the next ICW during initialization, else OCW1 (the mask).
  private writeData(value: u32): void {
    const step = this.initStep;
    const sngl = (this.icw1 & ICW1_SNGL) != 0;
    const ic4 = (this.icw1 & ICW1_IC4) != 0;
    if (step == 2) {
      this.vectorBase = value & 0xf8;                 // T7-T3; 8086 mode ignores bits 2-0
      this.initStep = sngl ? (ic4 ? 4 : 0) : 3;
    } else if (step == 3) {
      this.icw3 = value;
      this.initStep = ic4 ? 4 : 0;
    } else if (step == 4) {
      this.icw4 = value;
      this.initStep = 0;
    } else {
      this.imr = value;
    }
  }

  // OCW2: R, SL and EOI select the command, L2-L0 the level where SL = 1.
  private ocw2(value: u32): void {
    const level = value & 7;
    const op = value & 0xe0;
    if (op == OCW2_NON_SPECIFIC_EOI || op == OCW2_ROTATE_NON_SPECIFIC_EOI) {
      // The highest-priority level in service ends (datasheet "End of Interrupt").
      const irq = this.highest(this.isr);
      if (irq >= 0) {
        this.isr &= ~(1 << <u32>irq);
        if (op == OCW2_ROTATE_NON_SPECIFIC_EOI) this.lowest = <u32>irq; // "Automatic Rotation"
      }
    } else if (op == OCW2_SPECIFIC_EOI || op == OCW2_ROTATE_SPECIFIC_EOI) {
      this.isr &= ~(1 << level);
      if (op == OCW2_ROTATE_SPECIFIC_EOI) this.lowest = level;        // "Specific Rotation"
    } else if (op == OCW2_SET_PRIORITY) {
      this.lowest = level;
    } else if (op == OCW2_ROTATE_AEOI_SET) {
      this.rotateInAeoi = true;
    } else if (op == OCW2_ROTATE_AEOI_CLEAR) {
      this.rotateInAeoi = false;
    }
    // OCW2_NOP (0x40): no operation.
  }

  // OCW3 (datasheet "Reading the 8259A Status", "Poll Command", "Special
  // Mask Mode").
  private ocw3(value: u32): void {
    if ((value & OCW3_ESMM) != 0) this.specialMask = (value & OCW3_SMM) != 0;
    if ((value & OCW3_P) != 0) this.pollNext = true;
    if ((value & OCW3_RR) != 0) this.readIsr = (value & OCW3_RIS) != 0;
  }
}

// ELCR1 (0x4D0, IRQ 0-7) and ELCR2 (0x4D1, IRQ 8-15): 1 = level-triggered.
export class I8259Elcr extends PortDevice {
  constructor(public master: I8259, public slave: I8259) { super(); }
  name(): string { return "elcr"; }
  read(offset: u32, size: u32): u32 {
    if (offset == 0) return size == 1 ? this.master.elcr : this.master.elcr | this.slave.elcr << 8;
    return this.slave.elcr;
  }
  write(offset: u32, size: u32, value: u32): void {
    if (offset == 0) {
      this.master.setElcr(value & 0xff);
      if (size > 1) this.slave.setElcr((value >> 8) & 0xff);
    } else {
      this.slave.setElcr(value & 0xff);
    }
  }
}

// What devices' IrqLines point at: ISA IRQ n on the pair. IRQ 2 is the
// cascade itself: on the AT bus the pin called IRQ2 is wired to IRQ 9, so
// nothing drives it.
class I8259Inputs extends IrqSink {
  constructor(public master: I8259, public slave: I8259) { super(); }
  setIrq(line: u32, high: bool): void {
    if (line < 8) {
      if (line != CASCADE_IRQ) this.master.setInput(line, high);
    } else if (line < 16) {
      this.slave.setInput(line - 8, high);
    }
  }
}

export class I8259Pair extends InterruptController {
  // The reset state is the one a PC BIOS leaves (vectors 0x08 and 0x70,
  // cascade on IR2, 8086 mode), fully masked: with no firmware there are
  // no handlers, and a guest initializes both chips before unmasking.
  master: I8259 = new I8259(true, ELCR1_WRITABLE, 0x08, 1 << CASCADE_IRQ);
  slave: I8259 = new I8259(false, ELCR2_WRITABLE, 0x70, CASCADE_IRQ);
  elcr: I8259Elcr = new I8259Elcr(this.master, this.slave);
  sink: IrqSink = new I8259Inputs(this.master, this.slave);
  // INTA cycles whose vector differed from the one pending() gave just
  // before (a line changed in between); for the statistics.
  ackMismatches: u32 = 0;

  constructor() {
    super();
    this.slave.cascadeTo = this.master;
  }

  // ISA IRQ `line` (0-15) changed level (the IrqSink interface).
  setIrq(line: u32, high: bool): void { this.sink.setIrq(line, high); }

  // The vector the next INTA cycle would give, or -1 while the master's
  // INT is low. A master IR2 whose slave no longer requests anything (its
  // request was masked or went away after the edge was latched) gives the
  // slave's IR7 vector: spurious IRQ 15, as on a real PC.
  pending(): i32 {
    const m = this.master.requested();
    if (m < 0) return -1;
    if (<u32>m != CASCADE_IRQ) return <i32>(this.master.vectorBase + <u32>m);
    const s = this.slave.requested();
    return <i32>(this.slave.vectorBase + (s < 0 ? 7 : <u32>s));
  }

  acknowledge(vector: u32): void {
    if (this.inta() != vector) this.ackMismatches++;
  }

  // The ISA IRQ a vector of either chip stands for, for the statistics.
  source(vector: u32): i32 {
    if (vector >= this.master.vectorBase && vector < this.master.vectorBase + 8) return <i32>(vector - this.master.vectorBase);
    if (vector >= this.slave.vectorBase && vector < this.slave.vectorBase + 8) return <i32>(vector - this.slave.vectorBase + 8);
    return -1;
  }

  // The INTA cycle (datasheet "Interrupt Sequence", "Cascade Mode"): the
  // master puts its level in service; for the cascade input the slave
  // answers with its own. With no request left, the chip answers IR7 and
  // sets no ISR bit (spurious IRQ 7; IRQ 15 on the slave, where the
  // master's IR2 does go in service). The slave's INT is dropped for the
  // cycle and driven again after it, so that a request it still holds (in
  // AEOI or special mask mode) is a new edge on the master's IR2.
  inta(): u32 {
    const master = this.master;
    const m = master.requested();
    if (m < 0) return master.vectorBase + 7;
    master.ack(<u32>m);
    if (<u32>m != CASCADE_IRQ) return master.vectorBase + <u32>m;
    const slave = this.slave;
    const s = slave.requested();
    master.setInput(CASCADE_IRQ, false);
    if (s >= 0) slave.ack(<u32>s);
    slave.changed();
    return slave.vectorBase + (s < 0 ? 7 : <u32>s);
  }
}
