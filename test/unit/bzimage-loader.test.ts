// The Linux bzImage loader (kernel/loader/bzimage.ts) on Debian's real
// cloud kernel and the busybox initramfs (tools/images/linux.ts), through
// the core's real entry point in the simulator: what it leaves in guest RAM
// and in the first VM entry's state (Documentation/arch/x86/boot.rst, the
// 64-bit boot protocol; zero-page.rst), and how it refuses broken images.
import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { linuxGuest } from "../../tools/images/linux.js";
import { VMCS } from "../sim/hal.js";
import { bootKernelGuest, cString, KernelBoot, ramView } from "../sim/kernel-guest.js";

// Setup-header offsets (boot.rst, "The Real-Mode Kernel Header").
const SETUP_SECTS = 0x1f1;
const SYSSIZE = 0x1f4;
const HEADER_MAGIC = 0x202;
const JUMP = 0x201;
const VERSION = 0x206;
const TYPE_OF_LOADER = 0x210;
const LOADFLAGS = 0x211;
const RAMDISK_IMAGE = 0x218;
const RAMDISK_SIZE = 0x21c;
const CMD_LINE_PTR = 0x228;
const INITRD_ADDR_MAX = 0x22c;
const XLOADFLAGS = 0x236;
const CMDLINE_SIZE = 0x238;
const PREF_ADDRESS = 0x258;
const INIT_SIZE = 0x260;
// boot_params only (zero-page.rst).
const ACPI_RSDP_ADDR = 0x070;
const E820_ENTRIES = 0x1e8;
const E820_TABLE = 0x2d0;
const BOOT_PARAMS = 0x7000;
const CS_AR = VMCS.GUEST_ES_AR_BYTES + 2;
const IA32E_MODE_GUEST = 1n << 9n; // VM-entry control (SDM Vol. 3C Table 25-15)

let kernel: Buffer;
let initrd: Buffer;
const hdr = {
  setupBytes: 0, kernelBytes: 0, pref: 0, initSize: 0, initrdMax: 0, cmdlineSize: 0, headerEnd: 0,
};

beforeAll(() => {
  const g = linuxGuest({ log: (l) => process.stderr.write(`tsvisor guest: ${l}\n`) });
  kernel = fs.readFileSync(g.kernel);
  initrd = fs.readFileSync(g.initrd);
  hdr.setupBytes = ((kernel[SETUP_SECTS] || 4) + 1) * 512;
  hdr.kernelBytes = kernel.readUInt32LE(SYSSIZE) * 16;
  hdr.pref = Number(kernel.readBigUInt64LE(PREF_ADDRESS));
  hdr.initSize = kernel.readUInt32LE(INIT_SIZE);
  hdr.initrdMax = kernel.readUInt32LE(INITRD_ADDR_MAX);
  hdr.cmdlineSize = kernel.readUInt32LE(CMDLINE_SIZE);
  hdr.headerEnd = 0x202 + kernel[JUMP];
}, 180_000);

const hex = (n: number) => `0x${n.toString(16)}`;

