// The 8042 keyboard controller (drivers/i8042.ts, IBM PC AT Technical
// Reference, "Keyboard Controller") through real port-I/O exits at 0x60
// and 0x64: the status, the self test, the command byte, and the reset
// pulse Linux's reboot path asks for.
import { describe, expect, it } from "vitest";
import { runGuest, inValues, powerOff, outb, inb } from "../sim/scripted-vmx.js";
import { runSvmGuest, svmOut, svmIn, inSequence } from "../sim/scripted-svm.js";
import { qemuTcgSvm, skylakeX } from "../sim/cpu-profiles.js";

const command = (c: number) => outb(0x64, c);
const status = inb(0x64);
const data = inb(0x60);
// Status bits: 0 output buffer full, 1 input buffer full, 2 system flag,
// 3 last write was a command, 4 keyboard not inhibited.
const OBF = 0x01, IBF = 0x02, SYS = 0x04, CMD = 0x08, UNINHIBITED = 0x10;
const RESET_LINE = "VM stopped: the guest reset the machine (the keyboard controller's reset pulse, port 0x64 command 0xFE)";
// A reset reboots the guest by default (test/unit/reboot.test.ts); with
// reboot=no it stops the VM, which is what these tests look at.
const NO_REBOOT = "reboot=no";

describe("the 8042's status and commands", () => {
  it("at start: both buffers empty, no self test yet (system flag clear), keyboard not inhibited", () => {
    const [s] = inValues([status]);
    expect(s & (OBF | IBF)).toBe(0);
    expect(s).toBe(UNINHIBITED);
  });

  it("self test 0xAA answers 0x55 in the output buffer and sets the system flag", () => {
    expect(inValues([command(0xaa), status, data, status]))
      .toEqual([OBF | SYS | CMD | UNINHIBITED, 0x55, SYS | CMD | UNINHIBITED]);
  });

  it("0x60 writes the command byte through port 0x60, 0x20 reads it back; its bit 2 is the status's system flag", () => {
    expect(inValues([command(0x60), outb(0x60, 0x45), status, command(0x20), status, data,
      command(0x60), outb(0x60, 0x00), status]))
      .toEqual([SYS | UNINHIBITED, OBF | SYS | CMD | UNINHIBITED, 0x45, UNINHIBITED]);
  });

  it("0xAD/0xA7 disable and 0xAE/0xA8 enable the keyboard and auxiliary ports in the command byte", () => {
    expect(inValues([command(0x60), outb(0x60, 0x00), command(0xad), command(0xa7), command(0x20), data,
      command(0xae), command(0x20), data, command(0xa8), command(0x20), data]))
      .toEqual([0x30, 0x20, 0x00]);
  });

  it("other commands are ignored, and a byte for the absent keyboard is dropped; neither answers", () => {
    // 0xD1 (write output port) then a byte with bit 0 clear: on a real 8042 a reset through the output port.
    const r = runGuest([command(0xd1), outb(0x60, 0xfe), command(0xab), outb(0x60, 0xff), status, powerOff]);
    expect(Number(r.hal.entries[5].regs.rax & 0xffn) & OBF).toBe(0);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
  });
});

describe("the reset pulse", () => {
  it("Linux's BOOT_KBD: waits for the input buffer to empty, then command 0xFE resets the VM", () => {
    const r = runGuest([status, command(0xfe)], skylakeX, undefined, NO_REBOOT);
    expect(r.lines).toContain(RESET_LINE);
    expect(r.hal.entries.length).toBe(2);
  });

  it("any pulse command with output-port bit 0 in it (0xF0) resets; one without it (0xFF) does not", () => {
    expect(runGuest([command(0xf0)], skylakeX, undefined, NO_REBOOT).lines).toContain(RESET_LINE);
    expect(runGuest([command(0xff), powerOff]).lines).toContain("VM stopped: the guest powered off with status 0");
  });

  it("resets the same under SVM", () => {
    const r = runSvmGuest(qemuTcgSvm, inSequence([svmIn(0x64, 1), svmOut(0x64, 1, 0xfe)]), [0xf4], NO_REBOOT);
    expect(r.lines).toContain(RESET_LINE);
  });
});
