// The guest's 8259A pair (drivers/i8259.ts), driven through real port-I/O
// exits (Intel 8259A datasheet: ICW1-ICW4, OCW1-OCW3) and, for what the
// vCPU would be offered (pending(), the INTA cycle) and lines no device
// drives yet, through the device probe (kernel/probes-devices.ts).
import { describe, expect, it } from "vitest";
import { runGuest, powerOff, outb, inb } from "../sim/scripted-vmx.js";
import { runDevices, out, inp, irq, pending, deliver, inta, NONE, Step } from "../sim/devices-probe.js";

// The value the core returned to the guest for the IN of exit `i` (seen at the next entry).
const inValue = (r: ReturnType<typeof runGuest>, i: number) => Number(r.hal.entries[i + 1].regs.rax & 0xffn);
const ins = (r: ReturnType<typeof runGuest>, exits: { qualification?: bigint }[]) =>
  exits.flatMap((e, i) => ((e.qualification ?? 0n) & 8n ? [inValue(r, i)] : []));
const run = (exits: ReturnType<typeof outb>[]) => ins(runGuest([...exits, powerOff]), exits);

// Linux's init_8259A: ICW1 0x11 (edge, cascade, ICW4 follows), ICW2 vector
// base, ICW3 cascade on IR2 / slave ID 2, ICW4 0x01 (8086 mode) or 0x03 (AEOI).
const initExits = (masterIcw4 = 0x01) => [
  outb(0x20, 0x11), outb(0x21, 0x20), outb(0x21, 0x04), outb(0x21, masterIcw4),
  outb(0xa0, 0x11), outb(0xa1, 0x28), outb(0xa1, 0x02), outb(0xa1, 0x01),
];
const initSteps = (masterIcw4 = 0x01): Step[] => [
  out(0x20, 0x11), out(0x21, 0x20), out(0x21, 0x04), out(0x21, masterIcw4),
  out(0xa0, 0x11), out(0xa1, 0x28), out(0xa1, 0x02), out(0xa1, 0x01),
];
// OCW3: 0x0a selects the IRR for the next read at A0 = 0, 0x0b the ISR, 0x0c polls.
const readIrr = (cmd: number): Step[] => [out(cmd, 0x0a), inp(cmd)];
const readIsr = (cmd: number): Step[] => [out(cmd, 0x0b), inp(cmd)];
const num = (r: bigint[]) => r.map((v) => (v === NONE ? -1 : Number(v)));

describe("8259A initialization and registers (port-I/O exits)", () => {
  it("starts fully masked, and ICW1 clears the mask; OCW1 then reads back at A0 = 1", () => {
    expect(run([inb(0x21), inb(0xa1), ...initExits(), inb(0x21), inb(0xa1), outb(0x21, 0xfb), outb(0xa1, 0xff), inb(0x21), inb(0xa1)]))
      .toEqual([0xff, 0xff, 0x00, 0x00, 0xfb, 0xff]);
  });

  it("writes at A0 = 1 during the ICW sequence are ICWs, not masks", () => {
    // ICW2 0x20 and ICW3 0x04 leave the mask as ICW1 cleared it; after ICW4 a write is OCW1.
    expect(run([outb(0x20, 0x11), outb(0x21, 0x20), outb(0x21, 0x04), inb(0x21), outb(0x21, 0x01), outb(0x21, 0x5a), inb(0x21)]))
      .toEqual([0x00, 0x5a]);
  });

  it("OCW3 selects IRR or ISR for reads at A0 = 0 (both empty after initialization)", () => {
    expect(run([...initExits(), outb(0x20, 0x0a), inb(0x20), outb(0x20, 0x0b), inb(0x20), inb(0x20), outb(0xa0, 0x0b), inb(0xa0)]))
      .toEqual([0x00, 0x00, 0x00, 0x00]);
  });

  it("the ELCR keeps IRQ 0, 1, 2, 8 and 13 edge-triggered (0x4D0 bits 0-2, 0x4D1 bits 0 and 5 stay 0)", () => {
    expect(run([inb(0x4d0), inb(0x4d1), outb(0x4d0, 0xff), outb(0x4d1, 0xff), inb(0x4d0), inb(0x4d1), outb(0x4d1, 0x0c), inb(0x4d1)]))
      .toEqual([0x00, 0x00, 0xf8, 0xde, 0x0c]);
  });

  it("an RTC interrupt (IRQ 8) shows in the slave's IRR and the master's IR2; the edge stays latched after the line drops; poll acknowledges it; EOI ends it", () => {
    const exits = [
      ...initExits(), outb(0x21, 0xfb), outb(0xa1, 0xfe),          // unmask the cascade and IRQ 8
      outb(0x70, 0x0a), outb(0x71, 0x70), outb(0x71, 0x23),          // RTC: divider reset, then 8192 Hz periodic
      outb(0x70, 0x0b), outb(0x71, 0x42),                            // PIE, 24-hour
      { ...outb(0x70, 0x0a), tscAdvance: 1_000_000n },               // 500 µs: several periodic edges
      inb(0x71),                                                     // an RTC access brings its flags up to date
      outb(0xa0, 0x0a), inb(0xa0), outb(0x20, 0x0a), inb(0x20),      // IRR: slave 0x01, master 0x04
      outb(0x70, 0x0c), inb(0x71),                                   // register C: IRQF | PF; IRQ 8 drops
      outb(0xa0, 0x0a), inb(0xa0),                                   // still latched (edge-triggered)
      outb(0xa0, 0x0c), inb(0xa0),                                   // poll: I = 1, level 0
      outb(0xa0, 0x0b), inb(0xa0), outb(0xa0, 0x0a), inb(0xa0),      // ISR 0x01, IRR 0x00
      outb(0x20, 0x0a), inb(0x20),                                   // the master's IR2 edge is still latched
      outb(0xa0, 0x20), outb(0xa0, 0x0b), inb(0xa0),                 // non-specific EOI: ISR 0x00
    ];
    expect(run(exits)).toEqual([0x23, 0x01, 0x04, 0xc0, 0x01, 0x80, 0x01, 0x00, 0x04, 0x00]);
  });

  it("poll with no request reads I = 0", () => {
    expect(run([...initExits(), outb(0x20, 0x0c), inb(0x20)])).toEqual([0x07]);
  });
});

