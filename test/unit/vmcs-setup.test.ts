// The VMCS the VMX backend sets up before the first VM entry (kernel/vmx/
// vmcs-setup.ts, kernel/vmx/vmcs-guest-state.ts): the execution controls,
// the real-mode start at 0x7c00, and EPT mapping guest RAM (kernel/mm/ept.ts),
// sized by guest_ram=. Read from the simulated VMCS at the first entry.
// The controls on the captured Bochs models: vmx-controls.test.ts.
import { describe, expect, it } from "vitest";
import { LINEAR_BASE, bootCore } from "../sim/core.js";
import { skylakeX } from "../sim/cpu-profiles.js";
import { typicalPc, Mb2Builder, MMAP } from "../sim/multiboot2.js";
import { VMCS, SimHal } from "../sim/hal.js";
import { runGuest, powerOff, GUEST_RAM_HOST, MODULE_PHYS } from "../sim/scripted-vmx.js";

describe("VMCS set-up", () => {
  it("writes the known-good controls for Skylake-X (worked out in vmx-controls.test.ts)", () => {
    const at = runGuest([powerOff]).hal.entries[0].vmcs;
    expect(at.get(VMCS.PIN_BASED)).toBe(0x7fn);
    expect(at.get(VMCS.PROC_BASED)).toBe(0xb51865fan); // with MWAIT (10) and MONITOR (29) exiting
    expect(at.get(VMCS.PROC_BASED2)).toBe(0x10aan);
    expect(at.get(VMCS.EXIT_CONTROLS)).toBe(0x336fffn);
    expect(at.get(VMCS.ENTRY_CONTROLS)).toBe(0x91ffn);
  });

  it("builds EPT entry by entry: 16 MiB of PC-layout RAM — 4 KiB pages around the VGA window, then 2 MiB pages, nothing else", () => {
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
    // The first 2 MiB: a page table of 4 KiB pages (WB, RWX; no bit 7) for
    // 0-0x9FFFF, the BIOS area 0xC0000-0xFFFFF and 0x100000-0x1FFFFF; the VGA window 0xA0000-0xBFFFF unmapped.
    expect(entry(pd, 0) & 0xfffn).toBe(7n);
    const pt = entry(pd, 0) & ~0xfffn;
    for (let i = 0; i < 512; i++) {
      const inHole = i >= 0xa0 && i < 0xc0;
      expect(entry(pt, i)).toBe(inHole ? 0n : (GUEST_RAM_HOST + BigInt(i) * 0x1000n) | 0x30n | 7n);
    }
    for (let i = 1; i < 8; i++) {
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

  it.each(["3", "0", "61442", "abc", "", "99999999999"])("refuses guest_ram=%s before touching VMX", (v) => {
    const r = runGuest([], skylakeX, undefined, `guest_ram=${v}`);
    expect(r.lines).toContain("bad guest_ram: give an even number of MiB from 2 to 61440");
    expect(r.hal.entries).toEqual([]);
    expect(r.poweredOff).toBe("failure");
  });

  it("refuses guest RAM larger than the machine's usable memory", () => {
    const r = runGuest([], skylakeX, undefined, "guest_ram=1024");
    expect(r.lines, r.lines.join("\n")).toContain("guest RAM: no usable 1024 MiB of host memory in one run, clear of the core and the boot modules, " +
      "below 65536 MiB (the hypervisor's map of host memory); the machine needs more memory, or give less guest_ram");
    expect(r.poweredOff).toBe("failure");
  });

  // A PC with 8 GiB: RAM to 3 GiB, the PCI hole, 5 GiB from 4 GiB (QEMU's pc machine).
  const bigPc = () => new Mb2Builder().cmdline("guest_ram=4096").loaderName("GRUB 2.06").basicMeminfo(639, 3 * 1024 * 1024)
    .mmap([
      { base: 0n, length: 0x9fc00n, type: MMAP.available },
      { base: 0x100000n, length: 0xbff00000n, type: MMAP.available },
      { base: 0xfffc0000n, length: 0x40000n, type: MMAP.reserved },
      { base: 1n << 32n, length: 5n << 30n, type: MMAP.available },
    ]).module(MODULE_PHYS, MODULE_PHYS + 1, "scripted.bin").end().build();

  it("puts 4 GiB of guest RAM in the run of host memory above 4 GiB, 3 GiB below the MMIO window and 1 GiB above 4 GiB", () => {
    const high = new Uint8Array(64 << 20);
    const r = bootCore(skylakeX, {
      info: bigPc(),
      setup: (h) => {
        h.mapPhysical(BigInt(MODULE_PHYS), new Uint8Array([0xf4]));
        h.mapPhysical(1n << 32n, high); // the guest's first 64 MiB
        h.exits = [powerOff];
      },
    });
    expect(r.lines).toContain("VM: 4096 MiB RAM at host 0x100000000, entry 0000:7c00 (real mode)");
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(high[0x7c00]).toBe(0xf4); // the guest's image at 0x7c00, in the frames above 4 GiB
  });

  it("without 1 GiB pages the hypervisor maps 4 GiB of host memory, and says that is why 4 GiB of guest RAM has no place", () => {
    const r = bootCore(skylakeX, {
      info: bigPc(),
      setup: (h) => {
        h.identityMapEnd = 4n << 30n;
        h.mapPhysical(BigInt(MODULE_PHYS), new Uint8Array([0xf4]));
      },
    });
    expect(r.lines, r.lines.join("\n")).toContain("guest RAM: no usable 4096 MiB of host memory in one run, clear of the core and the boot modules, " +
      "below 4096 MiB (the hypervisor's map of host memory: this CPU has no 1 GiB pages); the machine needs more memory, or give less guest_ram");
    expect(r.poweredOff).toBe("failure");
  });
});

describe("guest RAM before the guest runs", () => {
  it("is zeroed, range by range around the VGA window: nothing the machine left there is readable", () => {
    let hal!: SimHal;
    const ram = new Uint8Array(16 << 20).fill(0xaa); // what firmware and GRUB left in those frames
    bootCore(skylakeX, {
      info: typicalPc(512, "", { start: MODULE_PHYS, end: MODULE_PHYS + 1, name: "scripted.bin" }),
      setup: (h) => {
        hal = h;
        h.mapPhysical(BigInt(MODULE_PHYS), new Uint8Array([0xf4]));
        h.mapPhysical(GUEST_RAM_HOST, ram);
        h.exits = [powerOff];
        h.beforeFirstEntry = () => {
          // At the first entry: all zero but the one-byte image at 0x7c00;
          // the VGA window's host frames, never the guest's, are left as they were.
          expect(ram[0x7c00]).toBe(0xf4);
          ram[0x7c00] = 0;
          expect(ram.subarray(0, 0xa0000).every((b) => b === 0)).toBe(true);
          expect(ram.subarray(0xa0000, 0xc0000).every((b) => b === 0xaa)).toBe(true);
          expect(ram.subarray(0xc0000, 0x100000).every((b) => b === 0)).toBe(true);
          expect(ram.subarray(0x100000).every((b) => b === 0)).toBe(true);
        };
      },
    });
    expect(hal.zeroed).toEqual([
      { phys: GUEST_RAM_HOST, len: 0xa0000n },
      { phys: GUEST_RAM_HOST + 0xc0000n, len: 0x40000n },
      { phys: GUEST_RAM_HOST + 0x100000n, len: (16n << 20n) - 0x100000n },
    ]);
    expect(hal.entries.length).toBe(1);
  });
});
