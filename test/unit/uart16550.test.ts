// The guest's 16550 UART model, driven register by register through real
// port-I/O exits and the port bus (PC16550D datasheet register map).
import { describe, expect, it } from "vitest";
import { runGuest, powerOff, outb, inb } from "../sim/scripted-vmx.js";

const COM1 = 0x3f8;
// The value the core returned to the guest for the IN of exit `i` (seen at the next entry).
const inValue = (r: ReturnType<typeof runGuest>, i: number) => Number(r.hal.entries[i + 1].regs.rax & 0xffn);

describe("uart16550", () => {
  it("reports the transmitter empty (LSR 0x60) and no pending interrupt (IIR 0x01)", () => {
    const r = runGuest([inb(COM1 + 5), inb(COM1 + 2), powerOff]);
    expect(inValue(r, 0)).toBe(0x60);
    expect(inValue(r, 1)).toBe(0x01);
  });

  it("keeps the divisor latch behind DLAB and restores the data registers after it", () => {
    const r = runGuest([
      outb(COM1 + 3, 0x80), outb(COM1 + 0, 0x0c), outb(COM1 + 1, 0x00), // DLAB on, divisor 12 (9600 baud)
      inb(COM1 + 0), outb(COM1 + 3, 0x03), outb(COM1 + 1, 0x05), inb(COM1 + 1), inb(COM1 + 3), powerOff,
    ]);
    expect(inValue(r, 3)).toBe(0x0c); // DLL read back under DLAB
    expect(inValue(r, 6)).toBe(0x05); // IER, not DLM, once DLAB is off
    expect(inValue(r, 7)).toBe(0x03); // LCR: 8N1
    expect(r.serial).not.toContain("guest: \f"); // divisor writes are not transmitted
  });

  it("holds the scratch register", () => {
    const r = runGuest([outb(COM1 + 7, 0x5a), inb(COM1 + 7), powerOff]);
    expect(inValue(r, 1)).toBe(0x5a);
  });

  it("transmits THR writes as guest console lines, dropping CR", () => {
    const r = runGuest([..."a\r\nb\n"].map((c) => outb(COM1, c.charCodeAt(0))).concat([powerOff]));
    expect(r.serial).toContain("\nguest: a\nguest: b\n");
  });
});
