// The Multiboot2 parser, fed real GRUB blocks and malformed ones, through the
// core's real entry point.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bootCore } from "../sim/core.js";
import { Mb2Builder, MMAP, realGrubBlock, typicalPc } from "../sim/multiboot2.js";
import { skylakeX } from "../sim/cpu-profiles.js";
import { powerOff } from "../sim/scripted-vmx.js";

const boot = (info: Uint8Array, extra: Partial<Parameters<typeof bootCore>[1]> = {}) => bootCore(skylakeX, { info, ...extra });
const rejected = (r: ReturnType<typeof boot>) => r.lines.find((l) => l.startsWith("boot information rejected: "));

describe("real GRUB 2.06 blocks", () => {
  it.each(["qemu", "bochs"] as const)("parses the block GRUB gave on %s", (host) => {
    const r = boot(realGrubBlock(host));
    expect(r.error).toBeNull();
    expect(rejected(r)).toBeUndefined();
    expect(r.lines).toContain("loaded by: GRUB 2.06-13+deb12u2");
    expect(r.lines).toContain("command line: bootinfo=hex");
    expect(r.lines).toContain("RAM: 511 MiB usable (" + (host === "qemu" ? 7 : 6) + " memory map entries)");
    expect(r.lines).toContain("  0x0000000000100000-0x" + (host === "qemu" ? "000000001ffdffff" : "000000001ffeffff") + " available");
    expect(r.poweredOff).toBe("success");
  });

  it("dumps the block it was given back as hex with bootinfo=hex", () => {
    const block = realGrubBlock("qemu");
    const r = boot(block);
    const dumped = r.lines.filter((l) => l.startsWith("bootinfo 0x")).map((l) => l.split(":")[1]).join("");
    expect(Buffer.from(dumped, "hex")).toEqual(Buffer.from(block));
  });
});

describe("well-formed synthetic blocks", () => {
  it("sums available regions and ignores reserved, ACPI and bad RAM", () => {
    const info = new Mb2Builder()
      .mmap([
        { base: 0n, length: 0x80000n, type: MMAP.available },          // 512 KiB
        { base: 0x100000n, length: 0x7f00000n, type: MMAP.available }, // 127 MiB
        { base: 0x8000000n, length: 0x100000n, type: MMAP.bad },
        { base: 0x8100000n, length: 0x100000n, type: MMAP.nvs },
        { base: 0x100000000n, length: 0x40000000n, type: MMAP.available }, // 1 GiB above 4 GiB
      ])
      .end()
      .build();
    const r = boot(info);
    expect(r.lines).toContain("RAM: 1151 MiB usable (5 memory map entries)");
    expect(r.lines).toContain("  0x0000000008000000-0x00000000080fffff bad RAM");
    expect(r.lines).toContain("  0x0000000008100000-0x00000000081fffff ACPI NVS");
  });

  it("accepts larger memory-map entries (entry_size 32) as the spec allows", () => {
    const info = new Mb2Builder().mmap([{ base: 0n, length: 256n << 20n, type: MMAP.available }], 32).end().build();
    expect(boot(info).lines).toContain("RAM: 256 MiB usable (1 memory map entries)");
  });

  it("refuses to run when the core's own memory is not usable RAM", () => {
    const r = boot(typicalPc(16));
    expect(r.lines).toContain("RAM: the core's memory 0x200000-0x21fffff is not usable RAM; give the machine at least 34 MiB");
    expect(r.poweredOff).toBe("failure");
  });
});

describe("malformed blocks are rejected with the reason", () => {
  const cases: [string, () => { info: Uint8Array; magic?: number; infoPhys?: bigint }, string][] = [
    ["wrong magic in EAX", () => ({ info: typicalPc(), magic: 0x2badb002 }),
      "not started by a Multiboot2 loader (EAX 0x2badb002, expected 0x36d76289)"],
    ["misaligned block", () => ({ info: typicalPc(), infoPhys: 0x10004n }), "info block address 0x10004 is not 8-byte aligned"],
    ["total size below 16", () => ({ info: new Mb2Builder().build(8) }), "total size 8 is smaller than a header and an end tag (16)"],
    ["total size beyond 64 KiB", () => ({ info: new Mb2Builder().end().build(0x10008) }), "total size 65544 exceeds the 65536-byte limit"],
    ["a tag of size 4", () => ({ info: new Mb2Builder().raw(1, new Uint8Array(8), 4).end().build() }),
      "tag at offset 8 has size 4, too small for its type"],
    ["a tag that runs past the end", () => ({ info: new Mb2Builder().raw(1, new Uint8Array(8), 4096).end().build() }),
      "tag at offset 8 with size 4096 runs past the end of the block"],
    ["an end tag of size 16", () => ({ info: new Mb2Builder().raw(0, new Uint8Array(8)).build() }), "end tag at offset 8 has size 16 (must be 8)"],
    ["no end tag", () => ({ info: new Mb2Builder().cmdline("x").build() }), "no end tag before offset 24"],
    ["memory map entries of 20 bytes", () => ({ info: new Mb2Builder().mmap([{ base: 0n, length: 1n << 30n, type: 1 }], 20).end().build() }),
      "memory map tag at offset 8 has entry size 20 (must be a multiple of 8, at least 24)"],
    ["no memory map", () => ({ info: new Mb2Builder().cmdline("").end().build() }), "no memory map tag"],
  ];

  it.each(cases)("%s", (_name, make, reason) => {
    const { info, ...opts } = make();
    const r = bootCore(skylakeX, { info, ...opts });
    expect(r.error).toBeNull();
    expect(rejected(r)).toBe(`boot information rejected: ${reason}`);
    expect(r.poweredOff).toBe("failure");
    // Nothing after the rejection: no CPU report on a machine we do not understand.
    expect(r.lines.some((l) => l.startsWith("CPU:"))).toBe(false);
  });

  // The fuzzer once turned a tag into a module with garbage bounds: a module
  // must lie in usable RAM, never in device memory.
  it("refuses a boot module that is not in usable RAM (here: the I/O APIC's MMIO page)", () => {
    const r = bootCore(skylakeX, { info: typicalPc(512, "", { start: 0xfec00000, end: 0xfec01000, name: "x.bin" }) });
    expect(r.error).toBeNull();
    expect(r.lines).toContain("boot module rejected: 0xfec00000-0xfec01000 is not in usable RAM");
    expect(r.poweredOff).toBe("failure");
  });

  it("never traps on any corruption of a real block: it parses or rejects", () => {
    const base = realGrubBlock("qemu");
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        (edits) => {
          // The block sits in 80 KiB of zeroed memory, so a corrupted total
          // size reads what follows it, as on a real machine.
          const info = new Uint8Array(80 * 1024);
          info.set(base);
          for (const [at, v] of edits) info[at] = v;
          const r = bootCore(skylakeX, { info, setup: (h) => (h.exits = [powerOff]) });
          // The core never traps. (A corrupted tag may also become a boot
          // module the core then loads; where the simulation has no memory
          // behind it, that is the simulator's error, not a wasm trap.)
          expect(r.error).not.toBeInstanceOf(WebAssembly.RuntimeError);
          expect(r.error).not.toBeInstanceOf(RangeError);
          if (r.error === null) expect(r.poweredOff).not.toBeNull();
          if (r.poweredOff === "failure") expect(r.lines.some((l) => /rejected|not usable RAM|not in usable RAM/.test(l))).toBe(true);
        },
      ),
      { numRuns: Number(process.env.TSVISOR_FUZZ_RUNS ?? 300) },
    );
  });
});
