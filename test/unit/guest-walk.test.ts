// The hypervisor's walk of the guest's own page tables (kernel/vm/guest-walk.ts),
// driven through the one path that uses it today: an SVM CPU without NRIP
// save (QEMU's TCG), where the core fetches the intercepted instruction at
// the guest's RIP to learn its length (test/unit/insn-length.test.ts). The
// guest is put in a mode by the scripted #VMEXIT's VMCB state (CR0, CR3,
// CR4, EFER, CS), its page tables are written into simulated guest RAM, and
// the bytes at the guest-physical address the walk should reach differ from
// those anywhere else: the length the core decodes says where it read.
// Lengths: CPUID is 0F A2, two bytes, and each legacy prefix adds one
// (Intel SDM Vol. 2A §2.1.1); bytes that are not CPUID give that shortest form.
// Linear addresses: SDM Vol. 3A §3.4 (segment base + offset; CS base taken
// as 0 in 64-bit mode, §3.4.4); 4-level paging §5.5 (Figure 5-8 to 5-10).
import { describe, expect, it } from "vitest";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { VMCB } from "../sim/hal.js";
import { runSvmGuest, X, powerOff, realMode, protectedMode, pagedProtectedMode, longMode } from "../sim/scripted-svm.js";
import { GuestPageTables, linearOf, PTE_P, PTE_PAT, PTE_XD } from "../sim/guest-paging.js";

const TABLES = 0x100000;
const PLAIN = [0x0f, 0xa2];                   // 2 bytes
const PREFIXED = [0x3e, 0x66, 0x0f, 0xa2];    // DS override, operand size: 4 bytes

// Run one CPUID exit in the mode `save` gives; `fill` writes guest RAM
// (given the page tables at TABLES). The length the core moved RIP by.
function decodedLength(save: (cr3: bigint) => Record<number, bigint>, fill: (ram: Uint8Array, t: GuestPageTables) => void,
  image: number[] = PLAIN): number {
  const s = save(BigInt(TABLES));
  const rip = s[VMCB.RIP] ?? 0x7c00n;
  const r = runSvmGuest(qemuTcgSvm, [{ code: X.CPUID, rax: 0x40000000n, regs: { rcx: 0n }, save: s }, powerOff], image, "",
    (ram) => fill(ram, new GuestPageTables(ram, TABLES)));
  expect(r.hal.vmruns[1].regs.rax, r.lines.join("\n")).toBe(0x40000001n); // the CPUID handler ran
  return Number(new DataView(r.hal.vmruns[1].vmcb.buffer).getBigUint64(VMCB.RIP, true) - rip);
}

describe("paging off: linear = guest-physical", () => {
  it("real mode: the linear address is CS.base + IP", () => {
    // CS.base 0x10000, IP 0x7c00: linear 0x17c00, not the image at 0x7c00.
    expect(decodedLength(() => realMode({ csBase: 0x10000n }), (ram) => ram.set(PREFIXED, 0x17c00))).toBe(4);
  });

  it("32-bit protected mode: the identity, anywhere in guest RAM", () => {
    expect(decodedLength(() => protectedMode({ rip: 0x345678n }), (ram) => ram.set(PREFIXED, 0x345678))).toBe(4);
  });

  it("the real-mode start: the image at 0x7c00", () => {
    expect(decodedLength(() => realMode(), () => {}, PREFIXED)).toBe(4);
  });
});

