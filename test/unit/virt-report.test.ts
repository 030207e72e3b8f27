// The virtualization report decoded from the CPUID and MSR values of real
// CPUs, through the core's real entry point.
import { describe, expect, it } from "vitest";
import { bootCore } from "../sim/core.js";
import { typicalPc } from "../sim/multiboot2.js";
import * as cpus from "../sim/cpu-profiles.js";

const report = (cpu: cpus.CpuProfile) => {
  const r = bootCore(cpu, { info: typicalPc() });
  expect(r.error).toBeNull();
  return r;
};

describe("Intel VT-x", () => {
  it("Skylake-X: VMX usable with EPT (4-level, 2M, 1G), VPID and unrestricted guest", () => {
    const r = report(cpus.skylakeX);
    expect(r.lines).toContain("CPU: GenuineIntel family 6 model 85 stepping 4: Intel(R) Core(TM) i7-7800X CPU @ 3.50GHz");
    expect(r.lines).toContain("virtualization: Intel VT-x (VMX)");
    expect(r.lines).toContain("  VMX: present, usable (IA32_FEATURE_CONTROL locked with VMX outside SMX enabled)");
    expect(r.lines).toContain("  VMCS revision: 0x00000004, region size 1024 bytes, TRUE capability MSRs: yes");
    expect(r.lines).toContain("  EPT: yes (4-level walk: yes, 2 MiB pages: yes, 1 GiB pages: yes, write-back: yes, INVEPT: yes)");
    expect(r.lines).toContain("  VPID: yes (INVVPID: yes)");
    expect(r.lines).toContain("  unrestricted guest: yes");
    expect(r.lines).toContain("verdict: VMX with EPT is usable");
    expect(r.poweredOff).toBe("success");
  });

  it("firmware locked VT-x off: present but not usable, and says how to fix it", () => {
    const r = report(cpus.skylakeVmxLockedOff);
    expect(r.lines).toContain(
      "  VMX: present, NOT usable: disabled by firmware (IA32_FEATURE_CONTROL locked with VMX off); enable VT-x in the firmware setup");
    expect(r.lines).toContain("verdict: not usable: VMX is disabled by the firmware");
  });

  it("firmware left IA32_FEATURE_CONTROL unlocked: usable, tsvisor will lock it", () => {
    expect(report(cpus.skylakeUnlocked).lines).toContain(
      "  VMX: present, usable (IA32_FEATURE_CONTROL unlocked: tsvisor will enable VMX and lock it)");
  });

  it("Core 2 without secondary controls: no EPT, and the MSRs that do not exist are never read", () => {
    const r = report(cpus.merom);
    expect(r.lines).toContain("  VMCS revision: 0x0000000d, region size 2048 bytes, TRUE capability MSRs: no");
    expect(r.lines).toContain("  EPT: no");
    expect(r.lines).toContain("  VPID: no");
    expect(r.lines).toContain("verdict: not usable: VMX without EPT (tsvisor needs EPT)");
    expect(r.hal.msrReads).not.toContain(0x48b);
    expect(r.hal.msrReads).not.toContain(0x48c);
  });
});

describe("AMD-V", () => {
  it("EPYC 7702: SVM usable with NPT, NRIP save and the optional features", () => {
    const r = report(cpus.epycRome);
    expect(r.lines).toContain("CPU: AuthenticAMD family 23 model 49 stepping 0: AMD EPYC 7702 64-Core Processor");
    expect(r.lines).toContain("virtualization: AMD-V (SVM)");
    expect(r.lines).toContain("  SVM: present, usable (VM_CR.SVMDIS clear)");
    expect(r.lines).toContain("  SVM revision: 1, ASIDs: 32768");
    expect(r.lines).toContain("  nested paging (NPT): yes");
    expect(r.lines).toContain("  NRIP save: yes");
    expect(r.lines).toContain("  VMCB clean bits: yes, flush by ASID: yes, decode assists: yes");
    expect(r.lines).toContain("verdict: SVM with nested paging is usable");
  });

  it("a CPU without the VM_CR MSR (Bochs 2.7): read safely, SVM usable, and the report says why", () => {
    const r = report(cpus.bochsRyzen);
    expect(r.lines).toContain("  SVM: present, usable (no VM_CR MSR, so SVMDIS cannot be set; Bochs 2.7 lacks it)");
    expect(r.lines).toContain("verdict: SVM with nested paging is usable");
    expect(r.hal.msrReads).toContain(0xc0010114);
  });

  it("SVM disabled and locked by firmware", () => {
    const r = report(cpus.epycSvmDisabled);
    expect(r.lines).toContain(
      "  SVM: present, NOT usable: disabled by firmware (VM_CR.SVMDIS set and locked); enable SVM in the firmware setup");
    expect(r.lines).toContain("verdict: not usable: SVM is disabled (VM_CR.SVMDIS)");
  });

  it("QEMU TCG with +svm,+npt: NPT without NRIP save, clean bits or decode assists", () => {
    const r = report(cpus.qemuTcgSvm);
    expect(r.lines).toContain("running under a hypervisor: TCGTCGTCGTCG");
    expect(r.lines).toContain("  nested paging (NPT): yes");
    expect(r.lines).toContain("  NRIP save: no");
    expect(r.lines).toContain("  VMCB clean bits: no, flush by ASID: no, decode assists: no");
  });

  it("plain qemu64 advertises SVM without nested paging: present, not usable, and says why", () => {
    const r = report(cpus.qemu64Plain);
    expect(r.lines).toContain("  nested paging (NPT): no");
    expect(r.lines).toContain("verdict: not usable: SVM without nested paging (tsvisor needs NPT)");
  });
});

describe("neither", () => {
  it("qemu64 with -svm: no hardware virtualization, and no VMX or SVM MSR is touched", () => {
    const r = report(cpus.qemu64NoSvm);
    expect(r.lines).toContain("virtualization: no hardware virtualization (CPUID reports neither VMX nor SVM)");
    expect(r.lines.some((l) => l.startsWith("verdict:"))).toBe(false);
    // IA32_FEATURE_CONTROL and the VMX capability MSRs (0x3a, 0x480-0x491),
    // VM_CR and VM_HSAVE_PA (0xc0010114, 0xc0010117): none read. (The only
    // MSR read is the host timer's IA32_APIC_BASE, 0x1b.)
    const virt = (m: number) => m === 0x3a || (m >= 0x480 && m <= 0x491) || m === 0xc0010114 || m === 0xc0010117;
    expect(r.hal.msrReads.filter(virt)).toEqual([]);
    expect(r.hal.msrReads).toEqual([0x1b]);
  });
});
