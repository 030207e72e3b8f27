// The MSR policy (kernel/vm/msr-policy.ts) as the CPU sees it: the VMX MSR
// bitmap and the SVM MSR permission map the core builds, checked bit by bit
// against the MSRs the manuals let a guest own, and the emulated MSRs
// through real RDMSR/WRMSR exits.
import { describe, expect, it } from "vitest";
import { LINEAR_BASE } from "../sim/core.js";
import { epycRome, qemuTcgSvm } from "../sim/cpu-profiles.js";
import { VMCS, VMCB, SvmSimExit } from "../sim/hal.js";
import { runGuest, powerOff, R } from "../sim/scripted-vmx.js";
import { runSvmGuest, svmPowerOff, X } from "../sim/scripted-svm.js";

// Passed through without an exit, and why it is safe (see the policy):
// SYSENTER_CS/ESP/EIP, FS/GS base — switched by the CPU (VMCS guest state;
// VMLOAD/VMSAVE); STAR, LSTAR, CSTAR, FMASK, KERNEL_GS_BASE — VMLOAD/VMSAVE
// under SVM, unused by the hypervisor under VMX.
const PASSED = new Set([0x174, 0x175, 0x176, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102]);
// IA32_TSC_AUX too, where the guest has RDTSCP/RDPID (which read it): VMX
// with "enable RDTSCP" granted (Skylake-X), SVM where the host has RDTSCP
// (EPYC; QEMU's qemu64 model has none).
const PASSED_WITH_RDTSCP = new Set([...PASSED, 0xc0000103]);
const RANGES = [[0, 0x1fff], [0xc0000000, 0xc0001fff], [0xc0010000, 0xc0011fff]] as const;
const bit = (bytes: Uint8Array, n: number) => (bytes[n >> 3] >> (n & 7)) & 1;

describe("VMX MSR bitmap (SDM Vol. 3C §25.6.9)", () => {
  it("is on, and lets exactly the passed-through MSRs run without an exit, for reads and for writes", () => {
    const { hal } = runGuest([powerOff]);
    const vmcs = hal.entries[0].vmcs;
    expect(vmcs.get(VMCS.PROC_BASED)! & (1n << 28n)).toBe(1n << 28n); // use MSR bitmaps
    const pa = vmcs.get(VMCS.MSR_BITMAP)!;
    expect(pa & 0xfffn).toBe(0n);
    const page = new Uint8Array(hal.memory!.buffer, Number(pa - LINEAR_BASE), 4096);
    for (const [lo, hi] of RANGES.slice(0, 2)) {
      const base = lo === 0 ? 0 : 1024;
      for (let msr = lo; msr <= hi; msr++) {
        const exits = PASSED_WITH_RDTSCP.has(msr) ? 0 : 1;
        expect(bit(page, base * 8 + (msr & 0x1fff)), `read of 0x${msr.toString(16)}`).toBe(exits);
        expect(bit(page, (base + 2048) * 8 + (msr & 0x1fff)), `write of 0x${msr.toString(16)}`).toBe(exits);
      }
    }
  });
});

describe("SVM MSR permission map (APM Vol. 2 §15.11)", () => {
  it.each([
    ["qemu64 (no RDTSCP)", qemuTcgSvm, PASSED],
    ["EPYC (RDTSCP: TSC_AUX passed too)", epycRome, PASSED_WITH_RDTSCP],
  ] as const)("%s: intercepts every MSR of the three ranges but the passed-through ones, reads and writes", (_n, cpu, passed) => {
    const { hal } = runSvmGuest(cpu, [svmPowerOff]);
    const vmcb = new DataView(hal.vmruns[0].vmcb.buffer);
    const pa = vmcb.getBigUint64(VMCB.MSRPM_BASE_PA, true);
    const map = new Uint8Array(hal.memory!.buffer, Number(pa - LINEAR_BASE), 8192);
    RANGES.forEach(([lo, hi], r) => {
      for (let msr = lo; msr <= hi; msr++) {
        const n = r * 0x800 * 8 + (msr - lo) * 2;
        const exits = passed.has(msr) ? 0 : 1;
        expect(bit(map, n), `read of 0x${msr.toString(16)}`).toBe(exits);
        expect(bit(map, n + 1), `write of 0x${msr.toString(16)}`).toBe(exits);
      }
    });
  });
});

