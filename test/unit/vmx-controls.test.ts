// VM-entry set-up against the VMX capability MSRs of six Intel processor
// models, as Bochs 2.7 reports them (captured with `vmxcaps=hex` into
// test/fixtures/). For each: every control is what tsvisor wants, plus the
// must-be-1 bits, minus the must-be-0 bits — or, where the CPU lacks EPT or
// unrestricted guest, the guest is refused with the reason.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { skylakeX, CpuProfile } from "../sim/cpu-profiles.js";
import { VMCS } from "../sim/hal.js";
import { runGuest, powerOff } from "../sim/scripted-vmx.js";

function profileFrom(model: string): CpuProfile {
  const text = fs.readFileSync(path.resolve(__dirname, `../fixtures/vmxcaps-bochs-${model}.txt`), "utf8");
  const msrs: Record<number, bigint> = { 0x3a: 0x5n, 0xc0000080: 0x500n };
  for (const line of text.trim().split("\n")) {
    const [msr, value] = line.split(" ");
    msrs[Number(msr)] = BigInt(value);
  }
  return { name: model, cpuid: skylakeX.cpuid, msrs };
}

const adjust = (wanted: bigint, cap: bigint) => (wanted | (cap & 0xffffffffn)) & (cap >> 32n);
describe.each(["corei7_sandy_bridge_2600k", "corei7_haswell_4770", "corei7_skylake_x", "tigerlake"])("%s", (model) => {
  it("enters the guest with every control adjusted to the TRUE capability MSRs", () => {
    const cpu = profileFrom(model);
    const r = runGuest([powerOff], cpu);
    const at = r.hal.entries[0].vmcs;
    const m = cpu.msrs;
    expect(at.get(VMCS.PIN_BASED)).toBe(adjust(0x9n, m[0x48d]));
    expect(at.get(VMCS.PROC_BASED)).toBe(adjust((1n << 7n) | (1n << 24n) | (1n << 31n), m[0x48e]));
    // EPT, VPID, unrestricted guest; RDTSCP (bit 3) and INVPCID (bit 12) only where allowed.
    expect(at.get(VMCS.PROC_BASED2)).toBe(adjust(0xa2n | (0x1008n & (m[0x48b] >> 32n)), m[0x48b]));
    expect(at.get(VMCS.EXIT_CONTROLS)).toBe(adjust((1n << 9n) | (1n << 20n) | (1n << 21n), m[0x48f]));
    expect(at.get(VMCS.ENTRY_CONTROLS)).toBe(adjust(1n << 15n, m[0x490]));
    // Every wanted control is available on these models: none reported missing.
    expect(r.lines.some((l) => l.includes("lack wanted bits"))).toBe(false);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
  });
});

describe("models that cannot run a real-mode guest", () => {
  it("Core 2 Penryn: secondary controls but no EPT — refused before VMXON", () => {
    const r = runGuest([powerOff], profileFrom("core2_penryn_t9600"));
    expect(r.lines).toContain("  EPT: no");
    expect(r.lines).toContain("verdict: not usable: VMX without EPT (tsvisor needs EPT)");
    expect(r.lines).toContain("cannot run the guest: no usable VMX with EPT or SVM with nested paging on this machine");
    expect(r.hal.entries).toEqual([]);
    expect(r.poweredOff).toBe("failure");
  });

  it("Nehalem (Lynnfield): EPT without unrestricted guest — refused with the reason", () => {
    const r = runGuest([powerOff], profileFrom("corei5_lynnfield_750"));
    expect(r.lines).toContain("  EPT: yes (4-level walk: yes, 2 MiB pages: yes, 1 GiB pages: no, write-back: yes, INVEPT: yes)");
    expect(r.lines).toContain("  unrestricted guest: no");
    expect(r.lines).toContain("VMX: tsvisor needs EPT and unrestricted guest to run a real-mode guest");
    expect(r.hal.entries).toEqual([]);
    expect(r.poweredOff).toBe("failure");
  });
});
