// The I/O APIC (Intel 82093AA datasheet, order 290566) at 0xFEC00000: 24
// inputs (GSIs 0-23), each with a redirection entry that turns its signal
// into an interrupt message to the local APICs (an ApicBus). The guest
// reaches its registers indirectly: IOREGSEL at offset 0x00 selects one,
// IOWIN at 0x10 reads or writes it (datasheet §3.1), as 32-bit accesses;
// a byte write to IOREGSEL is taken too. Other offsets read 0 and drop
// writes (version 0x11 has no EOI register). Nothing here touches
// hardware; no access allocates.
//
// Inputs come through `inputs` (an IrqSink numbered by GSI) as the wire's
// level; the entry's polarity says which level is asserted. Edge-triggered:
// an assertion sends one message; a masked edge is lost (datasheet §3.2.4,
// "Interrupt Mask"). Level-triggered: while asserted and unmasked, a
// message is sent whenever remote IRR is clear; the accepting local APIC
// sets remote IRR, and its EOI broadcast for the entry's vector clears it
// (`eoi`, an EoiListener), sending again if the line is still asserted. An
// entry unmasked with its level input asserted sends at once.
//
// Delivery modes: fixed and lowest priority (one vCPU: the APIC the
// destination names) and NMI go to the bus; ExtINT, SMI and INIT are not
// delivered — the 8259 reaches the vCPU through LINT0 only (virtual wire
// through the I/O APIC is not modelled). An NMI entry is edge-triggered
// whatever its trigger bit (82093AA §3.2.4: "NMI ... the trigger mode
// bit is ignored, treated as edge"): no EOI ends it, so no remote IRR.
import { MmioDevice } from "../kernel/vm/mmio-bus";
import { IrqSink, ApicBus, EoiListener, SOURCE_GSI, DELIVERY_NMI } from "../kernel/vm/irq";

export const IOAPIC_BASE: u64 = 0xfec00000;
export const IOAPIC_BYTES: u64 = 4096;
export const IOAPIC_PINS: u32 = 24;

// Direct registers (datasheet §3.1, Table 1).
const IOREGSEL: u64 = 0x00;
const IOWIN: u64 = 0x10;
// Indirect registers (datasheet §3.2, Table 2).
const IOAPICID: u32 = 0x00;
const IOAPICVER: u32 = 0x01;
const IOAPICARB: u32 = 0x02;
const IOREDTBL: u32 = 0x10; // entry n: low dword 0x10 + 2n, high dword 0x11 + 2n
// IOAPICVER (§3.2.2): version 0x11 in bits 7:0, maximum redirection entry
// (entries - 1 = 23) in 23:16.
export const IOAPIC_VERSION_VALUE: u32 = 0x11 | ((IOAPIC_PINS - 1) << 16);
// IOAPICID (§3.2.1): the ID in bits 27:24; IOAPICARB (§3.2.3) has it too.
const ID_BITS: u32 = 0x0f000000;

// Redirection entry (§3.2.4), low dword: INTVEC 7:0, DELMOD 10:8, DESTMOD 11
// (1 logical), DELIVS 12 (read-only), INTPOL 13 (1 low active), Remote IRR
// 14 (read-only), trigger mode 15 (1 level), mask 16; high dword:
// destination in 31:24.
export const REDIR_VECTOR: u32 = 0xff;
export const REDIR_LOGICAL: u32 = 1 << 11;
export const REDIR_DELIVERY_STATUS: u32 = 1 << 12;
export const REDIR_LOW_ACTIVE: u32 = 1 << 13;
export const REDIR_REMOTE_IRR: u32 = 1 << 14;
export const REDIR_LEVEL: u32 = 1 << 15;
export const REDIR_MASKED: u32 = 1 << 16;
const REDIR_LOW_WRITABLE: u32 = 0x1afff; // all but DELIVS and Remote IRR
const REDIR_HIGH_WRITABLE: u32 = 0xff000000;

export class IoApic extends MmioDevice {
  ioregsel: u32 = 0;
  id: u32 = 0;
  low: StaticArray<u32> = new StaticArray<u32>(<i32>IOAPIC_PINS);
  high: StaticArray<u32> = new StaticArray<u32>(<i32>IOAPIC_PINS);
  lines: u32 = 0;   // each input's wire level as last driven (1 high)
  inputs!: IrqSink;
  eoiPort!: EoiListener;
  bus: ApicBus | null = null;

  constructor() {
    super();
    // Reset (§3.2.4): every entry masked.
    for (let i = 0; i < <i32>IOAPIC_PINS; i++) this.low[i] = REDIR_MASKED;
    this.inputs = new IoApicInputs(this);
    this.eoiPort = new IoApicEoi(this);
  }

  name(): string { return "ioapic"; }

