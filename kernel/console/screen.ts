// The hypervisor's lines on the screen as well as on COM1, where the
// machine has a screen this can write (kernel/console/screen-start.ts
// decides; drivers/host/vga-text.ts draws). Kept apart from what decides,
// so that the console (./console.ts) depends on nothing that prints.
import { ScreenConsole } from "../../drivers/host/screen-console";

let current: ScreenConsole | null = null;

export function useScreen(s: ScreenConsole): void {
  current = s;
}

export function screenPut(c: u32): void {
  const s = current;
  if (s !== null) s.putc(c);
}