describe("Debian's kernel and initramfs", () => {
  let r: KernelBoot;
  const CMDLINE = "console=ttyS0 loglevel=7";
  beforeAll(() => {
    r = bootKernelGuest({ kernel, initrd, cmdline: CMDLINE });
  });

  it("enters the 64-bit entry, pref_address + 0x200, with RSI = boot_params at 0x7000, in IA-32e mode", () => {
    expect(r.hal.entries.length).toBe(1);
    const { vmcs, regs } = r.hal.entries[0];
    expect(vmcs.get(VMCS.GUEST_RIP)).toBe(BigInt(hdr.pref + 0x200));
    expect(regs.rsi).toBe(BigInt(BOOT_PARAMS));
    expect(vmcs.get(CS_AR)).toBe(0xa09bn);
    expect(vmcs.get(VMCS.ENTRY_CONTROLS)! & IA32E_MODE_GUEST).toBe(IA32E_MODE_GUEST);
    expect(vmcs.get(VMCS.GUEST_RFLAGS)! & 0x200n).toBe(0n); // interrupts off
    expect(r.lines).toContain(`Linux: boot protocol 2.15, kernel at ${hex(hdr.pref)} (${hdr.initSize >> 20} MiB working size), 64-bit entry ${hex(hdr.pref + 0x200)}`);
    expect(r.lines).toContain("VM: 256 MiB RAM at host 0x2200000");
    expect(r.poweredOff).toBe("success");
  });

  it("copies the protected-mode kernel to pref_address, byte for byte", () => {
    const rest = kernel.length - hdr.setupBytes;
    expect(Buffer.compare(Buffer.from(r.ram.subarray(hdr.pref, hdr.pref + rest)), kernel.subarray(hdr.setupBytes))).toBe(0);
  });

  it("builds boot_params: the image's setup header, type_of_loader 0xFF, LOADED_HIGH, the command line", () => {
    const bp = r.ram.subarray(BOOT_PARAMS, BOOT_PARAMS + 4096);
    const v = ramView(bp);
    // The loader's own fields...
    expect(bp[TYPE_OF_LOADER]).toBe(0xff);
    expect(bp[LOADFLAGS]).toBe(kernel[LOADFLAGS] | 1);
    const cmdPtr = v.getUint32(CMD_LINE_PTR, true);
    expect(cmdPtr).toBe(0x8000);
    // The sim's CPU is Intel: the hypervisor adds only tsc=reliable (kernel/loader/load-guest.ts).
    expect(cString(r.ram, cmdPtr)).toBe(`${CMDLINE} tsc=reliable`);
    // ... and every other byte of the setup header as the image has it.
    const written = new Set([TYPE_OF_LOADER, LOADFLAGS, ...[RAMDISK_IMAGE, RAMDISK_SIZE, CMD_LINE_PTR].flatMap((o) => [o, o + 1, o + 2, o + 3])]);
    for (let o = SETUP_SECTS; o < hdr.headerEnd; o++) if (!written.has(o)) expect([o, bp[o]]).toEqual([o, kernel[o]]);
    // Outside the header, nothing but the loader's boot_params fields:
    // acpi_rsdp_addr, e820_entries and the e820 table.
    const own = (o: number) => (o >= ACPI_RSDP_ADDR && o < ACPI_RSDP_ADDR + 8) || o === E820_ENTRIES ||
      (o >= E820_TABLE && o < E820_TABLE + bp[E820_ENTRIES] * 20);
    for (let o = 0; o < 4096; o++) if ((o < SETUP_SECTS || o >= hdr.headerEnd) && !own(o)) expect([o, bp[o]]).toEqual([o, 0]);
  });

  it("copies the initrd page-aligned at the top of guest RAM, below initrd_addr_max, and points ramdisk_image/size at it", () => {
    const v = ramView(r.ram);
    const at = v.getUint32(BOOT_PARAMS + RAMDISK_IMAGE, true);
    expect(v.getUint32(BOOT_PARAMS + RAMDISK_SIZE, true)).toBe(initrd.length);
    expect(at % 4096).toBe(0);
    expect(at + initrd.length - 1).toBeLessThanOrEqual(hdr.initrdMax);
    expect(at + initrd.length).toBeLessThanOrEqual(256 << 20);
    expect(at).toBe(((256 << 20) - initrd.length) & ~0xfff);
    expect(at).toBeGreaterThanOrEqual(hdr.pref + hdr.initSize);
    expect(Buffer.compare(Buffer.from(r.ram.subarray(at, at + initrd.length)), initrd)).toBe(0);
    expect(r.lines).toContain(`Linux: initrd ${initrd.length >> 20} MiB at ${hex(at)}`);
  });

  it("passes the RSDP in acpi_rsdp_addr, 0x9F000, where the ACPI tables begin with \"RSD PTR \"", () => {
    expect(ramView(r.ram).getBigUint64(BOOT_PARAMS + ACPI_RSDP_ADDR, true)).toBe(0x9f000n);
    expect(Buffer.from(r.ram.subarray(0x9f000, 0x9f008)).toString("latin1")).toBe("RSD PTR ");
    // The BIOS data area points at the EBDA (segment 0x9F00) and counts 636 KiB below it.
    expect(ramView(r.ram).getUint16(0x40e, true)).toBe(0x9f00);
    expect(ramView(r.ram).getUint16(0x413, true)).toBe(636);
  });

  it("gives the e820 map: RAM to the EBDA, reserved to 1 MiB, RAM from 1 MiB to the top", () => {
    const v = ramView(r.ram);
    const n = r.ram[BOOT_PARAMS + E820_ENTRIES];
    const entries = Array.from({ length: n }, (_, i) => {
      const o = BOOT_PARAMS + E820_TABLE + i * 20;
      return [v.getBigUint64(o, true), v.getBigUint64(o + 8, true), v.getUint32(o + 16, true)];
    });
    expect(entries).toEqual([
      [0n, 0x9f000n, 1],
      [0x9f000n, 0x61000n, 2],
      [0x100000n, (256n << 20n) - 0x100000n, 1],
    ]);
  });

  it("without a cmdline module, the command line is console=ttyS0", () => {
    const b = bootKernelGuest({ kernel, initrd });
    expect(cString(b.ram, ramView(b.ram).getUint32(BOOT_PARAMS + CMD_LINE_PTR, true))).toBe("console=ttyS0 tsc=reliable");
    expect(b.lines).toContain("guest command line: console=ttyS0");
    expect(b.hal.entries.length).toBe(1);
  });
});

