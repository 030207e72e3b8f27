// QEMU's fw_cfg interface (drivers/fw-cfg.ts, QEMU docs/specs/fw_cfg.txt)
// through real port-I/O exits: a 16-bit selector write to 0x510, then byte
// reads of 0x511, as SeaBIOS and QEMU-targeted test kernels read it.
import { describe, expect, it } from "vitest";
import { inValues, outb, inb, outw, inl } from "../sim/scripted-vmx.js";
import { svmInValues, svmOut, svmIn } from "../sim/scripted-svm.js";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";

const select = (key: number) => outw(0x510, key);
const bytes = (n: number) => Array.from({ length: n }, () => inb(0x511));
const le = (b: number[]) => b.reduceRight((v, x) => v * 256 + x, 0);

describe("fw_cfg items", () => {
  it("FW_CFG_SIGNATURE (0x0000) reads \"QEMU\", then 0 past its end", () => {
    const b = inValues([select(0x0000), ...bytes(6)]);
    expect(String.fromCharCode(...b.slice(0, 4))).toBe("QEMU");
    expect(b.slice(4)).toEqual([0, 0]);
  });

  it("FW_CFG_ID (0x0001) has only the traditional interface bit: no DMA", () => {
    expect(le(inValues([select(0x0001), ...bytes(4)]))).toBe(1);
  });

  it.each([[16, "guest_ram=16"], [32, "guest_ram=32"]])("FW_CFG_RAM_SIZE (0x0003) is the VM's RAM: %i MiB", (mib, cmdline) => {
    expect(le(inValues([select(0x0003), ...bytes(8)], cmdline))).toBe(mib * 1024 * 1024);
  });

  it("FW_CFG_NB_CPUS (0x0005) and FW_CFG_MAX_CPUS (0x000f) are 1", () => {
    const b = inValues([select(0x0005), ...bytes(2), select(0x000f), ...bytes(2)]);
    expect([le(b.slice(0, 2)), le(b.slice(2))]).toEqual([1, 1]);
  });

  it("FW_CFG_FILE_DIR (0x0019) holds no files: a count of 0, and nothing after it", () => {
    expect(inValues([select(0x0019), ...bytes(8)])).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("a selector that names no item reads 0", () => {
    expect(inValues([select(0x1234), ...bytes(2), select(0x8003), ...bytes(2)])).toEqual([0, 0, 0, 0]);
  });
});

describe("the fw_cfg registers", () => {
  it("a selector write starts the item over; bit 14 (write channel) names the same item", () => {
    const b = inValues([select(0x0000), ...bytes(2), select(0x0000), ...bytes(1), select(0x4000), ...bytes(2)]);
    expect(String.fromCharCode(...b)).toBe("QEQQE");
  });

  it("data writes are ignored, and so is a byte write to the selector", () => {
    const b = inValues([select(0x0000), outb(0x511, 0x41), outb(0x510, 0x05), ...bytes(4)]);
    expect(String.fromCharCode(...b)).toBe("QEMU");
  });

  it("has no DMA address register: port 0x514 is claimed by nothing", () => {
    expect(inValues([inl(0x514)])).toEqual([0xffffffff]);
  });

  it("reads the same under SVM", () => {
    const b = svmInValues(qemuTcgSvm, [svmOut(0x510, 2, 0x0000), ...Array.from({ length: 4 }, () => svmIn(0x511, 1))]);
    expect(String.fromCharCode(...b)).toBe("QEMU");
  });
});
