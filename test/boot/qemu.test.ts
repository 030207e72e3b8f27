// Boot tests on QEMU's TCG (AMD-V with nested paging): what the core really
// printed on the emulated COM1.
import { describe, expect, it } from "vitest";
import { bootOn, VERSION } from "./boot-helpers.js";
import { SELFTEST_TRAPS } from "./cmdlines.js";
import { QEMU_STATUS_SUCCESS } from "../../tools/run/launch.js";

const TRAP_TEXT: Record<(typeof SELFTEST_TRAPS)[number], RegExp> = {
  "trap-oob": /^PANIC: the core trapped: out-of-bounds memory access$/,
  "trap-unreachable": /^PANIC: the core trapped: unreachable executed$/,
  "trap-stack": /^PANIC: the core trapped: call stack exhausted$/,
  abort: /^PANIC: core assertion failed: selftest abort at kernel\/selftest\.ts:\d+:\d+$/,
};

describe("QEMU TCG, -cpu qemu64,+svm,+npt", () => {
  it("boots the ISO: banner, RAM from the memory map, CPU, SVM report, clean power-off", async () => {
    const r = await bootOn("qemu");
    expect(r.lines[0]).toMatch(new RegExp(`^tsvisor ${VERSION.replace(/\./g, "\\.")} \\(.+\\), a hypervisor whose core is TypeScript`));
    expect(r.lines).toContain("loaded by: GRUB 2.06-13+deb12u2");
    // QEMU -m 512M: 639 KiB low memory plus RAM from 1 MiB up to the top, less firmware.
    expect(r.lines).toContain("RAM: 511 MiB usable (7 memory map entries)");
    expect(r.lines).toContainEqual(expect.stringMatching(/^CPU: AuthenticAMD family 15 model 107 stepping 1: QEMU Virtual CPU/));
    expect(r.lines).toContain("virtualization: AMD-V (SVM)");
    expect(r.lines).toContain("  SVM: present, usable (VM_CR.SVMDIS clear)");
    expect(r.lines).toContain("  nested paging (NPT): yes");
    expect(r.lines).toContain("  NRIP save: no");
    expect(r.lines).toContain("verdict: SVM with nested paging is usable");
    expect(r.lines.at(-1)).toBe("power off: status success");
    expect(r.verdict).toBe("success");
    expect(r.exitStatus).toBe(QEMU_STATUS_SUCCESS);
  });

  it("reports no hardware virtualization on qemu64 with SVM removed", async () => {
    const r = await bootOn("qemu", { cpu: "qemu64,-svm" });
    expect(r.lines).toContain("virtualization: no hardware virtualization (CPUID reports neither VMX nor SVM)");
    expect(r.verdict).toBe("success");
  });

  it.each(SELFTEST_TRAPS)("a deliberate core fault (%s) panics with its kind and halts the machine", async (kind) => {
    const r = await bootOn("qemu", { cmdline: `selftest=${kind}` });
    expect(r.lines).toContain(`selftest: ${kind}`);
    const panic = r.lines.findIndex((l) => l.startsWith("PANIC: "));
    expect(r.lines[panic]).toMatch(TRAP_TEXT[kind]);
    expect(r.lines[panic + 1]).toBe("machine halted");
    // It never ran on: nothing after the halt, and no power-off.
    expect(r.lines.length).toBe(panic + 2);
    expect(r.verdict).toBe("panic");
  });

  it("refuses an unknown selftest and ends the run with status failure", async () => {
    const r = await bootOn("qemu", { cmdline: "selftest=no-such-test" });
    expect(r.lines).toContain("selftest: unknown kind; known: trap-oob, trap-unreachable, trap-stack, abort, cpu-exception, host-fault");
    expect(r.lines.at(-1)).toBe("power off: status failure");
    expect(r.verdict).toBe("failure");
  });
});
