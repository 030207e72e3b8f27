// MOV to CR4 and XSETBV exits (kernel/exits/cr-access.ts, kernel/exits/
// xsetbv.ts) through the VMX exit path: XCR0 is loaded by the hypervisor
// when the manual would accept it (SDM Vol. 2C XSETBV), #GP otherwise; a
// guest may not set CR4.VMXE (VMX is hidden from it). XSETBV against the
// policy's XCR0 components: cpuid-policy.test.ts.
import { describe, expect, it } from "vitest";
import { VMCS } from "../sim/hal.js";
import { runGuest, R, powerOff } from "../sim/scripted-vmx.js";

describe("CR4 and XSETBV", () => {
  it("XSETBV of a valid XCR0 is loaded by the hypervisor and RIP moves on", () => {
    const { hal } = runGuest([{ reason: R.XSETBV, instructionLength: 3, regs: { rcx: 0n, rax: 3n, rdx: 0n } }, powerOff]);
    expect(hal.xcr.get(0)).toBe(3n);
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c03n);
  });

  it.each([
    ["ECX names XCR1", { rcx: 1n, rax: 3n, rdx: 0n }],
    ["x87 bit clear", { rcx: 0n, rax: 2n, rdx: 0n }],
    ["AVX without SSE", { rcx: 0n, rax: 5n, rdx: 0n }],
  ])("XSETBV with %s raises #GP and XCR0 is untouched", (_n, regs) => {
    const { hal } = runGuest([{ reason: R.XSETBV, instructionLength: 3, regs }, powerOff]);
    expect(hal.xcr.get(0)).toBe(1n);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x8000030dn);
  });

  it("an XCR0 the checks pass but the host CPU refuses (#GP in the host's XSETBV) becomes the guest's #GP, said once; the VM goes on", () => {
    const x = { reason: R.XSETBV, instructionLength: 3, regs: { rcx: 0n, rax: 7n, rdx: 0n } };
    const r = runGuest([x, x, powerOff], undefined, undefined, "", [0xf4], (h) => {
      h.xsetbvFaults = (_i, v) => v === 7n; // a host quirk: x87|SSE|AVX refused
    });
    expect(r.hal.xcr.get(0)).toBe(1n);
    for (const e of [r.hal.entries[1], r.hal.entries[2]]) {
      expect(e.vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x8000030dn); // #GP, hardware exception, error code
      expect(e.vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);                   // on the XSETBV, as a fault leaves it
    }
    expect(r.lines.filter((l) => l.startsWith("XSETBV: the host CPU refused"))).toEqual([
      "XSETBV: the host CPU refused XCR0=0x7, which the checks passed; the guest gets #GP",
    ]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
  });

  it("MOV to CR4 setting VMXE raises #GP (VMX is hidden from the guest)", () => {
    // qualification: CR4 (4), MOV to CR (type 0), source register RAX (0)
    const { hal } = runGuest([{ reason: R.CR, qualification: 4n, instructionLength: 3, regs: { rax: 0x2020n } }, powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x8000030dn);
  });
});
