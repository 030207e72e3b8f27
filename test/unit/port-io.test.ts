// Port I/O exits (kernel/exits/io.ts, kernel/exits/string-io.ts) through the
// VMX exit path: IN and OUT reach the port bus (its own rules:
// port-bus.test.ts), the UART turns the guest's bytes into console lines,
// and INS/OUTS with their REP forms move guest memory in chunks.
import { describe, expect, it } from "vitest";
import { skylakeX } from "../sim/cpu-profiles.js";
import { SimExit, VMCS } from "../sim/hal.js";
import { runGuest, R, ioQual, powerOff } from "../sim/scripted-vmx.js";

describe("IN and OUT", () => {
  it("OUT to the UART reaches the console as the guest wrote it", () => {
    const out = (c: string): SimExit => ({ reason: R.IO, qualification: ioQual(0x3f8, 1, false), instructionLength: 1, regs: { rax: BigInt(c.charCodeAt(0)) } });
    const r = runGuest([out("h"), out("i"), out("\n"), powerOff]);
    expect(r.guestLines).toEqual(["hi"]);
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

describe("an access size no CPU reports", () => {
  // Found by the exit fuzzer: qualification bits 2:0 of 2 (3 bytes) indexed
  // past the core's size table and panicked it.
  it.each([3, 5, 8])("a %i-byte IN or OUT stops the VM with a report; the hypervisor powers off", (size) => {
    const r = runGuest([{ reason: R.IO, qualification: ioQual(0x80, size, false), instructionLength: 1 }, powerOff]);
    expect(r.lines).not.toContainEqual(expect.stringMatching(/^PANIC/));
    expect(r.lines).toContain(`VM stopped: unhandled exit (backend reason ${R.IO})`);
    expect(r.lines).toContain("the hypervisor is still running");
    expect(r.poweredOff).toBe("failure");
  });
});

describe("string I/O", () => {
  // REP OUTSB (string, REP) to COM1 with a 16-bit address size (instruction info bits 9:7 = 0).
  // The element addresses come from DS:SI (the CPU's GUEST_LINEAR_ADDRESS is the first one's).
  const repOutsb = (count: bigint, rflags = 2n): SimExit => ({
    reason: R.IO, qualification: ioQual(0x3f8, 1, false) | (1n << 4n) | (1n << 5n), instructionLength: 2,
    regs: { rcx: 0xabcd0000n | count, rsi: 0x8000n },
    fields: { [VMCS.VMX_INSTRUCTION_INFO]: 0n, [VMCS.GUEST_LINEAR_ADDRESS]: 0x8000n, [VMCS.GUEST_RFLAGS]: rflags },
  });
  const withText = (ram: Uint8Array) => ram.set(Buffer.from("hey\n"), 0x8000);

  it("REP OUTSB sends the buffer to the UART in one exit; RCX's low 16 bits reach 0, RIP moves on", () => {
    const r = runGuest([repOutsb(4n), powerOff], skylakeX, withText);
    expect(r.guestLines).toEqual(["hey"]);
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
    exit.fields![VMCS.VMX_INSTRUCTION_INFO] = 1n << 7n; // 32-bit address size
    exit.regs!.rsi = 0x2000000n;                        // 32 MiB: past the 16 MiB of RAM
    const r = runGuest([exit]);
    expect(r.lines).toContain("VM stopped: guest-physical access at 0x2000000 outside guest RAM (0x1000000 bytes), claimed by no device");
  });

  // Bytes that tell the addresses apart: 'a' at 0x0000, 'z' at 0xffff, 'm' at 0x10000, 'f' at 0x50000.
  const marked = (ram: Uint8Array) => {
    ram[0x0000] = 0x61; ram[0xffff] = 0x7a; ram[0x10000] = 0x6d; ram[0x50000] = 0x66; ram[0x50001] = 0x0a;
  };
  const printed = (serial: string) => serial.replace(/\r/g, "").split("\n").filter((l) => l !== "" && !l.startsWith("tsvisor: ")).join("|");

  it("a 16-bit SI wraps at 64 KiB: REP OUTSB from DS:0xFFFF reads 0xFFFF then 0x0000 (SDM Vol. 1 §3.3.7)", () => {
    const exit = repOutsb(2n);
    exit.regs!.rsi = 0xffffn;
    const r = runGuest([exit, powerOff], skylakeX, marked);
    expect(printed(r.serial)).toBe("za");
    expect(r.hal.entries[1].regs.rsi).toBe(0x0001n);
  });

  it("DF=1 walks down through the wrap: from DS:0x0000, then 0xFFFF", () => {
    const exit = repOutsb(2n, 2n | (1n << 10n));
    exit.regs!.rsi = 0n;
    const r = runGuest([exit, powerOff], skylakeX, marked);
    expect(printed(r.serial)).toBe("az");
    expect(r.hal.entries[1].regs.rsi).toBe(0xfffen);
  });

  it("below 64-bit address size only CX counts: RCX = 0x1_0000_0001 with 16-bit addresses is one element", () => {
    const exit = repOutsb(0n);
    exit.regs!.rcx = 0x1_0000_0001n;
    exit.regs!.rsi = 0x0000n;
    const r = runGuest([exit, powerOff], skylakeX, marked);
    expect(printed(r.serial)).toBe("a");
    expect(r.hal.entries[1].regs.rcx).toBe(0x1_0000_0000n);
  });

  it("a segment override on OUTS is honoured: FS (instruction information bits 17:15 = 4) with base 0x50000", () => {
    const exit = repOutsb(2n);
    exit.regs!.rsi = 0n;
    exit.fields![VMCS.VMX_INSTRUCTION_INFO] = 4n << 15n;
    exit.fields![VMCS.GUEST_ES_BASE + 8] = 0x50000n; // FS base (ES CS SS DS FS: +2 each)
    const r = runGuest([exit, powerOff], skylakeX, marked);
    expect(printed(r.serial)).toBe("f");
  });
});
