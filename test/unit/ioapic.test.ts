// The I/O APIC (drivers/ioapic.ts) and the ISA IRQ router
// (kernel/vm/irq-router.ts), through the real exit path: IOREGSEL and IOWIN
// at 0xFEC00000 by scripted EPT violations, the PIT (IRQ 0) by port I/O
// with simulated time passing (test/sim/apic-script.ts), and what the vCPU
// is offered at each entry. Values from the Intel 82093AA datasheet (§3.2)
// and the SDM Vol. 3A (§12.8.4-§12.8.5: TMR, EOI broadcast).
import { describe, expect, it } from "vitest";
import { ApicScript } from "../sim/apic-script.js";

const VER = 0x01, ID = 0x00, ARB = 0x02;
const redLo = (pin: number) => 0x10 + 2 * pin, redHi = (pin: number) => 0x11 + 2 * pin;
const MASKED = 0x10000, LEVEL = 0x8000, REMOTE_IRR = 0x4000, LOW_ACTIVE = 0x2000;
const LAPIC_SVR = 0xf0, LAPIC_EOI = 0xb0, LAPIC_TMR = 0x180;
// 100 Hz on the PIT: the first IRQ 0 edge 10 ms after the count, 20,000,000 ticks at 2 GHz.
const PERIOD = 20_000_000;

// The 8259 pair left as after reset (fully masked), the LAPIC software-enabled: only the I/O APIC speaks.
function setup(s: ApicScript, entry2: number, pin = 2): void {
  s.lapicWrite(LAPIC_SVR, 0x1ff);
  s.ioapicWrite(redHi(pin), 0x00000000);      // physical destination 0: this vCPU's APIC
  s.ioapicWrite(redLo(pin), entry2);
}
function pit(s: ApicScript, mode = 0x34, count = 11932): void {
  s.out(0x43, mode);                          // channel 0, LSB then MSB, mode 2 (0x34) or 0 (0x30)
  s.out(0x40, count & 0xff);
  s.out(0x40, count >> 8);
}

describe("registers (82093AA §3.2)", () => {
  it("version 0x11 with 24 entries (0x00170011), ID and arbitration, entries masked at reset", () => {
    const s = new ApicScript();
    const reads = [s.ioapicRead(VER), s.ioapicRead(ID), s.ioapicRead(ARB), s.ioapicRead(redLo(0)), s.ioapicRead(redHi(0)), s.ioapicRead(redLo(23))];
    s.ioapicWrite(ID, 0xff000000);
    const [id, arb] = [s.ioapicRead(ID), s.ioapicRead(ARB)];
    const sel = s.read(0xfec00000n);
    const beyond = s.ioapicRead(redLo(24));
    const r = s.run();
    expect(reads.map(r.value)).toEqual([0x00170011, 0, 0, MASKED, 0, MASKED]);
    expect([r.value(id), r.value(arb)]).toEqual([0x0f000000, 0x0f000000]); // ID bits 27:24
    expect(r.value(sel)).toBe(0x02);            // IOREGSEL reads back
    expect(r.value(beyond)).toBe(0);
  });

  it("a redirection entry reads back, but for delivery status and remote IRR (read-only); a byte write to IOREGSEL selects", () => {
    const s = new ApicScript();
    s.ioapicWrite(redLo(5), 0xffffffff);
    s.ioapicWrite(redHi(5), 0xffffffff);
    const [lo, hi] = [s.ioapicRead(redLo(5)), s.ioapicRead(redHi(5))];
    s.writeByte(0xfec00000n, redLo(5));
    const viaByte = s.read(0xfec00010n);
    const r = s.run();
    expect(r.value(lo)).toBe(0x1afff);
    expect(r.value(hi)).toBe(0xff000000);
    expect(r.value(viaByte)).toBe(0x1afff);
  });
});

describe("the router: ISA IRQ 0 is GSI 2 (the interrupt source override)", () => {
  it("the PIT's IRQ 0 arrives through entry 2 at its vector, edge-triggered, every period", () => {
    const s = new ApicScript();
    setup(s, 0x30);
    pit(s);
    const first = s.wait(PERIOD + 100_000);
    s.lapicWrite(LAPIC_EOI, 0);
    const second = s.wait(PERIOD);
    const tmr = s.lapicRead(LAPIC_TMR + 0x10); // vectors 0x20-0x3f
    const r = s.run();
    expect([r.injected(first), r.injected(second)]).toEqual([0x30, 0x30]);
    expect(r.value(tmr) & (1 << 16)).toBe(0);   // edge: TMR clear (SDM §12.8.4)
    expect(r.lines).toContainEqual(expect.stringMatching(/^ {2}0x30 {4}GSI {2}2 {12}2$/));
  });

  it("entry 0 hears nothing of the PIT; the 8259 (masked) passes nothing", () => {
    const s = new ApicScript();
    setup(s, 0x30, 0);
    pit(s);
    const tick = s.wait(PERIOD + 100_000);
    const r = s.run();
    expect(r.injected(tick)).toBeNull();
  });

  it("a masked entry drops the edge (not held pending); unmasked it takes the next", () => {
    const s = new ApicScript();
    setup(s, MASKED | 0x30);
    pit(s);
    const masked = s.wait(PERIOD + 100_000);
    const unmask = s.ioapicWrite(redLo(2), 0x30);
    const next = s.wait(PERIOD);
    const r = s.run();
    expect(r.injected(masked)).toBeNull();
    expect(r.injected(unmask)).toBeNull();
    expect(r.injected(next)).toBe(0x30);
  });
});