describe("emulated MSRs", () => {
  const rdmsr = (msr: number) => ({ reason: R.RDMSR, instructionLength: 2, regs: { rcx: BigInt(msr), rax: 0n, rdx: 0n } });
  const wrmsr = (msr: number, v: bigint) =>
    ({ reason: R.WRMSR, instructionLength: 2, regs: { rcx: BigInt(msr), rax: v & 0xffffffffn, rdx: v >> 32n } });
  const value = (e: { regs: { rax: bigint; rdx: bigint } }) => (e.regs.rdx << 32n) | e.regs.rax;

  it("read their power-on values: APIC base 0xfee00900, MISC_ENABLE 1, PAT 0x0007040600070406, MTRR default type 0", () => {
    const { hal } = runGuest([rdmsr(0x1b), rdmsr(0x1a0), rdmsr(0x277), rdmsr(0x2ff), powerOff]);
    expect(hal.entries.slice(1, 5).map(value)).toEqual([0xfee00900n, 1n, 0x0007040600070406n, 0n]);
  });

  it("WRMSR to IA32_TSC moves the TSC the guest reads: a write of 0 reads back as the ticks since", () => {
    const { hal } = runGuest([wrmsr(0x10, 0n), rdmsr(0x10), powerOff]);
    const tsc = value(hal.entries[2]);
    expect(tsc > 0n && tsc < 100_000n).toBe(true); // a few simulated port reads and RDTSCs later
  });

  it("WRMSR to IA32_TSC loads the hardware TSC offset too, so RDTSC in the guest agrees (VMCS TSC_OFFSET, VMCB 0x050)", () => {
    const { hal } = runGuest([wrmsr(0x10, 0n), powerOff]);
    const offset = hal.entries[1].vmcs.get(VMCS.TSC_OFFSET)!;
    // value - host TSC at the write: minus (the simulated TSC so far), as a 64-bit two's complement.
    expect(offset > 0xffff_ffff_0000_0000n).toBe(true);
    const svm = runSvmGuest(qemuTcgSvm, [{ code: 0x7cn, info1: 1n, rax: 0n, regs: { rcx: 0x10n, rdx: 0n } }, svmPowerOff]);
    const vmcb = new DataView(svm.hal.vmruns[1].vmcb.buffer);
    expect(vmcb.getBigUint64(0x050, true) > 0xffff_ffff_0000_0000n).toBe(true);
    expect(new DataView(svm.hal.vmruns[0].vmcb.buffer).getBigUint64(0x050, true)).toBe(0n);
  });

  it.each([
    ["IA32_PAT with reserved type 2 in entry 0", 0x277, 0x0007040600070402n],
    ["IA32_PAT with reserved type 3 in entry 7", 0x277, 0x0307040600070406n],
    ["IA32_PAT with a reserved bit (3) in entry 1", 0x277, 0x0007040600070e06n],
    ["IA32_MTRR_DEF_TYPE with reserved type 7", 0x2ff, 0x807n],
    ["IA32_MTRR_DEF_TYPE with reserved bit 12", 0x2ff, 0x1806n],
  ] as const)("%s gets #GP (SDM Vol. 3A §13.11.2.1, §13.12.2), and the old value stays", (_n, msr, v) => {
    const { hal } = runGuest([wrmsr(msr, v), rdmsr(msr), powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)! & 0xffn).toBe(13n);
    expect(value(hal.entries[2])).toBe(msr === 0x277 ? 0x0007040600070406n : 0n);
  });

  it("IA32_MTRR_DEF_TYPE WB with E and FE is accepted", () => {
    const { hal } = runGuest([wrmsr(0x2ff, 0xc06n), rdmsr(0x2ff), powerOff]);
    expect(value(hal.entries[2])).toBe(0xc06n);
  });

  it("EFER: changing LME while CR0.PG is set gets #GP (SDM Vol. 3A §10.8.5); with paging off it is taken", () => {
    const paged = { [VMCS.GUEST_CR0]: 0x80000011n, [VMCS.GUEST_IA32_EFER]: 0x500n };
    const clearLme = { ...wrmsr(0xc0000080, 0x400n), fields: paged };
    const { hal } = runGuest([clearLme, powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)! & 0xffn).toBe(13n);
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_IA32_EFER)).toBe(0x500n);
    const unpaged = runGuest([wrmsr(0xc0000080, 0x100n), rdmsr(0xc0000080), powerOff]);
    expect(value(unpaged.hal.entries[2])).toBe(0x100n);
  });

  it("EFER: a reserved bit gets #GP; SCE and NXE are kept", () => {
    const { hal } = runGuest([wrmsr(0xc0000080, 1n << 20n), wrmsr(0xc0000080, 0x801n), rdmsr(0xc0000080), powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)! & 0xffn).toBe(13n);
    expect(value(hal.entries[3])).toBe(0x801n);
  });

  it("an MSR outside the policy gets #GP on write as on read (SDM Vol. 2B WRMSR)", () => {
    const { hal } = runGuest([wrmsr(0x3a, 1n), powerOff]); // IA32_FEATURE_CONTROL: VMX is hidden
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe((1n << 31n) | (3n << 8n) | 13n);
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
  });
});

