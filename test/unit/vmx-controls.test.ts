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

// Known-good control values for these four models, worked out by hand from
// their capability MSRs and the SDM (Vol. 3C §25.6-25.8, Appendix A.3-A.5),
// the same for all four:
//   pin-based 0x7f: the default-1 bits 1, 2, 4 (allowed-0 0x16) + external-
//     interrupt exiting (0) + NMI exiting (3) + virtual NMIs (5) + activate
//     VMX-preemption timer (6, allowed: allowed-1 0x7f);
//   primary 0xb51865fa: the TRUE default-1 bits 1, 4-6, 8, 13, 14, 26 +
//     use TSC offsetting (3) + HLT exiting (7) + MWAIT exiting (10) + CR8-load
//     and CR8-store exiting (19, 20: CR8 is the local APIC model's TPR) +
//     unconditional I/O exiting (24) + use MSR bitmaps (28) + MONITOR
//     exiting (29) + activate secondary controls (31); CR3-load/store
//     exiting (15, 16) left clear, as the TRUE MSR allows;
//   secondary 0xa2: enable EPT (1) + enable VPID (5) + unrestricted guest (7),
//     + enable RDTSCP (3) on all four + enable INVPCID (12) from Haswell on
//     (Sandy Bridge's allowed-1 secondary controls are 0xff): 0xaa, 0x10aa;
//     none of them has SGX, so none allows enable ENCLS exiting (15);
//   VM-exit 0x336fff: the default-1 bits 0x36dfb + save debug controls (2:
//     the guest's DR7 and IA32_DEBUGCTL) + host address-space size (9) +
//     save IA32_EFER (20) + load IA32_EFER (21);
//   VM-entry 0x91ff: the default-1 bits 0x11fb + load debug controls (2) +
//     load IA32_EFER (15); "IA-32e mode guest" (9) clear, for a real-mode start.
const KNOWN_GOOD = {
  pin: 0x7fn, proc: 0xb51865fan, exit: 0x336fffn, entry: 0x91ffn,
  proc2: { corei7_sandy_bridge_2600k: 0xaan, corei7_haswell_4770: 0x10aan, corei7_skylake_x: 0x10aan, tigerlake: 0x10aan },
};
describe.each(["corei7_sandy_bridge_2600k", "corei7_haswell_4770", "corei7_skylake_x", "tigerlake"])("%s", (model) => {
  it("enters the guest with the controls the manual gives for its capability MSRs", () => {
    const cpu = profileFrom(model);
    const r = runGuest([powerOff], cpu);
    const at = r.hal.entries[0].vmcs;
    expect(at.get(VMCS.PIN_BASED)).toBe(KNOWN_GOOD.pin);
    expect(at.get(VMCS.PROC_BASED)).toBe(KNOWN_GOOD.proc);
    expect(at.get(VMCS.PROC_BASED2)).toBe(KNOWN_GOOD.proc2[model as keyof typeof KNOWN_GOOD.proc2]);
    expect(at.get(VMCS.EXIT_CONTROLS)).toBe(KNOWN_GOOD.exit);
    expect(at.get(VMCS.ENTRY_CONTROLS)).toBe(KNOWN_GOOD.entry);
    // Every wanted control is available on these models: none reported missing.
    expect(r.lines.some((l) => l.includes("lack wanted bits"))).toBe(false);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
  });
});

describe("a CPU with SGX", () => {
  // Skylake-X's capability MSRs with enable ENCLS exiting (secondary bit 15,
  // SDM Vol. 3C Table 25-7) allowed, as on a part with SGX enabled.
  const sgx: CpuProfile = { ...skylakeX, name: "Skylake-X with SGX",
    msrs: { ...skylakeX.msrs, 0x48b: skylakeX.msrs[0x48b] | (1n << 47n) } };

  it("has every ENCLS leaf exit (the ENCLS-exiting bitmap all ones), so that the guest's ENCLS raises #UD", () => {
    const r = runGuest([powerOff], sgx);
    const at = r.hal.entries[0].vmcs;
    expect(at.get(VMCS.PROC_BASED2)! & (1n << 15n)).toBe(1n << 15n);
    expect(at.get(VMCS.ENCLS_EXITING_BITMAP)).toBe(0xffffffffffffffffn);
    expect(r.lines.some((l) => l.includes("lack wanted bits"))).toBe(false);
  });

  it("without it, ENCLS exiting is neither set nor reported missing", () => {
    const r = runGuest([powerOff], skylakeX);
    expect(r.hal.entries[0].vmcs.get(VMCS.PROC_BASED2)! & (1n << 15n)).toBe(0n);
    expect(r.hal.entries[0].vmcs.get(VMCS.ENCLS_EXITING_BITMAP)).toBeUndefined();
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
