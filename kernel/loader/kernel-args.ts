// What a loader is handed for a guest kernel: where the boot loader put the
// image and the initrd (host-physical, from the boot modules), the guest's
// command line (copied into the core's memory) and the firmware tables
// already in guest RAM. One record for every format (kernel/loader/).
import { physRead } from "../hal/imports";
import { CMDLINE_MAX } from "./low-memory";

// Linux's default: its console on the first serial port, which tsvisor's
// UART model is (drivers/uart16550.ts), at the speed it already runs.
export const DEFAULT_CMDLINE: string = "console=ttyS0";
const cmdlineBuffer = memory.data(<i32>CMDLINE_MAX);

export class KernelArgs {
  imageStart: u64 = 0;
  imageSize: u64 = 0;
  initrdStart: u64 = 0;
  initrdSize: u64 = 0;   // 0: none
  cmdline: usize = cmdlineBuffer;
  cmdlineLen: u32 = 0;   // without the NUL
  rsdp: u64 = 0;         // guest-physical address of the ACPI RSDP, 0 if none

  // The command line from a module of `size` bytes at host `start`; false
  // if it is too long. A trailing newline (an editor's) is dropped; the
  // line is NUL-terminated.
  setCmdlineFrom(start: u64, size: u64): bool {
    if (size >= <u64>CMDLINE_MAX) return false;
    let n = <u32>size;
    physRead(cmdlineBuffer, start, n);
    while (n > 0 && (load<u8>(cmdlineBuffer + n - 1) == 0x0a || load<u8>(cmdlineBuffer + n - 1) == 0)) n--;
    store<u8>(cmdlineBuffer + n, 0);
    this.cmdlineLen = n;
    return true;
  }

  // Append " name=value" (a decimal); false if it would not fit.
  appendDecimalOption(name: string, value: u64): bool {
    let digits: u32 = 1;
    for (let v = value; v >= 10; v /= 10) digits++;
    const n = <u32>name.length;
    let at = this.cmdlineLen;
    if (at + 2 + n + digits >= CMDLINE_MAX) return false;
    if (at > 0) store<u8>(cmdlineBuffer + at++, 0x20);
    for (let i: u32 = 0; i < n; i++) store<u8>(cmdlineBuffer + at++, <u8>name.charCodeAt(i));
    store<u8>(cmdlineBuffer + at++, 0x3d); // '='
    for (let i: u32 = 0, v = value; i < digits; i++, v /= 10) store<u8>(cmdlineBuffer + at + digits - 1 - i, <u8>(0x30 + v % 10));
    at += digits;
    store<u8>(cmdlineBuffer + at, 0);
    this.cmdlineLen = at;
    return true;
  }

  // Append " word"; false if it would not fit.
  appendWord(word: string): bool {
    const n = <u32>word.length;
    let at = this.cmdlineLen;
    if (at + 1 + n >= CMDLINE_MAX) return false;
    if (at > 0) store<u8>(cmdlineBuffer + at++, 0x20);
    for (let i: u32 = 0; i < n; i++) store<u8>(cmdlineBuffer + at++, <u8>word.charCodeAt(i));
    store<u8>(cmdlineBuffer + at, 0);
    this.cmdlineLen = at;
    return true;
  }

  clearCmdline(): void {
    store<u8>(cmdlineBuffer, 0);
    this.cmdlineLen = 0;
  }

  setDefaultCmdline(): void {
    const n = <u32>DEFAULT_CMDLINE.length;
    for (let i: u32 = 0; i < n; i++) store<u8>(cmdlineBuffer + i, <u8>DEFAULT_CMDLINE.charCodeAt(i));
    store<u8>(cmdlineBuffer + n, 0);
    this.cmdlineLen = n;
  }
}
