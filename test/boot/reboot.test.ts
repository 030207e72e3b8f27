// A guest that resets the machine boots again in place (kernel/machine.ts),
// on each backend: the reboot test guest (test/guests/reboot.S) writes a
// CMOS byte and RAM, resets through port 0xCF9, and on its second boot
// finds the byte kept and the RAM zeroed. One boot per host.
import { describe, expect, it } from "vitest";
import { bootOn } from "./boot-helpers.js";
import type { HostName } from "../../tools/run/hosts.js";

const REBOOT_LINES = [
  "first boot: CMOS byte 0x40 and RAM written, resetting through port 0xCF9",
  "check: CMOS byte 0x40 kept its value across the reset: ok",
  "check: RAM written before the reset reads zero, below and above 1 MiB: ok",
  "verdict: PASS",
];

describe("a guest that resets the machine reboots in place", () => {
  it.each([
    ["bochs", "VMX on Bochs (corei7_skylake_x)"],
    ["qemu", "SVM on QEMU TCG (qemu64,+svm,+npt)"],
  ] as [HostName, string][])("%s: %s: the second boot sees the CMOS byte and zeroed RAM, then powers off", async (host) => {
    const r = await bootOn(host, { guest: "test:reboot" });
    expect(r.guestLines).toEqual(REBOOT_LINES);
    expect(r.lines).toContain("VM: the guest reset the machine (the reset control register, port 0xCF9): rebooting (boot 2)");
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(r.verdict).toBe("success");
  });
});