describe("8259A edge and level triggering (probe)", () => {
  it("edge: the IRR latches a rising edge until INTA, whatever the line does; a line held high does not interrupt again", () => {
    const r = runDevices([...initSteps(), out(0x21, 0x00),
      irq(3, true), irq(3, false), ...readIrr(0x20),               // pulse: latched
      deliver, ...readIrr(0x20), ...readIsr(0x20),                 // INTA clears the IRR, sets the ISR
      out(0x20, 0x20), irq(3, true), deliver, out(0x20, 0x20), pending, // a new rise: one more, then none
    ]);
    expect(num(r)).toEqual([0x08, 0x23, 0x00, 0x08, 0x23, -1]);
  });

  // A level request that drops before INTA leaves the master's IR2 edge
  // latched: the vCPU would be offered the slave's IR7, spurious IRQ 15 (0x2f).
  it("level (ELCR): the IRR follows the line, stays set through INTA, and the request comes back after EOI while the line is high", () => {
    const r = runDevices([...initSteps(), out(0x21, 0x00), out(0xa1, 0x00), out(0x4d1, 0x04), // IRQ 10 level
      irq(10, true), ...readIrr(0xa0), irq(10, false), ...readIrr(0xa0), pending,
      irq(10, true), deliver, ...readIrr(0xa0), ...readIsr(0xa0), pending,
      out(0xa0, 0x20), out(0x20, 0x20), deliver, irq(10, false), out(0xa0, 0x20), out(0x20, 0x20), pending,
    ]);
    expect(num(r)).toEqual([0x04, 0x00, 0x2f, 0x2a, 0x04, 0x04, -1, 0x2a, -1]);
  });

  it("ICW1 LTIM makes every input level-triggered", () => {
    const r = runDevices([out(0x20, 0x19), out(0x21, 0x20), out(0x21, 0x04), out(0x21, 0x01), out(0x21, 0x00),
      irq(4, true), ...readIrr(0x20), irq(4, false), ...readIrr(0x20)]);
    expect(num(r)).toEqual([0x10, 0x00]);
  });

  it("a masked request stays in the IRR and is offered once unmasked", () => {
    const r = runDevices([...initSteps(), out(0x21, 0x10), irq(4, true), irq(4, false), pending, ...readIrr(0x20), out(0x21, 0x00), pending]);
    expect(num(r)).toEqual([-1, 0x10, 0x24]);
  });
});