  @inline private asserted(pin: u32): bool {
    const high = (this.lines & (<u32>1 << pin)) != 0;
    return (unchecked(this.low[<i32>pin]) & REDIR_LOW_ACTIVE) != 0 ? !high : high;
  }

  // GSI `pin`'s wire is at `high`.
  setInput(pin: u32, high: bool): void {
    if (pin >= IOAPIC_PINS) return;
    const was = this.asserted(pin);
    const bit: u32 = 1 << pin;
    this.lines = high ? this.lines | bit : this.lines & ~bit;
    const now = this.asserted(pin);
    const lo = unchecked(this.low[<i32>pin]);
    if ((lo & REDIR_LEVEL) != 0) {
      if (now) this.service(pin);
    } else if (now && !was) {
      this.service(pin);
    }
  }

  // Send the entry's message if it may be sent now: unmasked, and for a
  // level-triggered entry, asserted with remote IRR clear.
  private service(pin: u32): void {
    const lo = unchecked(this.low[<i32>pin]);
    if ((lo & REDIR_MASKED) != 0) return;
    const level = (lo & REDIR_LEVEL) != 0;
    if (level && ((lo & REDIR_REMOTE_IRR) != 0 || !this.asserted(pin))) return;
    const bus = this.bus;
    if (bus === null) return;
    const accepted = bus.deliver(unchecked(this.high[<i32>pin]) >> 24, (lo & REDIR_LOGICAL) != 0, (lo >> 8) & 7,
      lo & REDIR_VECTOR, level, SOURCE_GSI | <i32>pin);
    if (accepted && level && ((lo >> 8) & 7) != DELIVERY_NMI) unchecked(this.low[<i32>pin] = lo | REDIR_REMOTE_IRR);
  }

  // The EOI broadcast for `vector`: every level-triggered entry with that
  // vector has its remote IRR cleared, and sends again while asserted.
  eoi(vector: u32): void {
    for (let pin: u32 = 0; pin < IOAPIC_PINS; pin++) {
      const lo = unchecked(this.low[<i32>pin]);
      if ((lo & REDIR_VECTOR) != vector || (lo & REDIR_LEVEL) == 0 || (lo & REDIR_REMOTE_IRR) == 0) continue;
      unchecked(this.low[<i32>pin] = lo & ~REDIR_REMOTE_IRR);
      this.service(pin);
    }
  }

  readRegister(index: u32): u32 {
    if (index == IOAPICID || index == IOAPICARB) return this.id;
    if (index == IOAPICVER) return IOAPIC_VERSION_VALUE;
    if (index >= IOREDTBL && index < IOREDTBL + 2 * IOAPIC_PINS) {
      const pin = <i32>((index - IOREDTBL) >> 1);
      return (index & 1) == 0 ? unchecked(this.low[pin]) : unchecked(this.high[pin]);
    }
    return 0;
  }

  // A write to an indirect register. A new low dword keeps DELIVS and
  // remote IRR (read-only); an edge-triggered entry has no remote IRR.
  writeRegister(index: u32, value: u32): void {
    if (index == IOAPICID) {
      this.id = value & ID_BITS;
      return;
    }
    if (index < IOREDTBL || index >= IOREDTBL + 2 * IOAPIC_PINS) return;
    const pin = <i32>((index - IOREDTBL) >> 1);
    if ((index & 1) != 0) {
      unchecked(this.high[pin] = value & REDIR_HIGH_WRITABLE);
      return;
    }
    let lo = (value & REDIR_LOW_WRITABLE) | (unchecked(this.low[pin]) & REDIR_REMOTE_IRR);
    if ((lo & REDIR_LEVEL) == 0) lo &= ~REDIR_REMOTE_IRR;
    unchecked(this.low[pin] = lo);
    if ((lo & REDIR_LEVEL) != 0) this.service(<u32>pin);
  }

  read(offset: u64, size: u32): u64 {
    if (offset == IOREGSEL) return this.ioregsel;
    if (offset == IOWIN) return this.readRegister(this.ioregsel);
    return 0;
  }

  write(offset: u64, size: u32, value: u64): void {
    if (offset == IOREGSEL) this.ioregsel = <u32>value & 0xff;
    else if (offset == IOWIN && size == 4) this.writeRegister(this.ioregsel, <u32>value);
  }
}

// What devices' lines (through the IRQ router) drive: GSI n on input n.
class IoApicInputs extends IrqSink {
  constructor(public ioapic: IoApic) { super(); }
  setIrq(line: u32, high: bool): void { this.ioapic.setInput(line, high); }
}

// What the local APIC's EOI broadcast reaches.
class IoApicEoi extends EoiListener {
  constructor(public ioapic: IoApic) { super(); }
  eoi(vector: u32): void { this.ioapic.eoi(vector); }
}
