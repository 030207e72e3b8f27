// CPUID exits through the VMX exit path (kernel/exits/cpuid.ts): the
// handler answers from the policy and moves RIP past the instruction. What
// the guest may see on every CPU is cpuid-policy.test.ts; here, the
// hypervisor's own leaves and what depends on the guest's state.
import { describe, expect, it } from "vitest";
import { skylakeX } from "../sim/cpu-profiles.js";
import { VMCS } from "../sim/hal.js";
import { runGuest, R, powerOff } from "../sim/scripted-vmx.js";

describe("CPUID exits", () => {
  it("CPUID 0x40000000: the tsvisor signature, and RIP moves past the instruction", () => {
    const { hal } = runGuest([{ reason: R.CPUID, instructionLength: 2, regs: { rax: 0x40000000n, rcx: 0n } }, powerOff]);
    const after = hal.entries[1];
    expect(after.regs.rax).toBe(0x40000001n);
    const sig = Buffer.alloc(12);
    sig.writeUInt32LE(Number(after.regs.rbx), 0);
    sig.writeUInt32LE(Number(after.regs.rcx), 4);
    sig.writeUInt32LE(Number(after.regs.rdx), 8);
    expect(sig.toString("latin1")).toBe("tsvisorTSVI\0");
    expect(after.vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c02n);
  });

  it("CPUID 0x40000001: the TSC frequency the hypervisor calibrated against the PIT", () => {
    // The simulated TSC runs at 2 GHz and the simulated PIT's channel 2
    // counts down against it (test/sim/hal.ts): 10 ms of PIT ticks is
    // 20,000,000 TSC ticks, read in 1000-tick grains (one per port read).
    const r = runGuest([{ reason: R.CPUID, instructionLength: 2, regs: { rax: 0x40000001n, rcx: 0n } }, powerOff]);
    expect(r.lines).toContain("TSC: 2000 MHz, calibrated against the PIT");
    const khz = r.hal.entries[1].regs.rax;
    expect(khz >= 2_000_000n && khz <= 2_000_200n).toBe(true);
  });

  it("CPUID leaf 1: VMX hidden, the hypervisor bit set, OSXSAVE from the guest's CR4 (the whole policy: cpuid-policy.test.ts)", () => {
    const { hal } = runGuest([{ reason: R.CPUID, instructionLength: 2, regs: { rax: 1n, rcx: 0n } }, powerOff]);
    const hostEcx = BigInt(skylakeX.cpuid["0x1"][2] >>> 0);
    expect(hostEcx & ((1n << 5n) | (1n << 27n))).toBe((1n << 5n) | (1n << 27n)); // the host has VMX and OSXSAVE
    const ecx = hal.entries[1].regs.rcx;
    expect(ecx & (1n << 5n)).toBe(0n);
    expect(ecx & (1n << 27n)).toBe(0n); // the guest's CR4 at reset has no OSXSAVE
    expect(ecx & (1n << 31n)).toBe(1n << 31n);
    expect(hal.entries[1].regs.rax).toBe(BigInt(skylakeX.cpuid["0x1"][0]));
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c02n);
  });
});
