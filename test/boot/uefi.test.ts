// The same ISO under UEFI: QEMU TCG with Debian's OVMF instead of SeaBIOS.
// GRUB's x86_64-efi image loads the same multiboot2 kernel; the hypervisor
// reads the memory map GRUB builds from the EFI one (GRUB has exited boot
// services), places its core's memory clear of what the firmware keeps
// (boot/core-placement.c), and runs the same guests with the same report.
import { describe, expect, it } from "vitest";
import { bootOn } from "./boot-helpers.js";
import { CHECKS } from "./guest-checks.js";
import { linuxTestGuest } from "./cmdlines.js";
import { linuxGuest } from "../../tools/images/linux.js";
import { READY_MARKER } from "../../tools/images/initramfs.js";

describe("UEFI: QEMU TCG with OVMF", () => {
  it("boots the ISO: GRUB's EFI memory map, the core placed clear of the firmware's ACPI NVS, clean power-off", async () => {
    const r = await bootOn("qemu", { firmware: "uefi" });
    // OVMF keeps ACPI NVS at 0x800000-0x807fff: the fixed region after the
    // image that the core's memory once had would lie across it.
    expect(r.lines).toContain("  0x0000000000800000-0x0000000000807fff ACPI NVS");
    const at = r.lines.find((l) => l.startsWith("core: linear memory at "));
    expect(at).toBeDefined();
    const base = BigInt(/at (0x[0-9a-f]+)/.exec(at!)![1]);
    expect(base >= 0x900000n || base + 32n * 1024n * 1024n <= 0x800000n).toBe(true);
    expect(r.lines).toContain("verdict: SVM with nested paging is usable");
    expect(r.lines).toContain("boot complete (no guest module given)");
    expect(r.lines.at(-1)).toBe("power off: status success");
    expect(r.verdict).toBe("success");
  });

  it.each(["hello", "long-mode", "hostile-insn", "lapic"] as const)("test guest %s: every check passes, as under SeaBIOS", async (guest) => {
    const r = await bootOn("qemu", { guest: `test:${guest}`, firmware: "uefi" });
    // OVMF and GRUB's EFI build print on COM1 before the hypervisor starts
    // (BdsDxe, "Welcome to GRUB!"); the guest's lines are those after.
    const all = r.output.split("\n").map((l) => l.replace(/\r$/, ""));
    const from = all.findIndex((l) => l.startsWith("tsvisor: "));
    const guestLines = all.slice(from).filter((l) => l !== "" && !l.startsWith("tsvisor: "));
    expect(guestLines).toEqual([...CHECKS[guest], "verdict: PASS"]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(r.verdict).toBe("success");
  });

  it("Debian's Linux boots to its shell under OVMF, reads its virtio disk, and powers off (ACPI S5)", async () => {
    const version = linuxGuest().version;
    const r = await bootOn("qemu", {
      kernel: linuxTestGuest(), firmware: "uefi", timeoutMs: 300_000,
      type: { after: new RegExp(`^${READY_MARKER}$`), text: 'echo "=""=uname"; uname -r; cat /sys/block/vda/size; poweroff\n' },
    });
    const out = r.output.replace(/\r/g, "").split("\n");
    const at = out.indexOf("==uname");
    expect(at).toBeGreaterThan(0);
    expect(out.slice(at + 1, at + 3)).toEqual([version, "16384"]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(r.verdict).toBe("success");
  }, 320_000);
});
