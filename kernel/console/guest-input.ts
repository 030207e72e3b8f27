// What the user types on the hypervisor's console, to the guest: bytes the
// host's COM1 receives go into the guest UART's receiver (one per VM, like
// the guest console). The hypervisor runs with IF = 0, so this polls: once
// per exit from the vCPU loop and on every wake of a HLT sleep, which the
// host timer ends at least once a slice (10 ms) — so typing wakes a halted
// guest within a slice. A poll with nothing typed costs one read of the
// host's LSR; none at all while the guest's receiver is full, because a
// byte leaves the host UART only when the guest's has room for it: what
// the guest has not read yet waits in the host UART's FIFO and in the
// emulator or terminal behind it (flow control by not reading), instead of
// being lost to an overrun.
import { com1Received, com1Read } from "../../drivers/host/com1";
import { Uart16550 } from "../../drivers/uart16550";
import { InputPump } from "../../drivers/byte-sink";
import { begin, endl, putDec, puts } from "./console";

export class GuestInput extends InputPump {
  // The guest UART typed bytes go to; null: the console's input goes nowhere.
  uart: Uart16550 | null = null;
  typed: u64 = 0;   // bytes moved to the guest

  pump(): void { this.poll(); }

  poll(): void {
    const uart = this.uart;
    if (uart === null) return;
    while (uart.room() && com1Received()) {
      uart.receive(com1Read());
      this.typed++;
    }
  }

  // Could typing wake a halted vCPU (the UART interrupts on received data)?
  canWake(): bool {
    const uart = this.uart;
    return uart !== null && uart.interruptsOnInput();
  }

  // One line at the end of a run, if anything was typed: the bytes, and
  // the bytes the guest's receiver lost to overruns (of any cause: with the
  // flow control above, typing causes none; loopback can).
  report(): void {
    const uart = this.uart;
    if (uart === null || this.typed + uart.overruns == 0) return;
    begin("console input: ");
    putDec(this.typed);
    puts(this.typed == 1 ? " byte typed" : " bytes typed");
    puts(" to the guest's UART (overruns: ");
    putDec(uart.overruns);
    puts(")");
    endl();
  }
}
