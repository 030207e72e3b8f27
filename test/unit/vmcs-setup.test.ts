// The VMCS the VMX backend sets up before the first VM entry (kernel/vmx/
// vmcs-setup.ts, kernel/vmx/vmcs-guest-state.ts): the execution controls,
// the real-mode start at 0x7c00, and EPT mapping guest RAM (kernel/mm/ept.ts),
// sized by guest_ram=. Read from the simulated VMCS at the first entry.
// The controls on the captured Bochs models: vmx-controls.test.ts.
import { describe, expect, it } from "vitest";
import { LINEAR_BASE } from "../sim/core.js";
import { skylakeX } from "../sim/cpu-profiles.js";
import { VMCS } from "../sim/hal.js";
import { runGuest, powerOff, GUEST_RAM_HOST } from "../sim/scripted-vmx.js";

describe("VMCS set-up", () => {
  it("writes the known-good controls for Skylake-X (worked out in vmx-controls.test.ts)", () => {
    const at = runGuest([powerOff]).hal.entries[0].vmcs;
    expect(at.get(VMCS.PIN_BASED)).toBe(0x5fn);
    expect(at.get(VMCS.PROC_BASED)).toBe(0x951861f2n);
    expect(at.get(VMCS.PROC_BASED2)).toBe(0x10aan);
    expect(at.get(VMCS.EXIT_CONTROLS)).toBe(0x336ffbn);
    expect(at.get(VMCS.ENTRY_CONTROLS)).toBe(0x91fbn);
  });

  it("builds EPT entry by entry: 16 MiB of guest RAM as eight 2 MiB write-back pages, nothing else", () => {
    const r = runGuest([powerOff]);
    const eptp = r.hal.entries[0].vmcs.get(VMCS.EPT_POINTER)!;
    expect(eptp & 0xfffn).toBe(0x1en); // WB (6), 4-level walk (3 << 3)
    const mem = new DataView(r.hal.memory!.buffer);
    const entry = (tablePhys: bigint, i: number) => mem.getBigUint64(Number(tablePhys - LINEAR_BASE) + i * 8, true);
    const pml4 = eptp & ~0xfffn;
    const pdpt = entry(pml4, 0) & ~0xfffn;
    expect(entry(pml4, 0) & 0xfffn).toBe(7n); // RWX
    for (let i = 1; i < 512; i++) expect(entry(pml4, i)).toBe(0n);
    const pd = entry(pdpt, 0) & ~0xfffn;
    expect(entry(pdpt, 0) & 0xfffn).toBe(7n);
    expect(entry(pdpt, 1)).toBe(0n);
    for (let i = 0; i < 8; i++) {
      // host 0x2200000 + i * 2 MiB | large page (bit 7) | WB (6 << 3) | RWX
      expect(entry(pd, i)).toBe((GUEST_RAM_HOST + BigInt(i) * 0x200000n) | 0x80n | 0x30n | 7n);
    }
    for (let i = 8; i < 512; i++) expect(entry(pd, i)).toBe(0n);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(r.poweredOff).toBe("success");
  });

  it("loads the image at 0x7c00 and enters real mode there", () => {
    const r = runGuest([powerOff]);
    expect(r.hal.entries[0].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
    const eptp = r.hal.entries[0].vmcs.get(VMCS.EPT_POINTER)!;
    expect(r.lines).toContain(`VMX: EPT pointer 0x${eptp.toString(16)}, VPID 1, unrestricted guest, preemption timer (TSC >> 0)`);
    expect(r.lines).toContain("VM: 16 MiB RAM at host 0x2200000, entry 0000:7c00 (real mode)");
  });
});

describe("guest_ram=", () => {
  it("sizes guest RAM and its EPT mapping: 64 MiB is 32 large pages", () => {
    const r = runGuest([powerOff], skylakeX, undefined, "guest_ram=64");
    expect(r.lines).toContain("VM: 64 MiB RAM at host 0x2200000, entry 0000:7c00 (real mode)");
    const eptp = r.hal.entries[0].vmcs.get(VMCS.EPT_POINTER)! & ~0xfffn;
    const mem = new DataView(r.hal.memory!.buffer);
    const entry = (phys: bigint, i: number) => mem.getBigUint64(Number(phys - LINEAR_BASE) + i * 8, true);
    const pd = entry(entry(eptp, 0) & ~0xfffn, 0) & ~0xfffn;
    expect(entry(pd, 31)).toBe((GUEST_RAM_HOST + 31n * 0x200000n) | 0xb7n);
    expect(entry(pd, 32)).toBe(0n);
  });

  it.each(["3", "0", "2048", "abc", "", "99999999999"])("refuses guest_ram=%s before touching VMX", (v) => {
    const r = runGuest([], skylakeX, undefined, `guest_ram=${v}`);
    expect(r.lines).toContain("bad guest_ram: give an even number of MiB from 2 to 1024");
    expect(r.hal.entries).toEqual([]);
    expect(r.poweredOff).toBe("failure");
  });

  it("refuses guest RAM larger than the machine's usable memory", () => {
    const r = runGuest([], skylakeX, undefined, "guest_ram=1024");
    expect(r.lines).toContain("guest RAM: 1024 MiB at 0x2200000 is not usable RAM; the machine needs more memory");
    expect(r.poweredOff).toBe("failure");
  });
});
