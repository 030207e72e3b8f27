// Port I/O exits (kernel/exits/io.ts, kernel/exits/string-io.ts) through the
// VMX exit path: IN and OUT reach the port bus (its own rules:
// port-bus.test.ts), the UART turns the guest's bytes into console lines,
// and INS/OUTS with their REP forms move guest memory in chunks.
import { describe, expect, it } from "vitest";
import { skylakeX } from "../sim/cpu-profiles.js";
import { SimExit, VMCS } from "../sim/hal.js";
import { runGuest, R, ioQual, powerOff } from "../sim/scripted-vmx.js";

describe("IN and OUT", () => {
  it("OUT to the UART reaches the console prefixed as guest output", () => {
    const out = (c: string): SimExit => ({ reason: R.IO, qualification: ioQual(0x3f8, 1, false), instructionLength: 1, regs: { rax: BigInt(c.charCodeAt(0)) } });
    const r = runGuest([out("h"), out("i"), out("\n"), powerOff]);
    expect(r.serial).toContain("\nguest: hi\n");
  });

  it("IN from an unclaimed port reads all-ones and keeps RAX's upper bits; the stop report counts it", () => {
    const { hal, lines } = runGuest([
      { reason: R.IO, qualification: ioQual(0x1234, 2, true), instructionLength: 1, regs: { rax: 0x1122334455667788n } },
      { reason: R.IO, qualification: ioQual(0x80, 1, false), instructionLength: 2 },
      powerOff,
    ]);
    expect(hal.entries[1].regs.rax).toBe(0x112233445566ffffn);
    expect(lines).toContain("port bus: 1 reads and 1 writes to ports no device claims");
  });
});

describe("string I/O", () => {
  // REP OUTSB (string, REP) to COM1 with a 16-bit address size (instruction info bits 9:7 = 0).
  const repOutsb = (count: bigint, rflags = 2n): SimExit => ({
    reason: R.IO, qualification: ioQual(0x3f8, 1, false) | (1n << 4n) | (1n << 5n), instructionLength: 2,
    regs: { rcx: 0xabcd0000n | count },
    fields: { [VMCS.VMX_INSTRUCTION_INFO]: 0n, [VMCS.GUEST_LINEAR_ADDRESS]: 0x8000n, [VMCS.GUEST_RFLAGS]: rflags },
  });
  const withText = (ram: Uint8Array) => ram.set(Buffer.from("hey\n"), 0x8000);

  it("REP OUTSB sends the buffer to the UART in one exit; RCX's low 16 bits reach 0, RIP moves on", () => {
    const r = runGuest([repOutsb(4n), powerOff], skylakeX, withText);
    expect(r.serial).toContain("\nguest: hey\n");
    expect(r.hal.entries[1].regs.rcx).toBe(0xabcd0000n);
    expect(r.hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c02n);
  });

  it("a REP longer than one chunk leaves RIP on the instruction with RCX counted down", () => {
    const r = runGuest([repOutsb(5000n), powerOff], skylakeX, withText);
    expect(r.hal.entries[1].regs.rcx).toBe(0xabcd0000n | (5000n - 4096n));
    expect(r.hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
  });

  it("an operand outside guest RAM stops the VM at that address", () => {
    const exit = repOutsb(4n);
    exit.fields![VMCS.GUEST_LINEAR_ADDRESS] = 0x2000000n; // 32 MiB: past the 16 MiB of RAM
    const r = runGuest([exit]);
    expect(r.lines).toContain("VM stopped: guest-physical access at 0x2000000 outside guest RAM (0x1000000 bytes), claimed by no device");
  });
});
