// The PC/AT keyboard controller, an Intel 8042 (IBM Personal Computer AT
// Technical Reference, "Keyboard Controller"; the PS/2 additions from the
// IBM PS/2 Hardware Interface Technical Reference), with no keyboard or
// mouse behind it. Guests probe it and reset through it: Linux's reboot
// path (arch/x86/kernel/reboot.c, BOOT_KBD) waits for the input buffer to
// be empty and writes command 0xFE; its i8042 driver runs the self test,
// reads and writes the command byte, and finds no device on either port.
//   0x60 data: reads the output buffer (clearing "output buffer full");
//     writes are the parameter of a pending command (0x60), else bytes for
//     the keyboard, which is absent: they are dropped.
//   0x64 status (read) / command (write).
// Commands take effect at once, so the input buffer is never full. Each
// answer waits in the output buffer until read. Not modelled: interrupts
// (IRQ 1 and 12: nothing ever arrives unasked, and a guest polls the
// status for its commands' answers), the output port, A20, the test
// inputs, and every command not listed below, which is ignored.
import { PortDevice } from "../kernel/vm/port-bus";
import { Vm, StopReason } from "../kernel/vm/vm";
import { ResetSource } from "../kernel/vm/stop-report";

export const I8042_DATA_PORT: u32 = 0x60;
export const I8042_COMMAND_PORT: u32 = 0x64;

// Status register (AT Technical Reference, "Status Register").
const STATUS_OBF: u32 = 0x01;      // output buffer full: data for the CPU at 0x60
// bit 1, input buffer full, is never set: commands act at once.
const STATUS_SYS: u32 = 0x04;      // system flag: set by a passed self test or the command byte
const STATUS_CMD: u32 = 0x08;      // A2: the last write was to 0x64 (a command), not 0x60
const STATUS_UNINHIBITED: u32 = 0x10; // inhibit switch: 1 = keyboard not inhibited
// Command byte ("Command Byte"): bit 0 keyboard interrupt, 1 auxiliary
// interrupt (PS/2), 2 system flag, 3 inhibit override, 4 keyboard
// disabled, 5 auxiliary device disabled (PS/2), 6 scan-code translation.
const CB_SYS: u32 = 0x04;
const CB_KEYBOARD_DISABLED: u32 = 0x10;
const CB_AUX_DISABLED: u32 = 0x20;

// Commands written to 0x64 ("Commands (I/O Address Hex 64)").
const CMD_READ_COMMAND_BYTE: u32 = 0x20;
const CMD_WRITE_COMMAND_BYTE: u32 = 0x60;  // the next byte at 0x60 is the command byte
const CMD_DISABLE_AUX: u32 = 0xa7;         // PS/2
const CMD_ENABLE_AUX: u32 = 0xa8;          // PS/2
const CMD_SELF_TEST: u32 = 0xaa;
const CMD_DISABLE_KEYBOARD: u32 = 0xad;
const CMD_ENABLE_KEYBOARD: u32 = 0xae;
// 0xF0-0xFF pulse output-port bits 3:0 low for about 6 µs, a 0 in the
// command's low nibble choosing each; output-port bit 0 is the CPU's
// reset line, so any of them with bit 0 clear (0xFE above all) resets.
const CMD_PULSE_OUTPUT_PORT: u32 = 0xf0;
const PULSE_MASK: u32 = 0xf0;
const PULSE_RESET_BIT: u32 = 0x01;
const SELF_TEST_PASSED: u32 = 0x55;
const NO_PENDING: u32 = 0x100;             // no command waits for a parameter

// The controller and its two ports, for the VM build to register.
export class I8042 {
  controller: I8042Controller;
  data: I8042DataPort;
  command: I8042CommandPort;

  constructor(vm: Vm) {
    const c = new I8042Controller(vm);
    this.controller = c;
    this.data = new I8042DataPort(c);
    this.command = new I8042CommandPort(c);
  }
}

// The controller's state and behaviour, shared by its two ports.
export class I8042Controller {
  output: u32 = 0;           // the output buffer (kept after it is read, as the chip does)
  outputFull: bool = false;
  // As at power-on: no self test run, so the system flag is clear; both
  // devices enabled, interrupts off, no translation. A BIOS would have
  // written its own command byte; a guest writes its own.
  commandByte: u32 = 0;
  lastWasCommand: bool = false;
  pending: u32 = NO_PENDING;

  constructor(public vm: Vm) {}

  status(): u32 {
    return (this.outputFull ? STATUS_OBF : 0) | ((this.commandByte & CB_SYS) != 0 ? STATUS_SYS : 0) |
      (this.lastWasCommand ? STATUS_CMD : 0) | STATUS_UNINHIBITED;
  }

  private answer(v: u32): void {
    this.output = v & 0xff;
    this.outputFull = true;
  }

  readData(): u32 {
    this.outputFull = false;
    return this.output;
  }

  writeData(v: u32): void {
    this.lastWasCommand = false;
    const cmd = this.pending;
    this.pending = NO_PENDING;
    // The system flag in the status follows the command byte's bit 2.
    if (cmd == CMD_WRITE_COMMAND_BYTE) this.commandByte = v & 0xff;
  }

  writeCommand(cmd: u32): void {
    this.lastWasCommand = true;
    this.pending = NO_PENDING;
    if (cmd == CMD_READ_COMMAND_BYTE) this.answer(this.commandByte);
    else if (cmd == CMD_WRITE_COMMAND_BYTE) this.pending = cmd;
    else if (cmd == CMD_SELF_TEST) {
      this.commandByte |= CB_SYS;
      this.answer(SELF_TEST_PASSED);
    } else if (cmd == CMD_DISABLE_KEYBOARD) this.commandByte |= CB_KEYBOARD_DISABLED;
    else if (cmd == CMD_ENABLE_KEYBOARD) this.commandByte &= ~CB_KEYBOARD_DISABLED;
    else if (cmd == CMD_DISABLE_AUX) this.commandByte |= CB_AUX_DISABLED;
    else if (cmd == CMD_ENABLE_AUX) this.commandByte &= ~CB_AUX_DISABLED;
    else if ((cmd & PULSE_MASK) == CMD_PULSE_OUTPUT_PORT && (cmd & PULSE_RESET_BIT) == 0) {
      this.vm.stop(StopReason.Reset, 0, <u64>ResetSource.KeyboardController);
    }
  }
}

// Port 0x60. Byte accesses only, as the chip's bus is 8 bits wide: wider
// reads give the byte in the low bits.
export class I8042DataPort extends PortDevice {
  constructor(public kbc: I8042Controller) { super(); }
  name(): string { return "i8042-data"; }
  read(offset: u32, size: u32): u32 { return this.kbc.readData(); }
  write(offset: u32, size: u32, value: u32): void { this.kbc.writeData(value & 0xff); }
}

// Port 0x64.
export class I8042CommandPort extends PortDevice {
  constructor(public kbc: I8042Controller) { super(); }
  name(): string { return "i8042-command"; }
  read(offset: u32, size: u32): u32 { return this.kbc.status(); }
  write(offset: u32, size: u32, value: u32): void { this.kbc.writeCommand(value & 0xff); }
}