describe("the router: every other ISA IRQ n is GSI n", () => {
  it("the RTC's IRQ 8 (periodic interrupt, 1024 Hz) arrives through entry 8", () => {
    const s = new ApicScript();
    setup(s, 0x38, 8);
    s.out(0x70, 0x0a);
    s.out(0x71, 0x26);                           // register A: divider on, rate 6 (976.56 µs)
    s.out(0x70, 0x0b);
    s.out(0x71, 0x42);                           // register B: PIE, 24-hour
    const tick = s.wait(2_100_000);
    const r = s.run();
    expect(r.injected(tick)).toBe(0x38);
    expect(r.lines).toContainEqual(expect.stringMatching(/^ {2}0x38 {4}GSI {2}8 {12}1$/));
  });
});

describe("level triggering: remote IRR and the EOI broadcast (82093AA §3.2.4; SDM §12.8.5)", () => {
  it("a pulse on a level entry: remote IRR and TMR set on delivery, cleared by the EOI; nothing sent again", () => {
    const s = new ApicScript();
    setup(s, LEVEL | 0x31);
    pit(s);
    const tick = s.wait(PERIOD + 100_000);
    const during = s.ioapicRead(redLo(2));
    const tmr = s.lapicRead(LAPIC_TMR + 0x10);
    const eoi = s.lapicWrite(LAPIC_EOI, 0);
    const after = s.ioapicRead(redLo(2));
    const r = s.run();
    expect(r.injected(tick)).toBe(0x31);
    expect(r.value(during)).toBe(LEVEL | REMOTE_IRR | 0x31);
    expect(r.value(tmr)).toBe(1 << 17);          // vector 0x31: TMR word 1, bit 17
    expect(r.injected(eoi)).toBeNull();
    expect(r.value(after)).toBe(LEVEL | 0x31);
  });

  it("a line held asserted (PIT mode 0 after terminal count) is sent again after each EOI, until it falls", () => {
    const s = new ApicScript();
    setup(s, LEVEL | 0x32);
    pit(s, 0x30, 1000);                          // mode 0: OUT high 1001 clocks later, until reprogrammed
    const first = s.wait(2_000_000);
    const held = s.wait(1_000_000);               // remote IRR set: not again before the EOI
    const again = s.lapicWrite(LAPIC_EOI, 0);
    s.out(0x43, 0x30);                           // a control word: OUT low, the line falls
    const eoi = s.lapicWrite(LAPIC_EOI, 0);
    const rirr = s.ioapicRead(redLo(2));
    const r = s.run();
    expect(r.injected(first)).toBe(0x32);
    expect(r.injected(held)).toBeNull();
    expect(r.injected(again)).toBe(0x32);
    expect(r.injected(eoi)).toBeNull();
    expect(r.value(rirr) & REMOTE_IRR).toBe(0);
  });

  it("an entry unmasked while its level input is asserted sends at once", () => {
    const s = new ApicScript();
    setup(s, MASKED | LEVEL | 0x33);
    pit(s, 0x30, 1000);
    const masked = s.wait(2_000_000);
    const unmask = s.ioapicWrite(redLo(2), LEVEL | 0x33);
    const r = s.run();
    expect(r.injected(masked)).toBeNull();
    expect(r.injected(unmask)).toBe(0x33);
  });

  it("an edge vector's EOI is not broadcast: a level entry with the same vector keeps its remote IRR", () => {
    const s = new ApicScript();
    setup(s, LEVEL | 0x34);
    pit(s, 0x30, 1000);
    const level = s.wait(2_000_000);             // 0x34 from GSI 2, level: in service, remote IRR set
    const ipi = s.lapicWrite(0x300, 0x00040045); // a self-IPI 0x45 (edge, a higher class) on top of it
    s.lapicWrite(LAPIC_EOI, 0);                  // ends 0x45: not broadcast
    const rirr = s.ioapicRead(redLo(2));
    const r = s.run();
    expect(r.injected(level)).toBe(0x34);
    expect(r.injected(ipi)).toBe(0x45);
    expect(r.value(rirr) & REMOTE_IRR).toBe(REMOTE_IRR);
  });
});

describe("polarity and destinations", () => {
  it("low active: the line's fall is the assertion; the PIT's pulse (rise then fall) is one edge", () => {
    const s = new ApicScript();
    setup(s, LOW_ACTIVE | 0x36);
    pit(s);
    const tick = s.wait(PERIOD + 100_000);
    const r = s.run();
    expect(r.injected(tick)).toBe(0x36);
  });

  it("a destination that is not this APIC (physical 1) is not delivered; logical with its LDR bit is", () => {
    const s = new ApicScript();
    s.lapicWrite(LAPIC_SVR, 0x1ff);
    s.ioapicWrite(redHi(2), 0x01000000);
    s.ioapicWrite(redLo(2), 0x37);
    pit(s);
    const none = s.wait(PERIOD + 100_000);
    s.lapicWrite(0xd0, 0x02000000);              // LDR: logical ID bit 1 (flat model)
    s.ioapicWrite(redHi(2), 0x02000000);
    s.ioapicWrite(redLo(2), 0x800 | 0x37);       // logical destination mode
    const logical = s.wait(PERIOD);
    const r = s.run();
    expect(r.injected(none)).toBeNull();
    expect(r.injected(logical)).toBe(0x37);
  });
});
