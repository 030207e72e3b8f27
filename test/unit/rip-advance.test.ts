// Moving RIP past an instruction the hypervisor carried out (kernel/vm/
// vcpu.ts advance): outside 64-bit mode the instruction pointer is EIP and
// wraps at 4 GiB (SDM Vol. 1 §3.5), so an instruction that ends there
// resumes the guest at 0 — never at a RIP with bits 63:32 set, which VM
// entry refuses outside 64-bit mode (SDM Vol. 3C §27.3.1.4). Found by the
// exit fuzzer (test/unit/exit-fuzz.test.ts).
import { describe, expect, it } from "vitest";
import { VMCS, VMCB } from "../sim/hal.js";
import { runGuest, R, powerOff } from "../sim/scripted-vmx.js";
import { runSvmGuest, X, protectedMode, ioioOut8, svmPowerOff } from "../sim/scripted-svm.js";
import { epycRome, qemuTcgSvm } from "../sim/cpu-profiles.js";

const PE = 1n, ET = 1n << 4n, NE = 1n << 5n;
const CS_AR = VMCS.GUEST_ES_AR_BYTES + 2;
const cpuidAt = (rip: bigint, fields: Record<number, bigint> = {}) =>
  ({ reason: R.CPUID, instructionLength: 2, regs: { rax: 0n, rcx: 0n }, fields: { [VMCS.GUEST_RIP]: rip, ...fields } });
const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);

describe("VMX: RIP past an emulated instruction", () => {
  it("wraps to 0 in 32-bit protected mode when the instruction ends at 4 GiB", () => {
    const prot = { [VMCS.GUEST_CR0]: PE | ET | NE, [CS_AR]: 0xc09bn };
    const { hal } = runGuest([cpuidAt(0xfffffffen, prot), powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0n);
  });

  it("does not wrap in 64-bit mode", () => {
    const { hal } = runGuest([cpuidAt(0xfffffffen), powerOff], undefined, undefined, "guest_mode=long64");
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x100000000n);
  });
});

describe("SVM: RIP past an emulated instruction", () => {
  it("wraps to 0 in 32-bit protected mode, the length decoded (no NRIP save)", () => {
    // The bytes at 0xfffffffe are outside guest RAM: CPUID's shortest form, 2 bytes.
    const r = runSvmGuest(qemuTcgSvm, [{ code: X.CPUID, rax: 0n, save: protectedMode({ rip: 0xfffffffen }) },
      { ...svmPowerOff, info2: 2n }]);
    expect(u64(r.hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0n);
  });

  it("wraps to 0 with the next RIP the CPU gives (IOIO EXITINFO2, wrapped as EIP)", () => {
    const r = runSvmGuest(epycRome, [{ code: X.IOIO, info1: ioioOut8(0x80), info2: 0n, nrip: 0n, rax: 0n, save: protectedMode({ rip: 0xfffffffen }) },
      { ...svmPowerOff, info2: 2n }]);
    expect(u64(r.hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0n);
  });
});
