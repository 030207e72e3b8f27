// PCI configuration mechanism #1 (drivers/pci/config-ports.ts, PCI Local
// Bus Specification 3.0 §3.2.2.3.2), the host bridge at 00:00.0
// (drivers/pci/host-bridge.ts) and the reset control register at 0xCF9
// (drivers/reset-control.ts), driven through real port-I/O exits on both
// backends: the accesses Linux's arch/x86/pci/direct.c makes to find the
// bus, and its reboot=pci sequence.
import { describe, expect, it } from "vitest";
import { runGuest, inValues, powerOff, outb, inb, outw, inw, outl, inl } from "../sim/scripted-vmx.js";
import { runSvmGuest, svmInValues, svmOut, svmIn, inSequence } from "../sim/scripted-svm.js";
import { qemuTcgSvm, skylakeX } from "../sim/cpu-profiles.js";

// CONFIG_ADDRESS for bus:device.function, dword register `reg`, enable bit set.
const address = (bus: number, dev: number, fn: number, reg: number) =>
  (0x80000000 | (bus << 16) | (dev << 11) | (fn << 8) | reg) >>> 0;
const select = (dev: number, fn: number, reg: number, bus = 0) => outl(0xcf8, address(bus, dev, fn, reg));
const RESET_LINE = "VM stopped: the guest reset the machine (the reset control register, port 0xCF9)";
// A reset reboots the guest by default (test/unit/reboot.test.ts); with
// reboot=no it stops the VM, which is what these tests look at.
const NO_REBOOT = "reboot=no";

describe("the host bridge at 00:00.0 through 0xCF8/0xCFC", () => {
  it("reads the i440FX's IDs, command/status, revision and class, header type 0", () => {
    expect(inValues([select(0, 0, 0x00), inl(0xcfc), select(0, 0, 0x04), inl(0xcfc),
      select(0, 0, 0x08), inl(0xcfc), select(0, 0, 0x0c), inl(0xcfc)]))
      .toEqual([0x12378086, 0x02800006, 0x06000002, 0x00000000]);
  });

  it("word and byte reads at 0xCFC-0xCFF pick the bytes the low port bits name", () => {
    expect(inValues([select(0, 0, 0x00), inw(0xcfc), inw(0xcfe), inb(0xcfc), inb(0xcfd), inb(0xcfe), inb(0xcff),
      select(0, 0, 0x08), inw(0xcfe), inb(0xcfd)]))
      .toEqual([0x8086, 0x1237, 0x86, 0x80, 0x37, 0x12, 0x0600, 0x00]);
  });

  it("a dword read at 0xCFE takes the register's top two bytes; the bytes past 0xCFF read 0xFF", () => {
    expect(inValues([select(0, 0, 0x00), inl(0xcfe), inw(0xcff)])).toEqual([0xffff1237, 0xff12]);
  });

  it("the Command register keeps only its writable bits; IDs and class are read-only", () => {
    expect(inValues([
      select(0, 0, 0x04), outw(0xcfc, 0xffff), inw(0xcfc), outw(0xcfc, 0x0000), inw(0xcfc),
      select(0, 0, 0x00), outl(0xcfc, 0), inl(0xcfc),
      select(0, 0, 0x08), outl(0xcfc, 0xffffffff), inl(0xcfc),
    ])).toEqual([0x0146, 0x0006, 0x12378086, 0x06000002]);
  });

  it("a byte write lands on its byte: the latency timer keeps bits 7:3, its neighbours stay", () => {
    expect(inValues([select(0, 0, 0x0c), outb(0xcfd, 0xff), inl(0xcfc)])).toEqual([0x0000f800]);
  });

  it("writing 1s to the Status register's error bits clears them and sets nothing", () => {
    expect(inValues([select(0, 0, 0x04), outw(0xcfe, 0xffff), inw(0xcfe)])).toEqual([0x0280]);
  });

  it("registers the bridge does not implement (0x40 and up) read 0", () => {
    expect(inValues([select(0, 0, 0x40), inl(0xcfc), select(0, 0, 0xfc), inl(0xcfc)])).toEqual([0, 0]);
  });
});

describe("absent functions and ordinary I/O", () => {
  it("functions that are not there read all-ones, at any width; writes to them are dropped", () => {
    expect(inValues([
      select(1, 0, 0x00), inl(0xcfc), select(0, 1, 0x00), inl(0xcfc), select(31, 7, 0x00), inl(0xcfc),
      select(0, 0, 0x00, 1), inl(0xcfc), inw(0xcfe), inb(0xcfd),
      select(30, 0, 0x04), outl(0xcfc, 0x7), inl(0xcfc),
    ])).toEqual([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffff, 0xff, 0xffffffff]);
  });

  it("with the enable bit clear, CONFIG_DATA is ordinary I/O: reads all-ones, writes reach nothing", () => {
    expect(inValues([outl(0xcf8, 0x00000004), outw(0xcfc, 0xffff), inl(0xcfc), select(0, 0, 0x04), inw(0xcfc)]))
      .toEqual([0xffffffff, 0x0006]);
  });
});

