// Boot tests on Bochs, cpu model corei7_skylake_x (VT-x with EPT): what the
// core really printed on the emulated COM1.
import { describe, expect, it } from "vitest";
import { bootOn, VERSION } from "./boot-helpers.js";

describe("Bochs, cpu corei7_skylake_x", () => {
  it("boots the ISO: banner, RAM, CPU and the VMX report, clean power-off", async () => {
    const r = await bootOn("bochs");
    expect(r.lines[0]).toMatch(new RegExp(`^tsvisor ${VERSION.replace(/\./g, "\\.")} \\(`));
    expect(r.lines).toContain("RAM: 511 MiB usable (6 memory map entries)");
    expect(r.lines).toContain("CPU: GenuineIntel family 6 model 85 stepping 4: Intel(R) Core(TM) i7-7800X CPU @ 3.50GHz");
    expect(r.lines).toContain("virtualization: Intel VT-x (VMX)");
    expect(r.lines).toContain("  VMX: present, usable (IA32_FEATURE_CONTROL locked with VMX outside SMX enabled)");
    expect(r.lines).toContainEqual(expect.stringMatching(/^ {2}VMCS revision: 0x[0-9a-f]{8}, region size 4096 bytes/));
    expect(r.lines).toContain("  EPT: yes (4-level walk: yes, 2 MiB pages: yes, 1 GiB pages: yes, write-back: yes, INVEPT: yes)");
    expect(r.lines).toContain("  VPID: yes (INVVPID: yes)");
    expect(r.lines).toContain("  unrestricted guest: yes");
    expect(r.lines).toContain("verdict: VMX with EPT is usable");
    expect(r.lines.at(-1)).toBe("power off: status success");
    expect(r.verdict).toBe("success");
  });

  it("a wasm trap in the core panics and halts on Bochs too", async () => {
    const r = await bootOn("bochs", { cmdline: "selftest=trap-oob" });
    expect(r.lines).toContain("PANIC: the core trapped: out-of-bounds memory access");
    expect(r.lines.at(-1)).toBe("machine halted");
    expect(r.verdict).toBe("panic");
  });

  it("a CPU exception in the hypervisor (#GP from RDMSR) is reported by the IDT, not a reset", async () => {
    const r = await bootOn("bochs", { cmdline: "selftest=cpu-exception" });
    expect(r.lines).toContainEqual(
      expect.stringMatching(/^PANIC: CPU exception #GP general protection in the hypervisor: error code 0x0+, rip 0x0000000000[0-9a-f]{6}$/));
    expect(r.lines.at(-1)).toBe("machine halted");
    expect(r.verdict).toBe("panic");
  });

  it("a #GP in the host's XSETBV or RDMSR on a refused value lands in its fix-up, and the hypervisor carries on", async () => {
    const r = await bootOn("bochs", { cmdline: "selftest=host-fault" });
    expect(r.lines).toContain("selftest: XSETBV of XCR0=0 raised #GP and the hypervisor carried on: ok");
    expect(r.lines).toContain("selftest: RDMSR of a nonexistent MSR raised #GP and the hypervisor carried on: ok");
    expect(r.lines).not.toContainEqual(expect.stringMatching(/^PANIC/));
    expect(r.lines).toContain("boot complete (no guest module given)");
    expect(r.verdict).toBe("success");
  });
});
