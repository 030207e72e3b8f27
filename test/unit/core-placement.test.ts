// Where the core's linear memory goes (boot/core-placement.c): the same C
// file the hypervisor links, built here for the host with a small harness
// (test/native/core-placement-main.c) and fed real boot information — what
// GRUB 2.06 handed tsvisor under SeaBIOS (QEMU), the Bochs BIOS and OVMF
// (UEFI), captured with `bootinfo=hex` — and built maps with modules in the
// way. Every placement must lie in one available entry, 2 MiB-aligned,
// between 1 MiB and 4 GiB, clear of the image, the boot information and
// every module.
import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Mb2Builder, MB2_MAGIC, MMAP, MmapEntry, realGrubBlock } from "../sim/multiboot2.js";

const ROOT = path.resolve(__dirname, "../..");
const MIB = 1n << 20n;
const CORE_BYTES = 32n * MIB;         // tools/builder/config.ts WASM_MEMORY_SIZE
const IMAGE = { start: 0x100000n, end: 0x1a0000n };
let harness = "";

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsvisor-placement-"));
  harness = path.join(dir, "placement");
  execFileSync("cc", ["-std=gnu11", "-O2", "-Wall", "-Werror", "-I", path.join(ROOT, "boot"),
    path.join(ROOT, "boot/core-placement.c"), path.join(ROOT, "test/native/core-placement-main.c"), "-o", harness]);
});

function place(mbi: Uint8Array, mbiPhys: bigint, image = IMAGE, magic = MB2_MAGIC): bigint {
  const hex = (v: bigint | number) => `0x${v.toString(16)}`;
  const out = execFileSync(harness, [hex(magic), hex(mbiPhys), hex(image.start), hex(image.end), hex(CORE_BYTES)],
    { input: Buffer.from(mbi).toString("hex") });
  return BigInt(out.toString().trim());
}

// The memory map and modules of a block, as the C reads them (tags 6 and 3).
function tags(mbi: Uint8Array): { mmap: MmapEntry[]; modules: [bigint, bigint][] } {
  const v = new DataView(mbi.buffer, mbi.byteOffset, mbi.byteLength);
  const mmap: MmapEntry[] = [];
  const modules: [bigint, bigint][] = [];
  for (let t = 8; t + 8 <= v.getUint32(0, true); t += (v.getUint32(t + 4, true) + 7) & ~7) {
    const type = v.getUint32(t, true), size = v.getUint32(t + 4, true);
    if (type === 0) break;
    if (type === 3) modules.push([BigInt(v.getUint32(t + 8, true)), BigInt(v.getUint32(t + 12, true))]);
    if (type === 6) {
      const es = v.getUint32(t + 8, true);
      for (let e = t + 16; e + es <= t + size; e += es) {
        mmap.push({ base: v.getBigUint64(e, true), length: v.getBigUint64(e + 8, true), type: v.getUint32(e + 16, true) });
      }
    }
  }
  return { mmap, modules };
}

function expectSound(mbi: Uint8Array, mbiPhys: bigint, base: bigint, image = IMAGE): void {
  const { mmap, modules } = tags(mbi);
  const end = base + CORE_BYTES;
  expect(base % (2n * MIB)).toBe(0n);
  expect(base).toBeGreaterThanOrEqual(MIB);
  expect(end).toBeLessThanOrEqual(1n << 32n);
  expect(mmap.some((e) => e.type === MMAP.available && e.base <= base && end <= e.base + e.length)).toBe(true);
  const clear = (s: bigint, e: bigint) => end <= s || e <= base;
  expect(clear(image.start, image.end)).toBe(true);
  expect(clear(mbiPhys, mbiPhys + BigInt(mbi.length))).toBe(true);
  for (const [s, e] of modules) expect(clear(s, e)).toBe(true);
}

describe("the core's memory, placed from the memory map", () => {
  it.each([
    ["QEMU + SeaBIOS", "qemu", 0x10000n],
    ["Bochs BIOS", "bochs", 0x10000n],
    ["OVMF (UEFI)", "ovmf", 0x1ff00000n],
  ] as const)("%s: GRUB's real map gives a sound placement", (_n, host, mbiPhys) => {
    const mbi = realGrubBlock(host);
    const base = place(mbi, mbiPhys);
    expect(base).not.toBe(0n);
    expectSound(mbi, mbiPhys, base);
  });

  it("OVMF: the ACPI NVS at 0x800000 keeps the core out of the first 8 MiB; it goes at the next free 2 MiB above 9 MiB", () => {
    const mbi = realGrubBlock("ovmf");
    const { mmap } = tags(mbi);
    expect(mmap.some((e) => e.base === 0x800000n && e.type === MMAP.nvs)).toBe(true); // the fixture is the map that failed
    expect(place(mbi, 0x1ff00000n)).toBe(0xa00000n);
  });

  const pc = (modules: [number, number][] = [], mmap?: MmapEntry[]) => {
    const b = new Mb2Builder().mmap(mmap ?? [
      { base: 0n, length: 0x9fc00n, type: MMAP.available },
      { base: 0x100000n, length: 0x1ff00000n, type: MMAP.available },
    ]);
    modules.forEach(([s, e], i) => b.module(s, e, `m${i}`));
    return b.end().build();
  };

  it("right after the image where nothing is in the way", () => {
    expect(place(pc(), 0x9000n)).toBe(0x200000n);
  });

  it("past modules GRUB put after the image, and past the boot information", () => {
    const mbi = pc([[0x1a0000, 0x1000000], [0x1000000, 0x1800123]]);
    const base = place(mbi, 0x1900000n);
    expect(base).toBe(0x1a00000n);
    expectSound(mbi, 0x1900000n, base);
  });

  it("a module in the middle of the first gap: the run goes past it", () => {
    const mbi = pc([[0x1000000, 0x1001000]]);
    const base = place(mbi, 0x9000n);
    expect(base).toBe(0x1200000n);
    expectSound(mbi, 0x9000n, base);
  });

  it("no 32 MiB run in any available entry: none (the boot stub panics and says so)", () => {
    const mbi = pc([], [
      { base: 0n, length: 0x9fc00n, type: MMAP.available },
      { base: 0x100000n, length: 0x1f00000n, type: MMAP.available },   // 31 MiB
      { base: 0x2000000n, length: 0x1000n, type: MMAP.nvs },
      { base: 0x2001000n, length: 0x1f00000n, type: MMAP.available },
    ]);
    expect(place(mbi, 0x9000n)).toBe(0n);
  });

  it("RAM only above 4 GiB is not taken (the identity map may end at 4 GiB)", () => {
    const mbi = pc([], [
      { base: 0x100000n, length: 0x1000000n, type: MMAP.available },
      { base: 0x100000000n, length: 0x40000000n, type: MMAP.available },
    ]);
    expect(place(mbi, 0x9000n)).toBe(0n);
  });

  it("boot information that is not Multiboot2's: none", () => {
    expect(place(pc(), 0x9000n, IMAGE, 0x2badb002)).toBe(0n);
  });
});