describe("broken images and arguments are refused before any VM entry", () => {
  // Each refusal stops the boot with its message, before the first entry.
  const refused = (r: KernelBoot, message: string) => {
    expect(r.lines, r.lines.join("\n")).toContain(message);
    expect(r.hal.entries).toEqual([]);
    expect(r.poweredOff).toBe("failure");
  };
  const patched = (edit: (k: Buffer) => void) => {
    const k = Buffer.from(kernel);
    edit(k);
    return k;
  };

  it("cut at 100 bytes: a PE executable without the boot header, not a flat image to run", () => {
    refused(bootKernelGuest({ kernel: kernel.subarray(0, 100), initrd }),
      "guest image rejected: a PE executable (\"MZ\") of 100 bytes without the Linux boot header (0xAA55 at 0x1fe, \"HdrS\" at 0x202): a bzImage cut short or damaged, or an EFI application");
  });

  it("cut at 0x300, inside its setup code: truncated", () => {
    refused(bootKernelGuest({ kernel: kernel.subarray(0, 0x300), initrd }),
      `guest kernel rejected: truncated: the header says ${hdr.setupBytes + hdr.kernelBytes} bytes, the file has ${0x300}`);
  });

  it("one byte short of what setup_sects and syssize say: truncated", () => {
    const n = hdr.setupBytes + hdr.kernelBytes - 1;
    refused(bootKernelGuest({ kernel: kernel.subarray(0, n), initrd }),
      `guest kernel rejected: truncated: the header says ${n + 1} bytes, the file has ${n}`);
  });

  it("\"HdrS\" damaged: no longer a bzImage, and refused as such, not run as a flat image", () => {
    refused(bootKernelGuest({ kernel: patched((k) => (k[HEADER_MAGIC] = 0x58)), initrd }),
      `guest image rejected: a PE executable ("MZ") of ${kernel.length} bytes without the Linux boot header (0xAA55 at 0x1fe, "HdrS" at 0x202): a bzImage cut short or damaged, or an EFI application`);
  });

  it("boot protocol 2.11: no xloadflags, so no 64-bit entry it can vouch for", () => {
    refused(bootKernelGuest({ kernel: patched((k) => k.writeUInt16LE(0x020b, VERSION)), initrd }),
      "guest kernel rejected: boot protocol older than 2.12: no 64-bit entry to use");
  });

  it("xloadflags without XLF_KERNEL_64", () => {
    refused(bootKernelGuest({ kernel: patched((k) => k.writeUInt16LE(k.readUInt16LE(XLOADFLAGS) & ~1, XLOADFLAGS)), initrd }),
      "guest kernel rejected: not a 64-bit kernel (xloadflags has no XLF_KERNEL_64)");
  });

  it("guest_ram too small for init_size from pref_address", () => {
    refused(bootKernelGuest({ kernel, initrd, coreCmdline: "guest_ram=64" }),
      `guest kernel does not fit: it needs ${hdr.initSize >> 20} MiB from ${hex(hdr.pref)}, guest RAM below 4 GiB ends at 0x4000000: give more guest_ram`);
  });

  it("an initrd too big for the RAM left above the kernel", () => {
    // 70 MiB: room for the kernel's working area, not for 3 MiB more.
    const big = new Uint8Array(3 << 20);
    refused(bootKernelGuest({ kernel, initrd: big, coreCmdline: "guest_ram=70" }),
      `the initrd (3 MiB) does not fit between the kernel's ${hex(hdr.pref + hdr.initSize)} and 0x4600000: give more guest_ram`);
  });

  it("a command line longer than the kernel's cmdline_size", () => {
    const long = "x".repeat(hdr.cmdlineSize + 1);
    refused(bootKernelGuest({ kernel, initrd, cmdline: long }),
      // The count includes the tsc=reliable the hypervisor added (load-guest.ts addTscFacts).
      `guest command line rejected: ${hdr.cmdlineSize + 1 + " tsc=reliable".length} bytes, the kernel takes at most ${hdr.cmdlineSize}`);
  });
});
