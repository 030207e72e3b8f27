// Guest RAM placed from the memory map (kernel/vm/ram-placement.ts), on the
// map OVMF really gave GRUB (test/fixtures/mbi-grub-2.06-ovmf.hex), with a
// guest module added where GRUB puts modules (right after the core's
// memory): the RAM goes in usable RAM, after the core's memory
// (boot/core-placement.c put it at 0xa00000 on this map), clear of the
// module — and not across the ACPI NVS ranges OVMF keeps low.
import { describe, expect, it } from "vitest";
import { bootCore } from "../sim/core.js";
import { skylakeX } from "../sim/cpu-profiles.js";
import { realGrubBlock, MMAP } from "../sim/multiboot2.js";
import { powerOff } from "../sim/scripted-vmx.js";

const CORE = 0xa00000n;                 // where core-placement.c puts it on this map
const CORE_BYTES = 32n << 20n;
const MODULE = 0x2a00000n;              // right after the core's memory

// The real block with one more tag before its end tag: a module (type 3).
function withModule(block: Uint8Array, start: number, end: number, name: string): Uint8Array {
  const body = Buffer.concat([Buffer.alloc(8), Buffer.from(`${name}\0`)]);
  body.writeUInt32LE(start, 0);
  body.writeUInt32LE(end, 4);
  const tag = Buffer.alloc((8 + body.length + 7) & ~7);
  tag.writeUInt32LE(3, 0);
  tag.writeUInt32LE(8 + body.length, 4);
  body.copy(tag, 8);
  const total = new DataView(block.buffer, block.byteOffset).getUint32(0, true);
  const out = Buffer.concat([Buffer.from(block.subarray(0, total - 8)), tag, Buffer.from(block.subarray(total - 8, total))]);
  out.writeUInt32LE(out.length, 0);
  return new Uint8Array(out);
}

function ovmfMap(block: Uint8Array): { base: bigint; end: bigint; type: number }[] {
  const v = new DataView(block.buffer, block.byteOffset);
  for (let t = 8; t + 8 <= v.getUint32(0, true); t += (v.getUint32(t + 4, true) + 7) & ~7) {
    if (v.getUint32(t, true) !== 6) continue;
    const es = v.getUint32(t + 8, true), out = [];
    for (let e = t + 16; e + es <= t + v.getUint32(t + 4, true); e += es) {
      const base = v.getBigUint64(e, true);
      out.push({ base, end: base + v.getBigUint64(e + 8, true), type: v.getUint32(e + 16, true) });
    }
    return out;
  }
  throw new Error("no memory map");
}

describe("guest RAM on OVMF's memory map", () => {
  it("lands in one usable region, after the core's memory and clear of the module", () => {
    const image = new Uint8Array([0xf4]);
    const block = withModule(realGrubBlock("ovmf"), Number(MODULE), Number(MODULE) + image.length, "scripted.bin");
    const ram = new Uint8Array(64 << 20);
    const r = bootCore(skylakeX, {
      info: block, linearBase: CORE, linearBytes: CORE_BYTES,
      setup: (h) => {
        h.mapPhysical(MODULE, image);
        h.mapPhysical(0x2c00000n, ram);
        h.exits = [powerOff];
      },
    });
    expect(r.error).toBeNull();
    const placed = r.lines.map((l) => /^VM: 16 MiB RAM at host (0x[0-9a-f]+)/.exec(l)).find((m) => m);
    expect(placed).toBeDefined();
    const base = BigInt(placed![1]);
    const end = base + (16n << 20n);
    expect(base % (2n << 20n)).toBe(0n);
    expect(base).toBeGreaterThanOrEqual(CORE + CORE_BYTES);
    expect(end <= MODULE || base >= MODULE + 1n).toBe(true);
    expect(ovmfMap(block).some((e) => e.type === MMAP.available && e.base <= base && end <= e.end)).toBe(true);
    expect(base).toBe(0x2c00000n); // the first 2 MiB boundary past the module
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
  });
});
