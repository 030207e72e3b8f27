// The hypervisor's control channel: the machine's COM2, which carries a copy
// of the hypervisor's own lines and never a guest's byte (drivers/host/com1.ts;
// a guest's port I/O never reaches the host's UARTs). The emulator captures
// it to a file (launch.ts); the session reads that file as it grows and takes
// the run's verdict from it alone. COM1 carries the guest's console too, so a
// guest could print `tsvisor: power off: status success` there: the verdict
// is never read from COM1.
import fs from "node:fs";

// Lines the hypervisor prints at the end of a run (kernel/platform/power.ts,
// kernel/panic.ts, boot/panic.c, boot/entry32.S).
const POWER_OFF = /^tsvisor: power off: status (success|failure)$/m;
const PANIC = /^tsvisor: PANIC: (.*)$/m;
const HALTED = /^tsvisor: machine halted/m;

export interface ControlEnd {
  verdict: "success" | "failure" | "panic";
  reason: string;
  // The machine is done: it powered off, or it panicked and said it halted
  // (the rest of a panic message may still be on its way before that).
  done: boolean;
}

// The end of the run the control channel's text reports, if any. A panic
// outranks a power-off line: nothing the hypervisor prints after a panic is
// trusted.
export function endOfRun(control: string): ControlEnd | null {
  const panic = PANIC.exec(control);
  if (panic) {
    return {
      verdict: "panic",
      reason: `the hypervisor panicked: ${panic[1]}`,
      done: HALTED.test(control.slice(panic.index)),
    };
  }
  const off = POWER_OFF.exec(control);
  if (off) {
    const status = off[1] as "success" | "failure";
    return { verdict: status, reason: `tsvisor powered off with status ${status}`, done: true };
  }
  return null;
}

// COM1 showing an end-of-run line that the control channel does not back
// (a forgery, or an ISO from before the control channel).
export function looksLikeEndOfRun(com1: string): boolean {
  return POWER_OFF.test(com1) || PANIC.test(com1);
}

// The capture file, read incrementally. It may not exist yet: QEMU creates
// it at start-up, Bochs only at COM2's first byte.
export class ControlFile {
  text = "";           // everything read so far, CR LF normalised to LF
  appeared = false;    // the file was ever there
  private fd: number | null = null;
  private offset = 0;
  private readonly chunk = Buffer.alloc(64 * 1024);

  constructor(readonly path: string) {}

  // Read what was added since the last call; returns the new text.
  poll(): string {
    if (this.fd === null) {
      try {
        this.fd = fs.openSync(this.path, "r");
        this.appeared = true;
      } catch {
        return ""; // not there yet (or its directory is gone)
      }
    }
    let added = "";
    for (;;) {
      const n = fs.readSync(this.fd, this.chunk, 0, this.chunk.length, this.offset);
      if (n === 0) break;
      this.offset += n;
      added += this.chunk.toString("latin1", 0, n);
    }
    added = added.replace(/\r/g, "");
    this.text += added;
    return added;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  // Why no verdict came: said with a run that ended without one.
  silence(): string {
    return this.appeared
      ? `nothing came on the control channel (COM2, captured to ${this.path})`
      : `the control channel's file ${this.path} (COM2) never appeared`;
  }
}
