// What the user types on the hypervisor's console, to the guest: bytes the
// host's COM1 receives go to one of the guest's consoles — its UART's
// receiver (the default) or its virtio console (hvc0 under Linux) — and
// Ctrl-A c switches between them (as QEMU's console multiplexer switches
// with Ctrl-A c); Ctrl-A followed by anything else reaches the guest as
// both bytes. The switch is the hypervisor's, not the run tool's, so it
// works the same on a bare-metal serial console.
//
// The hypervisor runs with IF = 0, so this polls: once per exit from the
// vCPU loop and on every wake of a HLT sleep, which the host timer ends at
// least once a slice (10 ms) — so typing wakes a halted guest within a
// slice. A poll with nothing typed costs one read of the host's LSR; none
// at all while the chosen console's receiver is full, because a byte
// leaves the host UART only when that receiver has room for it: what the
// guest has not read yet waits in the host UART's FIFO and in the emulator
// or terminal behind it (flow control by not reading), instead of being
// lost to an overrun.
import { com1Received, com1Read } from "../../drivers/host/com1";
import { Ps2Keyboard, NO_KEY } from "../../drivers/host/ps2-keyboard";
import { Uart16550 } from "../../drivers/uart16550";
import { VirtioConsole } from "../../drivers/virtio/virtio-console";
import { InputPump } from "../../drivers/byte-sink";
import { begin, endl, line, putDec, puts } from "./console";

const CTRL_A: u32 = 0x01;
const KEY_SWITCH: u32 = 0x63; // 'c'
const NONE: i32 = -1;

export class GuestInput extends InputPump {
  // The guest UART typed bytes go to; null: the console's input goes nowhere.
  uart: Uart16550 | null = null;
  // The guest's virtio console, if it has one.
  hvc: VirtioConsole | null = null;
  toHvc: bool = false;
  typed: u64 = 0;      // bytes moved to the UART
  typedHvc: u64 = 0;   // bytes moved to the virtio console
  private escaped: bool = false;
  // A byte taken from the host but not yet delivered (after Ctrl-A).
  private carry: i32 = NONE;
  // The machine's own keyboard, where it has one (drivers/host/ps2-keyboard.ts):
  // typed keys go where COM1's bytes go. Looked for at the first poll.
  private keyboard: Ps2Keyboard | null = null;
  private keyboardChecked: bool = false;

  // The next typed byte: COM1's first, then the keyboard's; NONE if neither.
  private nextTyped(): i32 {
    if (com1Received()) return <i32>com1Read();
    if (!this.keyboardChecked) {
      this.keyboardChecked = true;
      if (Ps2Keyboard.present()) this.keyboard = new Ps2Keyboard();
    }
    const k = this.keyboard;
    if (k === null) return NONE;
    const b = k.next();
    return b == NO_KEY ? NONE : b;
  }

  pump(): void { this.poll(); }

  poll(): void {
    while (this.room()) {
      if (this.carry != NONE) {
        this.put(<u32>this.carry);
        this.carry = NONE;
        continue;
      }
      const typed = this.nextTyped();
      if (typed == NONE) break;
      const b = <u32>typed;
      if (this.escaped) {
        this.escaped = false;
        if (b == KEY_SWITCH) {
          this.switchConsole();
          continue;
        }
        this.put(CTRL_A);
        this.carry = <i32>b;
        continue;
      }
      if (b == CTRL_A) this.escaped = true;
      else this.put(b);
    }
    const hvc = this.hvc;
    if (hvc !== null) hvc.deliver();
  }

  private room(): bool {
    if (this.toHvc) return this.hvc!.room();
    const uart = this.uart;
    return uart !== null && uart.room();
  }

  private put(b: u32): void {
    if (this.toHvc) {
      this.hvc!.receive(b);
      this.typedHvc++;
    } else {
      this.uart!.receive(b);
      this.typed++;
    }
  }

  private switchConsole(): void {
    if (this.hvc === null) {
      line("console input: the guest has no virtio console; input stays on its serial port");
      return;
    }
    this.toHvc = !this.toHvc;
    line(this.toHvc ? "console input: to the guest's virtio console (hvc0); Ctrl-A c: back to its serial port"
      : "console input: to the guest's serial port (ttyS0); Ctrl-A c: to its virtio console");
  }

  // Could typing wake a halted vCPU (the chosen console interrupts on input)?
  canWake(): bool {
    if (this.toHvc) return this.hvc!.listening();
    const uart = this.uart;
    return uart !== null && uart.interruptsOnInput();
  }

  // One line at the end of a run, if anything was typed: the bytes, and
  // the bytes the guest's receiver lost to overruns (of any cause: with the
  // flow control above, typing causes none; loopback can).
  report(): void {
    const uart = this.uart;
    if (uart === null || this.typed + this.typedHvc + uart.overruns == 0) return;
    begin("console input: ");
    putDec(this.typed);
    puts(this.typed == 1 ? " byte typed" : " bytes typed");
    puts(" to the guest's UART (overruns: ");
    putDec(uart.overruns);
    puts(")");
    if (this.typedHvc != 0) {
      puts(", ");
      putDec(this.typedHvc);
      puts(" to its virtio console");
    }
    endl();
  }
}
