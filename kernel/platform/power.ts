// Ending a run. Test hosts offer debug devices that end the emulator with a
// status; on real hardware neither exists and the machine halts.
import { halt, outb } from "../hal/imports";
import { line } from "../console/console";
import { com1Flush } from "../../drivers/host/com1";

// QEMU isa-debug-exit (hw/misc/debug-exit.c), attached at iobase 0xf4 by the
// run tool: writing V exits QEMU with status (V << 1) | 1.
const DEBUG_EXIT_PORT: u32 = 0xf4;
export const DEBUG_EXIT_SUCCESS: u32 = 0x10; // QEMU exit status 33
export const DEBUG_EXIT_FAILURE: u32 = 0x11; // QEMU exit status 35
// Bochs: the string "Shutdown" written to port 0x8900 ends the simulation
// (Bochs iodev/unmapped.cc).
const BOCHS_SHUTDOWN_PORT: u32 = 0x8900;

export function haltForever(): void {
  while (true) halt();
}

export function powerOff(success: bool): void {
  line(success ? "power off: status success" : "power off: status failure");
  com1Flush();
  const s = "Shutdown";
  for (let i = 0; i < s.length; i++) outb(BOCHS_SHUTDOWN_PORT, s.charCodeAt(i));
  outb(DEBUG_EXIT_PORT, success ? DEBUG_EXIT_SUCCESS : DEBUG_EXIT_FAILURE);
  line("machine halted (no debug-exit device answered)");
  haltForever();
}