describe("CONFIG_ADDRESS", () => {
  it("reads back as written, with the reserved bits 30:24 and 1:0 as 0", () => {
    expect(inValues([outl(0xcf8, 0x80000000), inl(0xcf8), outl(0xcf8, 0xffffffff), inl(0xcf8),
      outl(0xcf8, 0x00001234), inl(0xcf8)]))
      .toEqual([0x80000000, 0x80fffffc, 0x00001234]);
  });

  it("Linux's probe: a byte at 0xCFB leaves it alone, 0x80000000 reads back, 00:00.0 reads class 0x0600", () => {
    // pci_check_type1: outb(0x01, 0xCFB); tmp = inl(0xCF8); outl(0x80000000, 0xCF8); inl(0xCF8);
    // then pci_sanity_check's 2-byte read of PCI_CLASS_DEVICE (0x0A) and its restore of tmp.
    expect(inValues([outl(0xcf8, 0x8000abcc), outb(0xcfb, 0x01), inl(0xcf8), outl(0xcf8, 0x80000000), inl(0xcf8),
      outl(0xcf8, address(0, 0, 0, 0x08)), inw(0xcfe), outl(0xcf8, 0x8000abcc), inl(0xcf8)]))
      .toEqual([0x8000abcc, 0x80000000, 0x0600, 0x8000abcc]);
  });

  it("byte and word accesses at 0xCF8-0xCFB are no register there (mechanism #2 finds nothing)", () => {
    // pci_check_type2: outb(0x00, 0xCFB); outb(0x00, 0xCF8); outb(0x00, 0xCFA); then reads 0xCF8 and 0xCFA.
    expect(inValues([outl(0xcf8, 0x80000000), outb(0xcfb, 0), outb(0xcf8, 0), outb(0xcfa, 0), inb(0xcf8), inb(0xcfa),
      inw(0xcf8), inw(0xcfa), inl(0xcf8)]))
      .toEqual([0xff, 0xff, 0xffff, 0xffff, 0x80000000]);
  });
});

describe("the reset control register at 0xCF9", () => {
  it("a byte write of 0x06 (SYS_RST | RST_CPU, the FADT's reset value) resets the VM", () => {
    const r = runGuest([outb(0xcf9, 0x06)], skylakeX, undefined, NO_REBOOT);
    expect(r.lines).toContain(RESET_LINE);
    expect(r.hal.entries.length).toBe(1);
  });

  it("Linux's reboot=pci: reads it, writes SYS_RST alone (no reset), then with RST_CPU", () => {
    const r = runGuest([inb(0xcf9), outb(0xcf9, 0x02), inb(0xcf9), outb(0xcf9, 0x0e)], skylakeX, undefined, NO_REBOOT);
    expect(r.lines).toContain(RESET_LINE);
    expect(r.hal.entries.length).toBe(4);
    expect(Number(r.hal.entries[1].regs.rax & 0xffn)).toBe(0x00);
    expect(Number(r.hal.entries[3].regs.rax & 0xffn)).toBe(0x02);
  });

  it("0x02 and 0x08 do not reset; bits 1 and 3 read back, the rest read 0", () => {
    expect(inValues([outb(0xcf9, 0x02), inb(0xcf9), outb(0xcf9, 0xfb), inb(0xcf9), outb(0xcf9, 0x00), inb(0xcf9)]))
      .toEqual([0x02, 0x0a, 0x00]);
    const r = runGuest([outb(0xcf9, 0x02), outb(0xcf9, 0x08), powerOff]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
  });

  it("a dword write to 0xCF8 whose second byte has bit 2 set is CONFIG_ADDRESS, not a reset", () => {
    expect(inValues([outl(0xcf8, 0x80000400), inl(0xcf8), inl(0xcfc)])).toEqual([0x80000400, 0xffffffff]);
  });
});

describe("the same ports under SVM", () => {
  it("read 00:00.0's IDs and class by dword and word, and an absent device as all-ones", () => {
    expect(svmInValues(qemuTcgSvm, [svmOut(0xcf8, 4, address(0, 0, 0, 0)), svmIn(0xcfc, 4),
      svmOut(0xcf8, 4, address(0, 0, 0, 8)), svmIn(0xcfe, 2), svmIn(0xcf8, 4),
      svmOut(0xcf8, 4, address(0, 3, 0, 0)), svmIn(0xcfc, 4)]))
      .toEqual([0x12378086, 0x0600, address(0, 0, 0, 8), 0xffffffff]);
  });

  it("a byte write of 0x06 to 0xCF9 resets the VM", () => {
    const r = runSvmGuest(qemuTcgSvm, inSequence([svmOut(0xcf9, 1, 0x02), svmOut(0xcf9, 1, 0x06)]), [0xf4], NO_REBOOT);
    expect(r.lines).toContain(RESET_LINE);
  });
});
