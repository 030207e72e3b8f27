// Panics from inside the core: AssemblyScript's abort() (a failed assert or
// a runtime check in the standard library) is routed here by the build
// (asc --use abort=kernel/panic/coreAbort). The core reports and halts;
// traps it cannot report itself (out-of-bounds, unreachable, stack
// exhaustion) are reported by the native runtime in boot/wasm-rt.c.
import { begin, endl, line, puts, putDec } from "./console/console";
import { haltForever } from "./platform/power";

export function panic(why: string): void {
  endl();
  begin("PANIC: ");
  puts(why);
  endl();
  line("machine halted");
  haltForever();
}

export function coreAbort(message: string | null, file: string | null, lineNo: u32, column: u32): void {
  endl();
  begin("PANIC: core assertion failed: ");
  puts(message !== null ? message : "(no message)");
  puts(" at ");
  puts(file !== null ? file : "?");
  puts(":");
  putDec(lineNo);
  puts(":");
  putDec(column);
  endl();
  line("machine halted");
  haltForever();
}