describe("8259A priority, EOI and the INTA cycle (probe)", () => {
  const pulse = (n: number): Step[] => [irq(n, true), irq(n, false)];

  it("fully nested: the highest request goes first, a lower one waits for EOI, a higher one preempts", () => {
    const r = runDevices([...initSteps(), out(0x21, 0x00), ...pulse(4), ...pulse(3), ...pulse(1),
      pending, deliver, pending,                    // IRQ 1; then IRQ 3 must wait
      ...pulse(0), deliver, ...readIsr(0x20),       // IRQ 0 preempts: ISR 0x03
      out(0x20, 0x20), ...readIsr(0x20),            // non-specific EOI ends the highest (IRQ 0)
      out(0x20, 0x61), ...readIsr(0x20), deliver,   // specific EOI for IRQ 1; IRQ 3 now
      out(0x20, 0x63), deliver, out(0x20, 0x20), pending,
    ]);
    expect(num(r)).toEqual([0x21, 0x21, -1, 0x20, 0x03, 0x02, 0x00, 0x23, 0x24, -1]);
  });

  it("the slave's requests come through the master's IR2 with the slave's vectors, ranked at IR2's priority", () => {
    const r = runDevices([...initSteps(), out(0x21, 0x00), out(0xa1, 0x00), ...pulse(3), ...pulse(12), ...pulse(9),
      deliver, ...readIsr(0x20), ...readIsr(0xa0), pending,   // IRQ 9 (0x29); IR2 in service on the master
      out(0xa0, 0x20), out(0x20, 0x20), deliver,              // EOI both: IRQ 12 (slave) still beats IRQ 3
      out(0xa0, 0x20), out(0x20, 0x20), deliver,
    ]);
    expect(num(r)).toEqual([0x29, 0x04, 0x02, -1, 0x2c, 0x23]);
  });

  it("OCW2 set priority (0xC0 | L) makes L the lowest: 0xC3 ranks IRQ 4 first and IRQ 3 last", () => {
    const r = runDevices([...initSteps(), out(0x21, 0x00), out(0x20, 0xc3), ...pulse(1), ...pulse(5), ...pulse(3),
      deliver, out(0x20, 0x20), deliver, out(0x20, 0x20), deliver]);
    expect(num(r)).toEqual([0x25, 0x21, 0x23]);
  });

  it("rotate on non-specific EOI (0xA0) gives the level just served the lowest priority", () => {
    const r = runDevices([...initSteps(), out(0x21, 0x00), ...pulse(1), deliver, ...pulse(1), ...pulse(6), out(0x20, 0xa0), deliver]);
    expect(num(r)).toEqual([0x21, 0x26]);
  });

  it("AEOI (ICW4 0x03): nothing stays in service", () => {
    const r = runDevices([...initSteps(0x03), out(0x21, 0x00), ...pulse(5), deliver, ...readIsr(0x20), ...pulse(6), deliver]);
    expect(num(r)).toEqual([0x25, 0x00, 0x26]);
  });

  it("special mask mode: masking the level in service lets lower levels through", () => {
    const r = runDevices([...initSteps(), out(0x21, 0x00), ...pulse(3), deliver, ...pulse(5), pending,
      out(0x21, 0x08), out(0x20, 0x68), pending, deliver, ...readIsr(0x20)]);
    expect(num(r)).toEqual([0x23, -1, 0x25, 0x25, 0x28]);
  });

  it("spurious IRQ 7: an INTA cycle with no request answers IR7 and sets no ISR bit", () => {
    const r = runDevices([...initSteps(), out(0x21, 0x00), pending, inta, ...readIsr(0x20)]);
    expect(num(r)).toEqual([-1, 0x27, 0x00]);
  });

  it("spurious IRQ 15: the slave's request gone before INTA (masked after the master latched IR2) answers the slave's IR7; IR2 goes in service on the master", () => {
    const r = runDevices([...initSteps(), out(0x21, 0x00), out(0xa1, 0x00), ...pulse(9), out(0xa1, 0x02),
      pending, deliver, ...readIsr(0x20), ...readIsr(0xa0)]);
    expect(num(r)).toEqual([0x2f, 0x2f, 0x04, 0x00]);
  });

  it("the reset state uses the vectors a PC BIOS leaves (0x08, 0x70) once unmasked", () => {
    const r = runDevices([out(0x21, 0x00), out(0xa1, 0x00), ...pulse(1), deliver, out(0x20, 0x20), ...pulse(14), deliver]);
    expect(num(r)).toEqual([0x09, 0x76]);
  });
});
