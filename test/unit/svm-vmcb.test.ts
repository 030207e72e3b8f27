// The VMCB the SVM backend sets up before the first VMRUN (kernel/svm/
// svm-vcpu.ts, kernel/svm/vmcb-state.ts): intercepts, the I/O and MSR
// permission maps, ASID, and nested paging over guest RAM (kernel/mm/npt.ts).
// Read from the VMCB in the core's linear memory at the first VMRUN.
import { describe, expect, it } from "vitest";
import { LINEAR_BASE } from "../sim/core.js";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { VMCB } from "../sim/hal.js";
import { runSvmGuest, powerOff, GUEST_RAM_HOST } from "../sim/scripted-svm.js";

const u32 = (b: Uint8Array, off: number) => new DataView(b.buffer).getUint32(off, true);
const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer).getBigUint64(off, true);

describe("VMCB set-up", () => {
  it("intercepts what the VMX backend traps, every port, MSRs by the policy, with NPT, ASID 1 and EFER.SVME", () => {
    const { hal, lines } = runSvmGuest(qemuTcgSvm, [powerOff]);
    const vmcb = hal.vmruns[0].vmcb;
    // Intercept vector 3 (APM Vol. 2 Table B-1, offset 0x00C): INTR 0, NMI 1,
    // CPUID 18, INVD 22, HLT 24, INVLPGA 26, IOIO_PROT 27, MSR_PROT 28,
    // task switch 29, SHUTDOWN 31 — and no VINTR (4) while no interrupt
    // window is asked for.
    expect(u32(vmcb, VMCB.INTERCEPT_MISC1)).toBe(0xbd440003);
    // Vector 4 (offset 0x010): VMRUN 0 to SKINIT 6 (0x7f), WBINVD 9,
    // MONITOR 10, MWAIT (unconditionally) 11, XSETBV 13.
    expect(u32(vmcb, VMCB.INTERCEPT_MISC2)).toBe(0x00002e7f);
    expect(u32(vmcb, VMCB.GUEST_ASID)).toBe(1);
    expect(u64(vmcb, VMCB.NP_ENABLE)).toBe(1n);
    expect(u64(vmcb, VMCB.EFER) & (1n << 12n)).toBe(1n << 12n);
    expect(u64(vmcb, VMCB.RIP)).toBe(0x7c00n);
    const mem = new Uint8Array(hal.memory!.buffer);
    const iopm = Number(u64(vmcb, VMCB.IOPM_BASE_PA) - LINEAR_BASE);
    expect(mem.subarray(iopm, iopm + 12288).every((b) => b === 0xff)).toBe(true);
    // The MSR permission map follows kernel/vm/msr-policy.ts: msr-policy.test.ts.
    expect(u64(vmcb, VMCB.MSRPM_BASE_PA) & 0xfffn).toBe(0n);
    expect(lines).toContain("SVM: on (EFER.SVME set, host save area in VM_HSAVE_PA)");
    expect(hal.msrs.get(0xc0010117)).not.toBe(0n);
  });

  it("builds NPT in the long-mode format: U/S on every level, 4 KiB leaves around the VGA window, 2 MiB leaves above, nothing but guest RAM", () => {
    const { hal } = runSvmGuest(qemuTcgSvm, [powerOff]);
    const ncr3 = u64(hal.vmruns[0].vmcb, VMCB.N_CR3);
    const mem = new DataView(hal.memory!.buffer);
    const entry = (phys: bigint, i: number) => mem.getBigUint64(Number(phys - LINEAR_BASE) + i * 8, true);
    expect(entry(ncr3, 0) & 0xfffn).toBe(7n); // P, RW, US
    const pdpt = entry(ncr3, 0) & ~0xfffn;
    const pd = entry(pdpt, 0) & ~0xfffn;
    const pt = entry(pd, 0) & ~0xfffn;
    expect(entry(pd, 0) & 0xfffn).toBe(7n);
    for (let i = 0; i < 512; i++) {
      const inHole = i >= 0xa0 && i < 0xc0; // the VGA window 0xA0000-0xBFFFF
      expect(entry(pt, i)).toBe(inHole ? 0n : (GUEST_RAM_HOST + BigInt(i) * 0x1000n) | 7n);
    }
    for (let i = 1; i < 8; i++) expect(entry(pd, i)).toBe((GUEST_RAM_HOST + BigInt(i) * 0x200000n) | 0x87n);
    expect(entry(pd, 8)).toBe(0n);
    expect(entry(ncr3, 1)).toBe(0n);
  });
});
