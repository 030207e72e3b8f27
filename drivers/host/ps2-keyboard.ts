// The machine's own keyboard, for typing to the guest where there is no
// serial port: the PC's 8042 keyboard controller (or the firmware's USB
// legacy emulation of one), polled as the hypervisor polls everything (it
// runs with IF = 0). Keys become the bytes a terminal would send, and go
// the way COM1's do (kernel/console/guest-input.ts), Ctrl-A c included.
//
// The controller after a PC BIOS: status at port 0x64 (bit 0 output buffer
// full, bit 5 the byte is the mouse's), data at 0x60, and the keyboard's
// scan codes translated to set 1 (IBM PC AT Technical Reference, 8042
// "Keyboard Controller"; the scan code tables of set 1: a make code below
// 0x80, its break code with bit 7 set, 0xE0 before an extended key).
// A port that reads 0xFF is no controller at all (nothing drives the bus).
import { inb } from "../../kernel/hal/imports";

const STATUS_PORT: u32 = 0x64;
const DATA_PORT: u32 = 0x60;
const STATUS_OUTPUT_FULL: u32 = 0x01;
const STATUS_AUX: u32 = 0x20;
const NO_CONTROLLER: u32 = 0xff;
const BREAK: u32 = 0x80;
const EXTENDED: u32 = 0xe0;
// Set-1 make codes of the modifier keys.
const LEFT_SHIFT: u32 = 0x2a;
const RIGHT_SHIFT: u32 = 0x36;
const CTRL: u32 = 0x1d;      // left; right Ctrl is E0 1D
const CAPS_LOCK: u32 = 0x3a;
export const NO_KEY: i32 = -1;

// US layout, set-1 make codes 0x00-0x39: the byte each key sends, without
// and with Shift (0: none). Enter sends CR, Backspace DEL, as a terminal.
const PLAIN = "\0\x1b1234567890-=\x7f\tqwertyuiop[]\r\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 ";
const SHIFTED = "\0\x1b!@#$%^&*()_+\x7f\tQWERTYUIOP{}\r\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 ";

export class Ps2Keyboard {
  private shift: bool = false;
  private ctrl: bool = false;
  private caps: bool = false;
  private extended: bool = false;

  // Whether a controller answers at all (its status is not all-ones).
  static present(): bool {
    return inb(STATUS_PORT) != NO_CONTROLLER;
  }

  // The byte of the next key pressed, or NO_KEY (nothing waiting, a key
  // released, a modifier, the mouse, an extended key).
  next(): i32 {
    const status = inb(STATUS_PORT);
    if ((status & STATUS_OUTPUT_FULL) == 0 || status == NO_CONTROLLER) return NO_KEY;
    const code = inb(DATA_PORT) & 0xff;
    if ((status & STATUS_AUX) != 0) return NO_KEY;
    return this.key(code);
  }

  // One set-1 code to a byte (exported for the unit tests' probe path).
  key(code: u32): i32 {
    if (code == EXTENDED) {
      this.extended = true;
      return NO_KEY;
    }
    const extended = this.extended;
    this.extended = false;
    const released = (code & BREAK) != 0;
    const make = code & ~BREAK;
    if (make == LEFT_SHIFT || make == RIGHT_SHIFT) {
      if (!extended) this.shift = !released;   // E0 2A: a fake shift some keys send
      return NO_KEY;
    }
    if (make == CTRL) {
      this.ctrl = !released;
      return NO_KEY;
    }
    if (released || extended) return NO_KEY;
    if (make == CAPS_LOCK) {
      this.caps = !this.caps;
      return NO_KEY;
    }
    if (make >= <u32>PLAIN.length) return NO_KEY;
    let c = <u32>PLAIN.charCodeAt(<i32>make);
    const letter = c >= 0x61 && c <= 0x7a;
    if (this.shift != (this.caps && letter)) c = <u32>SHIFTED.charCodeAt(<i32>make);
    if (c == 0) return NO_KEY;
    // Ctrl with a letter (either case) or one of @[\]^_: the C0 control code.
    if (this.ctrl && ((c >= 0x40 && c <= 0x5f) || (c >= 0x61 && c <= 0x7a))) c &= 0x1f;
    return <i32>c;
  }
}
