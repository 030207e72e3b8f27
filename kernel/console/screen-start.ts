// Which screen the hypervisor's console takes: where GRUB left the machine
// in EGA text mode (a BIOS machine: Multiboot2 framebuffer tag type 2),
// drivers/host/vga-text.ts. A UEFI machine's framebuffer (GOP) needs a
// bitmap font and is not drawn yet; there the report is on COM1 only.
// `screen=off` on the command line leaves the screen as GRUB left it.
import { VgaText } from "../../drivers/host/vga-text";
import { Mb2Info, FB_TYPE_EGA_TEXT } from "../boot/multiboot2";
import { optionIs } from "../boot/cmdline";
import { useScreen } from "./screen";

export function startScreen(info: Mb2Info): void {
  if (!info.hasFramebuffer || info.fbType != FB_TYPE_EGA_TEXT) return;
  if (optionIs(info.cmdline, info.cmdlineLen, "screen", "off")) return;
  const s = VgaText.fromTag(info.fbAddress, info.fbWidth, info.fbHeight, info.fbPitch, info.fbBpp);
  if (s === null) return;
  s.start();
  useScreen(s);
}