describe("RDMSR and WRMSR exits", () => {
  const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer).getBigUint64(off, true);

  it("VMX: RDMSR of an unknown MSR injects #GP(0) in protected mode, and leaves RIP on the instruction", () => {
    const { hal } = runGuest([
      { reason: R.RDMSR, instructionLength: 2, regs: { rcx: 0xc0den }, fields: { [VMCS.GUEST_CR0]: 0x11n } },
      powerOff,
    ]);
    // vector 13 | hardware exception (3 << 8) | deliver error code (1 << 11) | valid (1 << 31)
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x80000b0dn);
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
  });

  it("VMX: RDMSR of an unknown MSR in real mode injects #GP without an error code", () => {
    const { hal } = runGuest([{ reason: R.RDMSR, instructionLength: 2, regs: { rcx: 0xc0den } }, powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x8000030dn);
  });

  it("VMX: WRMSR then RDMSR of IA32_PAT round-trips through the shadow table", () => {
    const { hal } = runGuest([
      { reason: R.WRMSR, instructionLength: 2, regs: { rcx: 0x277n, rax: 0x00070105n, rdx: 0x00010406n } },
      { reason: R.RDMSR, instructionLength: 2, regs: { rcx: 0x277n, rax: 0n, rdx: 0n } },
      powerOff,
    ]);
    expect(hal.entries[2].regs.rax).toBe(0x00070105n);
    expect(hal.entries[2].regs.rdx).toBe(0x00010406n);
    expect(hal.entries[2].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c04n);
  });

  it("SVM: RDMSR of an unknown MSR injects #GP through EVENTINJ (no error code in real mode)", () => {
    const { hal } = runSvmGuest(qemuTcgSvm, [{ code: X.MSR, info1: 0n, regs: { rcx: 0xc0den } }, svmPowerOff], [0x0f, 0x32]);
    expect(u64(hal.vmruns[1].vmcb, VMCB.EVENTINJ)).toBe(0x8000030dn);
    expect(u64(hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c00n);
  });

  // IA32_XSS exists with XSAVES (SDM Vol. 4 Table 2-2), which SVM cannot
  // intercept: where the host has it (EPYC) the guest is offered it, with an
  // XSS that holds no supervisor component; elsewhere (qemu64) the MSR is absent.
  it("SVM where the host has XSAVES (EPYC): IA32_XSS reads 0, takes 0, and a component bit gets #GP", () => {
    const msr = (info1: bigint, nrip: bigint, rax = 0n): SvmSimExit =>
      ({ code: X.MSR, info1, nrip, rax, regs: { rcx: 0xda0n, rdx: 0n } });
    const { hal } = runSvmGuest(epycRome, [msr(0n, 0x7c02n, 0x1234n), msr(1n, 0x7c04n), msr(1n, 0x7c06n, 1n), svmPowerOff]);
    expect(hal.vmruns[1].regs.rax).toBe(0n);
    expect(u64(hal.vmruns[1].vmcb, VMCB.EVENTINJ)).toBe(0n);
    expect(u64(hal.vmruns[2].vmcb, VMCB.EVENTINJ)).toBe(0n);
    expect(u64(hal.vmruns[2].vmcb, VMCB.RIP)).toBe(0x7c04n);
    expect(u64(hal.vmruns[3].vmcb, VMCB.EVENTINJ)).toBe(0x8000030dn);
    expect(u64(hal.vmruns[3].vmcb, VMCB.RIP)).toBe(0x7c04n);
  });

  it("SVM where the host has no XSAVES (qemu64): IA32_XSS gets #GP", () => {
    const { hal } = runSvmGuest(qemuTcgSvm, [{ code: X.MSR, info1: 0n, regs: { rcx: 0xda0n } }, svmPowerOff], [0x0f, 0x32]);
    expect(u64(hal.vmruns[1].vmcb, VMCB.EVENTINJ)).toBe(0x8000030dn);
  });

  it("SVM: RDMSR of EFER hides SVME from the guest", () => {
    const { hal } = runSvmGuest(qemuTcgSvm, [{ code: X.MSR, info1: 0n, regs: { rcx: 0xc0000080n } }, svmPowerOff], [0x0f, 0x32]);
    expect(hal.vmruns[1].regs.rax).toBe(0n);
  });
});