describe("4-level paging (long mode)", () => {
  it("a 4 KiB page maps RIP's linear page elsewhere: the bytes there, not at the identity address", () => {
    // Linear 0x7c00 (where the image holds a plain CPUID) → guest-physical 0x234c00.
    const n = decodedLength(longMode, (ram, t) => {
      t.map(0x7000n, 0x234000n, "4K");
      ram.set(PREFIXED, 0x234c00);
    });
    expect(n).toBe(4);
  });

  // Every index distinct and nonzero, in the upper (kernel) half: each level's index is used.
  const L4K = linearOf(0x1ff, 0x1fe, 0x1a3, 0x0c5, 0x7f0);
  const at4K = (rip: bigint) => (cr3: bigint) => longMode(cr3, { rip });

  it("a 4 KiB page at a canonical upper-half address, 0xffffffffb46c57f0", () => {
    expect(decodedLength(at4K(L4K), (ram, t) => {
      t.map(L4K, 0x345000n, "4K");
      ram.set(PREFIXED, 0x3457f0);
    })).toBe(4);
  });

  it("the addresses used here, from their indices: canonical, bits 63:48 copying bit 47", () => {
    expect(linearOf(0x1ff, 0x1fe, 0x1a3, 0x0c5, 0x7f0)).toBe(0xffffffffb46c57f0n);
    expect(linearOf(0x0ff, 0x155, 0x005, 0x0ab, 0x123)).toBe(0x00007fd540aab123n);
  });

  it("a 2 MiB page: the PDE's PS bit ends the walk, bits 20:0 are the offset", () => {
    const linear = linearOf(0x101, 0x0a3, 0x015, 0x1c7, 0xabc); // offset into the page 0x1c7abc
    expect(decodedLength((cr3) => longMode(cr3, { rip: linear }), (ram, t) => {
      t.map(linear, 0x600000n, "2M");
      ram.set(PREFIXED, 0x7c7abc);
    })).toBe(4);
  });

  it("a 1 GiB page: the PDPTE's PS bit ends the walk, bits 29:0 are the offset", () => {
    const linear = linearOf(0x0ff, 0x155, 0x005, 0x0ab, 0x123); // offset into the page 0xaab123
    expect(decodedLength((cr3) => longMode(cr3, { rip: linear }), (ram, t) => {
      t.map(linear, 0n, "1G");
      ram.set(PREFIXED, 0xaab123);
    })).toBe(4);
  });

  it("bit 7 of a PTE is PAT, not a page size: still a 4 KiB page", () => {
    expect(decodedLength(at4K(L4K), (ram, t) => {
      t.map(L4K, 0x345000n, "4K", PTE_PAT);
      ram.set(PREFIXED, 0x3457f0);
    })).toBe(4);
  });

  it("XD, protection-key and ignored bits of every entry are not part of the address", () => {
    const high = PTE_XD | 0x7ff0000000000000n | 0xe00n; // bit 63, bits 62:52, bits 11:9
    expect(decodedLength(at4K(L4K), (ram, t) => {
      t.map(L4K, 0x345000n, "4K");
      for (let level = 0; level <= 3; level++) {
        const at = t.entryAddress(L4K, level);
        t.write(at, t.read(at) | high);
      }
      ram.set(PREFIXED, 0x3457f0);
    })).toBe(4);
  });

  it.each([
    ["PML4E", 3],
    ["PDPTE", 2],
    ["PDE", 1],
    ["PTE", 0],
  ])("a non-present %s (level %i): no translation, the shortest form", (_n, level) => {
    expect(decodedLength(at4K(L4K), (ram, t) => {
      t.map(L4K, 0x345000n, "4K");
      const at = t.entryAddress(L4K, level as number);
      t.write(at, t.read(at) & ~PTE_P);
      ram.set(PREFIXED, 0x3457f0);
    })).toBe(2);
  });

  it("page tables outside guest RAM are not followed: CR3 at 1 GiB, the shortest form", () => {
    expect(decodedLength(() => longMode(0x40000000n), (ram) => ram.set(PREFIXED, 0x7c00), PREFIXED)).toBe(2);
  });

  it("an entry pointing outside guest RAM is not followed: the shortest form", () => {
    expect(decodedLength(at4K(L4K), (ram, t) => {
      t.map(L4K, 0x345000n, "4K");
      const at = t.entryAddress(L4K, 2);
      t.write(at, (t.read(at) & 0xfffn) | 0x80000000n);
      ram.set(PREFIXED, 0x3457f0);
    })).toBe(2);
  });

  it("an instruction across a 4 KiB page boundary is fetched from both pages", () => {
    // Linear page 0x7000 → 0x234000 ends with 3E 66; the next, 0x8000 → 0x456000, starts with 0F A2.
    // The frame after 0x234000 holds NOPs: reading on from the first frame would see no CPUID.
    const rip = 0x7ffen;
    expect(decodedLength((cr3) => longMode(cr3, { rip }), (ram, t) => {
      t.map(0x7000n, 0x234000n, "4K");
      t.map(0x8000n, 0x456000n, "4K");
      ram.set([0x3e, 0x66], 0x234ffe);
      ram.set([0x90, 0x90], 0x235000);
      ram.set([0x0f, 0xa2], 0x456000);
    })).toBe(4);
  });

  it("an instruction running into a non-present page: the bytes before it only, the shortest form", () => {
    const rip = 0x7fffn;
    expect(decodedLength((cr3) => longMode(cr3, { rip }), (ram, t) => {
      t.map(0x7000n, 0x234000n, "4K");
      ram.set([0x66], 0x234fff);
      ram.set([0x0f, 0xa2], 0x235000); // the next frame, but no page maps it at linear 0x8000
    })).toBe(2);
  });

  it("in 64-bit mode the CS base is taken as 0", () => {
    expect(decodedLength((cr3) => longMode(cr3, { csBase: 0x10000n }), (ram, t) => {
      t.map(0n, 0n, "1G");
      ram.set(PREFIXED, 0x17c00); // where CS.base + RIP would point
    }, PLAIN.concat([0x90, 0x90]))).toBe(2);
  });
});

describe("paging modes not walked", () => {
  it("32-bit or PAE paging (CR0.PG without EFER.LMA): no translation, the shortest form", () => {
    expect(decodedLength((cr3) => pagedProtectedMode(cr3, { rip: 0x345678n }), (ram) => ram.set(PREFIXED, 0x345678))).toBe(2);
  });
});
