// The guest's console as it reaches the hypervisor's: every line prefixed
// "guest: " so that guest and hypervisor output can be told apart. The UART
// model and the CONSOLE_WRITE hypercall both write here.
import { putc, puts } from "./console";

let atLineStart = true;

export function guestPutc(c: u32): void {
  if (c == 0x0d) return; // the console adds CR before LF itself
  if (atLineStart) puts("guest: ");
  putc(c);
  atLineStart = c == 0x0a;
}

// End a partial line, so that what follows starts on its own line.
export function guestEndLine(): void {
  if (!atLineStart) guestPutc(0x0a);
}
