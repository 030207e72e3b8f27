// Build Multiboot2 information blocks (Multiboot2 spec §3.6) for the tests,
// well-formed or deliberately broken, and load the real ones GRUB produced.
import fs from "node:fs";
import path from "node:path";

export const MB2_MAGIC = 0x36d76289;
export const MMAP = { available: 1, reserved: 2, acpiReclaimable: 3, nvs: 4, bad: 5 } as const;

export interface MmapEntry { base: bigint; length: bigint; type: number }

function tag(type: number, body: Uint8Array): Uint8Array {
  const size = 8 + body.length;
  const out = new Uint8Array((size + 7) & ~7);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, size, true);
  out.set(body, 8);
  return out;
}

function cstring(s: string): Uint8Array {
  return new Uint8Array([...Buffer.from(s, "latin1"), 0]);
}

export class Mb2Builder {
  private tags: Uint8Array[] = [];

  cmdline(s: string): this {
    this.tags.push(tag(1, cstring(s)));
    return this;
  }
  loaderName(s: string): this {
    this.tags.push(tag(2, cstring(s)));
    return this;
  }
  basicMeminfo(lowerKiB: number, upperKiB: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, lowerKiB, true);
    new DataView(b.buffer).setUint32(4, upperKiB, true);
    this.tags.push(tag(4, b));
    return this;
  }
  mmap(entries: MmapEntry[], entrySize = 24): this {
    const b = new Uint8Array(8 + entries.length * entrySize);
    const v = new DataView(b.buffer);
    v.setUint32(0, entrySize, true);
    v.setUint32(4, 0, true);
    entries.forEach((e, i) => {
      const o = 8 + i * entrySize;
      if (o + 20 > b.length) return;
      v.setBigUint64(o, e.base, true);
      v.setBigUint64(o + 8, e.length, true);
      v.setUint32(o + 16, e.type, true);
    });
    this.tags.push(tag(6, b));
    return this;
  }
  module(start: number, end: number, name: string): this {
    const b = new Uint8Array(8 + name.length + 1);
    new DataView(b.buffer).setUint32(0, start, true);
    new DataView(b.buffer).setUint32(4, end, true);
    b.set(cstring(name), 8);
    this.tags.push(tag(3, b));
    return this;
  }
  // Any tag, e.g. one with a lying size: `size` overrides the header field.
  raw(type: number, body: Uint8Array, size?: number): this {
    const t = tag(type, body);
    if (size !== undefined) new DataView(t.buffer).setUint32(4, size, true);
    this.tags.push(t);
    return this;
  }
  end(size = 8): this {
    const t = new Uint8Array(8);
    new DataView(t.buffer).setUint32(4, size, true);
    this.tags.push(t);
    return this;
  }
  build(totalOverride?: number): Uint8Array {
    const len = 8 + this.tags.reduce((n, t) => n + t.length, 0);
    const out = new Uint8Array(len);
    new DataView(out.buffer).setUint32(0, totalOverride ?? len, true);
    let o = 8;
    for (const t of this.tags) {
      out.set(t, o);
      o += t.length;
    }
    return out;
  }
}

export interface BootModule { start: number; end: number; name: string }

// A typical PC: 639 KiB low memory, RAM from 1 MiB to `ramMiB`; optionally boot modules.
export function typicalPc(ramMiB = 512, cmdline = "", module?: BootModule | BootModule[]): Uint8Array {
  const top = BigInt(ramMiB) << 20n;
  const b = new Mb2Builder();
  for (const m of module === undefined ? [] : Array.isArray(module) ? module : [module]) b.module(m.start, m.end, m.name);
  return b
    .cmdline(cmdline)
    .loaderName("GRUB 2.06")
    .basicMeminfo(639, (ramMiB - 1) * 1024)
    .mmap([
      { base: 0n, length: 0x9fc00n, type: MMAP.available },
      { base: 0x9fc00n, length: 0x400n, type: MMAP.reserved },
      { base: 0xf0000n, length: 0x10000n, type: MMAP.reserved },
      { base: 0x100000n, length: top - 0x100000n - 0x20000n, type: MMAP.available },
      { base: top - 0x20000n, length: 0x20000n, type: MMAP.acpiReclaimable },
      { base: 0xfffc0000n, length: 0x40000n, type: MMAP.reserved },
    ])
    .end()
    .build();
}

// A block GRUB 2.06 really handed to tsvisor, captured with `bootinfo=hex`.
export function realGrubBlock(host: "qemu" | "bochs" | "ovmf"): Uint8Array {
  const hexText = fs.readFileSync(path.resolve(__dirname, `../fixtures/mbi-grub-2.06-${host}.hex`), "utf8").trim();
  return new Uint8Array(Buffer.from(hexText, "hex"));
}
