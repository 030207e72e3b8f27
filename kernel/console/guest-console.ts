// A guest's console as it reaches the hypervisor's: the guest's bytes on
// COM1 as the guest wrote them — CRs, escape sequences, prompts without a
// newline — so that a terminal shows its shell as it would on the guest's
// own serial port (as Xen's console does: the hypervisor's lines carry its
// "tsvisor: " prefix, the guest's none). One per VM; the UART model and
// the CONSOLE_WRITE hypercall both write to it. What no guest can write is
// the control channel (drivers/host/com1.ts), where the run's verdict is.
import { setGuestMidLine } from "./console";
import { com1Put } from "../../drivers/host/com1";
import { ByteSink } from "../../drivers/byte-sink";

export class GuestConsole extends ByteSink {
  private atLineStart: bool = true;

  putc(c: u32): void {
    com1Put(c & 0xff);
    this.atLineStart = c == 0x0a;
    setGuestMidLine(!this.atLineStart);
  }

  // End a partial line, so that what follows starts on its own line.
  endLine(): void {
    if (this.atLineStart) return;
    com1Put(0x0d);
    this.putc(0x0a);
  }
}
