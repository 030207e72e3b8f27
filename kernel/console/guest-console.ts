// A guest's console as it reaches the hypervisor's: every line prefixed
// "guest: " so that guest and hypervisor output can be told apart. One per
// VM; the UART model and the CONSOLE_WRITE hypercall both write to it.
import { putc, puts } from "./console";
import { ByteSink } from "../../drivers/byte-sink";

export class GuestConsole extends ByteSink {
  private atLineStart: bool = true;

  putc(c: u32): void {
    if (c == 0x0d) return; // the console adds CR before LF itself
    if (this.atLineStart) puts("guest: ");
    putc(c);
    this.atLineStart = c == 0x0a;
  }

  // End a partial line, so that what follows starts on its own line.
  endLine(): void {
    if (!this.atLineStart) this.putc(0x0a);
  }
}
