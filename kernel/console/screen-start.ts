// Which screen the hypervisor's console takes, from GRUB's framebuffer tag
// (Multiboot2 §3.6.12): EGA text where GRUB left a BIOS machine in it
// (drivers/host/vga-text.ts), a direct-RGB framebuffer under UEFI
// (drivers/host/framebuffer-text.ts). `screen=off` on the command line
// leaves the screen as GRUB left it.
import { VgaText } from "../../drivers/host/vga-text";
import { FramebufferText } from "../../drivers/host/framebuffer-text";
import { Mb2Info, FB_TYPE_EGA_TEXT, FB_TYPE_RGB } from "../boot/multiboot2";
import { optionIs } from "../boot/cmdline";
import { useScreen } from "./screen";

// What the screen is, for the report (kernel/main.ts).
export enum ScreenKind { None, Text, Framebuffer }

export function startScreen(info: Mb2Info): ScreenKind {
  if (!info.hasFramebuffer || optionIs(info.cmdline, info.cmdlineLen, "screen", "off")) return ScreenKind.None;
  if (info.fbType == FB_TYPE_EGA_TEXT) {
    const s = VgaText.fromTag(info.fbAddress, info.fbWidth, info.fbHeight, info.fbPitch, info.fbBpp);
    if (s === null) return ScreenKind.None;
    s.start();
    useScreen(s);
    return ScreenKind.Text;
  }
  if (info.fbType == FB_TYPE_RGB) {
    const s = FramebufferText.fromTag(info.fbAddress, info.fbWidth, info.fbHeight, info.fbPitch, info.fbBpp,
      info.fbRedShift, info.fbGreenShift, info.fbBlueShift);
    if (s === null) return ScreenKind.None;
    s.clear();
    useScreen(s);
    return ScreenKind.Framebuffer;
  }
  return ScreenKind.None;
}
