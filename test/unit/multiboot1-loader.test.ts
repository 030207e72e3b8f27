// The multiboot (v1) loader (kernel/loader/multiboot1.ts, elf32.ts,
// multiboot1-info.ts) on small kernels built here — an ELF32 executable and
// a flat image placed by the header's address fields — through the core's
// real entry point in the simulator: the Multiboot 0.6.96 machine state at
// the first entry (§3.2), the information structure (§3.3) and what it
// points at, and the refusals of broken images (§3.1).
import { describe, expect, it } from "vitest";
import { VMCS, VMCB } from "../sim/hal.js";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { bootKernelGuest, cString, KernelBoot, ramView } from "../sim/kernel-guest.js";
import { elf32, ELF_DATA_AT, F, kludgeImage, MB1_BOOTLOADER_MAGIC, mb1Header, withHeader } from "../sim/multiboot1-images.js";

const CS_SELECTOR = VMCS.GUEST_ES_SELECTOR + 2;
const CS_LIMIT = VMCS.GUEST_ES_LIMIT + 2;
const CS_AR = VMCS.GUEST_ES_AR_BYTES + 2;
const DS_AR = VMCS.GUEST_ES_AR_BYTES + 6;
const IA32E_MODE_GUEST = 1n << 9n; // VM-entry control (SDM Vol. 3C Table 25-15)
const INFO = 0x9000;
const RAM16 = "guest_ram=16";
// §3.3 information fields.
const I = { flags: 0, memLower: 4, memUpper: 8, cmdline: 16, modsCount: 20, modsAddr: 24, mmapLength: 44, mmapAddr: 48, loaderName: 64 };
const MBI = { memory: 1 << 0, cmdline: 1 << 2, mods: 1 << 3, mmap: 1 << 6, loaderName: 1 << 9 };

const CODE = [0xfa, 0xf4, 0xeb, 0xfd, 0x11, 0x22, 0x33, 0x44]; // cli; hlt; jmp $-1; and bytes to recognise
const DATA = Array.from({ length: 0x20 }, (_, i) => 0xa0 + i);
const TEXT_AT = 0x100000;
const DATA_AT = 0x102000;

// The usual kernel: text (the header, then code) at 1 MiB, data plus a
// page of bss at 0x102000, entry just after the header.
function elfKernel(flags = F.pageAlign | F.memoryInfo, opts: { header?: Uint8Array } = {}) {
  return elf32({
    entry: TEXT_AT + 12,
    segments: [
      { paddr: TEXT_AT, data: withHeader(opts.header ?? mb1Header(flags), CODE) },
      { paddr: DATA_AT, data: new Uint8Array(DATA), memsz: 0x1000 },
    ],
  });
}
const initrd = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff);

const u32 = (r: KernelBoot, at: number) => ramView(r.ram).getUint32(at, true);
const entry = (r: KernelBoot) => r.hal.entries[0];

describe("an ELF32 kernel with an initrd and a command line", () => {
  const r = bootKernelGuest({ kernel: elfKernel(), initrd, cmdline: "root=/dev/ram0 debug", coreCmdline: RAM16 });

  it("starts in the §3.2 machine state: EAX 0x2BADB002, EBX the information, flat 32-bit CS, paging off, at e_entry", () => {
    expect(r.hal.entries.length).toBe(1);
    const { vmcs, regs } = entry(r);
    expect(regs.rax).toBe(BigInt(MB1_BOOTLOADER_MAGIC));
    expect(regs.rbx).toBe(BigInt(INFO));
    expect(vmcs.get(VMCS.GUEST_RIP)).toBe(BigInt(TEXT_AT + 12));
    expect(vmcs.get(CS_SELECTOR)).toBe(0x10n);
    expect(vmcs.get(CS_LIMIT)).toBe(0xffffffffn);
    expect(vmcs.get(CS_AR)).toBe(0xc09bn); // 32-bit execute/read, 4 KiB granular
    expect(vmcs.get(DS_AR)).toBe(0xc093n);
    expect(vmcs.get(VMCS.GUEST_CR0)! & 0x80000001n).toBe(1n); // PE, not PG
    expect(vmcs.get(VMCS.GUEST_RFLAGS)! & 0x20200n).toBe(0n); // IF and VM clear
    expect(vmcs.get(VMCS.ENTRY_CONTROLS)! & IA32E_MODE_GUEST).toBe(0n);
    expect(r.poweredOff).toBe("success");
  });

  it("copies each PT_LOAD segment to its p_paddr and leaves its bss zero", () => {
    expect([...r.ram.subarray(TEXT_AT + 12, TEXT_AT + 12 + CODE.length)]).toEqual(CODE);
    expect([...r.ram.subarray(DATA_AT, DATA_AT + DATA.length)]).toEqual(DATA);
    expect(r.ram.subarray(DATA_AT + DATA.length, DATA_AT + 0x1000).every((b) => b === 0)).toBe(true);
    expect(r.lines).toContain("multiboot: ELF32, 2 segments, kernel at 0x100000-0x103000, entry 0x10000c, information at 0x9000");
  });

  it("fills flags, mem_lower (636 KiB below the EBDA) and mem_upper (15 MiB from 1 MiB)", () => {
    expect(u32(r, INFO + I.flags)).toBe(MBI.memory | MBI.cmdline | MBI.mods | MBI.mmap | MBI.loaderName);
    expect(u32(r, INFO + I.memLower)).toBe(636);
    expect(u32(r, INFO + I.memUpper)).toBe(15 * 1024);
  });

  it("passes the command line and the boot loader's name", () => {
    expect(cString(r.ram, u32(r, INFO + I.cmdline))).toBe("root=/dev/ram0 debug");
    expect(cString(r.ram, u32(r, INFO + I.loaderName))).toBe("tsvisor");
  });

  it("passes the initrd as the one module, page-aligned above the kernel, with its string \"initrd\"", () => {
    expect(u32(r, INFO + I.modsCount)).toBe(1);
    const m = u32(r, INFO + I.modsAddr);
    const [start, end, string, reserved] = [0, 4, 8, 12].map((o) => u32(r, m + o));
    expect(start).toBe(0x103000);
    expect(end).toBe(0x103000 + initrd.length);
    expect(cString(r.ram, string)).toBe("initrd");
    expect(reserved).toBe(0);
    expect([...r.ram.subarray(start, end)]).toEqual([...initrd]);
    expect(r.lines).toContain("multiboot: module initrd 4 KiB at 0x103000");
  });

  it("gives the memory map, each entry its size (20) first: RAM to the EBDA, reserved to 1 MiB, RAM to the top", () => {
    const len = u32(r, INFO + I.mmapLength);
    const at = u32(r, INFO + I.mmapAddr);
    const v = ramView(r.ram);
    const entries = [];
    for (let o = at; o < at + len; o += 4 + v.getUint32(o, true)) {
      entries.push([v.getUint32(o, true), v.getBigUint64(o + 4, true), v.getBigUint64(o + 12, true), v.getUint32(o + 20, true)]);
    }
    expect(entries).toEqual([
      [20, 0n, 0x9f000n, 1],
      [20, 0x9f000n, 0x61000n, 2],
      [20, 0x100000n, 15n << 20n, 1],
    ]);
  });

  it("builds the ACPI tables in the EBDA, which the BIOS data area points at", () => {
    expect(Buffer.from(r.ram.subarray(0x9f000, 0x9f008)).toString("latin1")).toBe("RSD PTR ");
    expect(ramView(r.ram).getUint16(0x40e, true)).toBe(0x9f00);
    expect(r.lines).toContain("ACPI: RSDP at 0x9f000 (XSDT, FADT with PM timer at 0x608, MADT, DSDT)");
  });
});

describe("other well-formed kernels", () => {
  it("a higher-half ELF: e_entry translated from the segment's virtual to its physical address, as GRUB does", () => {
    const kernel = elf32({
      entry: 0xc0100010,
      segments: [{ paddr: TEXT_AT, vaddr: 0xc0100000, data: withHeader(mb1Header(F.memoryInfo), [0x90, 0x90, 0x90, 0x90, ...CODE]) }],
    });
    const r = bootKernelGuest({ kernel, cmdline: "", coreCmdline: RAM16 });
    expect(entry(r).vmcs.get(VMCS.GUEST_RIP)).toBe(0x100010n);
    expect(r.lines).toContain("multiboot: ELF32, 1 segment, kernel at 0x100000-0x100018, entry 0x100010, information at 0x9000");
  });

  it("an entry given as a physical address inside a segment is taken as it is", () => {
    const kernel = elf32({
      entry: TEXT_AT + 12,
      segments: [{ paddr: TEXT_AT, vaddr: 0xc0100000, data: withHeader(mb1Header(0), CODE) }],
    });
    expect(entry(bootKernelGuest({ kernel, coreCmdline: RAM16 })).vmcs.get(VMCS.GUEST_RIP)).toBe(BigInt(TEXT_AT + 12));
  });

  it("a flat image placed by the address fields (flags bit 16): loaded at load_addr, entered at entry_addr", () => {
    const kernel = kludgeImage(0x200000, CODE, 0x2000);
    const r = bootKernelGuest({ kernel, initrd, cmdline: "x", coreCmdline: RAM16 });
    expect(entry(r).vmcs.get(VMCS.GUEST_RIP)).toBe(0x200020n);
    expect(entry(r).regs.rax).toBe(BigInt(MB1_BOOTLOADER_MAGIC));
    expect([...r.ram.subarray(0x200000, 0x200000 + kernel.length)]).toEqual([...kernel]);
    expect(r.lines).toContain("multiboot: address fields, kernel at 0x200000-0x202028, entry 0x200020, information at 0x9000");
    // The module goes above the bss.
    expect(u32(r, u32(r, INFO + I.modsAddr))).toBe(0x203000);
  });

  it("the address fields win over an ELF header, as §3.1.2 says for bit 16", () => {
    // An ELF whose program header says 0x100000, whose address fields say 0x300000.
    const header = mb1Header(F.addresses, { headerAddr: 0x300000 + ELF_DATA_AT, loadAddr: 0x300000, loadEndAddr: 0, bssEndAddr: 0, entryAddr: 0x300000 + ELF_DATA_AT + 32 });
    const kernel = elf32({ entry: TEXT_AT, segments: [{ paddr: TEXT_AT, data: withHeader(header, CODE) }] });
    const r = bootKernelGuest({ kernel, coreCmdline: RAM16 });
    expect(entry(r).vmcs.get(VMCS.GUEST_RIP)).toBe(BigInt(0x300000 + ELF_DATA_AT + 32));
    expect([...r.ram.subarray(0x300000, 0x300000 + kernel.length)]).toEqual([...kernel]); // load_end_addr 0: the whole file
    expect(r.ram.subarray(TEXT_AT, TEXT_AT + 0x100).every((b) => b === 0)).toBe(true);
  });

  it("no initrd, no cmdline module: no mods flag, an empty command line", () => {
    const r = bootKernelGuest({ kernel: elfKernel(), coreCmdline: RAM16 });
    expect(u32(r, INFO + I.flags)).toBe(MBI.memory | MBI.cmdline | MBI.mmap | MBI.loaderName);
    expect(u32(r, INFO + I.modsCount)).toBe(0);
    expect(cString(r.ram, u32(r, INFO + I.cmdline))).toBe("");
    expect(r.hal.entries.length).toBe(1);
  });

  it("the video-mode flag (bit 2) is accepted and left unmet; optional bits 17-31 are ignored", () => {
    const r = bootKernelGuest({ kernel: elfKernel(F.videoMode | (1 << 17) | (1 << 31)), coreCmdline: RAM16 });
    expect(r.hal.entries.length).toBe(1);
    expect(u32(r, INFO + I.flags) & ((1 << 11) | (1 << 12))).toBe(0); // no VBE, no framebuffer information
  });

  it("gets 256 MiB of guest RAM by default, as every kernel guest does", () => {
    const r = bootKernelGuest({ kernel: elfKernel() });
    expect(r.lines).toContain("VM: 256 MiB RAM at host 0x2200000");
    expect(u32(r, INFO + I.memUpper)).toBe(255 * 1024);
  });

  it("on AMD-V too: RAX (in the VMCB) and RBX, the flat 32-bit start", () => {
    const r = bootKernelGuest({ kernel: elfKernel(), initrd, coreCmdline: RAM16, cpu: qemuTcgSvm });
    expect(r.hal.vmruns.length).toBe(1);
    const vmcb = new DataView(r.hal.vmruns[0].vmcb.buffer);
    expect(vmcb.getBigUint64(VMCB.RAX, true)).toBe(BigInt(MB1_BOOTLOADER_MAGIC));
    expect(r.hal.vmruns[0].regs.rbx).toBe(BigInt(INFO));
    expect(vmcb.getBigUint64(VMCB.RIP, true)).toBe(BigInt(TEXT_AT + 12));
    expect(u32(r, INFO + I.flags)).toBe(MBI.memory | MBI.cmdline | MBI.mods | MBI.mmap | MBI.loaderName);
  });
});

describe("broken kernels are refused with the reason, before any VM entry", () => {
  const refused = (r: KernelBoot, message: string) => {
    expect(r.lines).toContain(message);
    expect(r.hal.entries).toEqual([]);
    expect(r.poweredOff).toBe("failure");
  };
  const boot = (kernel: Uint8Array, coreCmdline = RAM16, extra: { initrd?: Uint8Array } = {}) =>
    bootKernelGuest({ kernel, coreCmdline, ...extra });
  const at1M = (header: Uint8Array, more: Partial<Parameters<typeof elf32>[0]> = {}) =>
    elf32({ entry: TEXT_AT + header.length, segments: [{ paddr: TEXT_AT, data: withHeader(header, CODE) }], ...more });
  const good = mb1Header(F.memoryInfo);

  it("a wrong checksum", () => {
    refused(boot(elfKernel(0, { header: mb1Header(F.memoryInfo, undefined, 0x12345678) })),
      `guest kernel rejected: multiboot: the header at offset 0x${ELF_DATA_AT.toString(16)} has a wrong checksum (magic + flags + checksum must be 0 mod 2^32)`);
  });

  it.each([3, 8, 15])("a required flag it does not know (bit %i)", (bit) => {
    refused(boot(elfKernel(F.memoryInfo | (1 << bit))),
      `guest kernel rejected: multiboot: its header requires features tsvisor does not know (flags bits 0x${(1 << bit).toString(16)} of the required 0-15)`);
  });

  it("a segment outside guest RAM", () => {
    refused(boot(elf32({ entry: 0x2000000 + 12, segments: [{ paddr: 0x2000000, data: withHeader(good, CODE) }] })),
      "guest kernel rejected: multiboot: it loads at 0x2000000-0x2000014, outside guest RAM (RAM below 4 GiB ends at 0x1000000): give more guest_ram");
  });

  it("a bss that runs past the end of guest RAM", () => {
    refused(boot(elf32({ entry: 0xfff000 + 12, segments: [{ paddr: 0xfff000, data: withHeader(good, CODE), memsz: 0x2000 }] })),
      "guest kernel rejected: multiboot: it loads at 0xfff000-0x1001000, outside guest RAM (RAM below 4 GiB ends at 0x1000000): give more guest_ram");
  });

  it.each([
    [0x0, "the real-mode IVT and BIOS data area"],
    [0x8800, "the command line and multiboot information"],
    [0x9e800, "the EBDA (ACPI tables) and the BIOS area below 1 MiB"],
    [0xc0000, "the EBDA (ACPI tables) and the BIOS area below 1 MiB"],
  ])("a segment at 0x%s, over %s", (paddr, what) => {
    const kernel = elf32({ entry: paddr + 12, segments: [{ paddr, data: withHeader(good, CODE), memsz: 0x1000 }] });
    refused(boot(kernel), `guest kernel rejected: multiboot: it loads at 0x${paddr.toString(16)}-0x${(paddr + 0x1000).toString(16)}, over ${what} that the loader fills`);
  });

  it("a segment in conventional memory clear of the loader's (0x10000) loads", () => {
    const kernel = elf32({ entry: 0x10000 + 12, segments: [{ paddr: 0x10000, data: withHeader(good, CODE) }] });
    expect(boot(kernel).hal.entries.length).toBe(1);
  });

  it("an ELF cut short inside a segment's bytes", () => {
    const data = withHeader(good, [...CODE, ...new Array(200).fill(0x90)]);
    const end = ELF_DATA_AT + data.length;
    const cut = elf32({ entry: TEXT_AT + 12, segments: [{ paddr: TEXT_AT, data }] }).subarray(0, end - 1);
    refused(boot(cut), `guest kernel rejected: multiboot ELF: truncated: the segment for 0x100000 needs file bytes to ${end}, the file has ${end - 1}`);
  });

  it("an ELF whose program headers lie past the end of the file", () => {
    const kernel = at1M(good, { phoff: 0x4000 });
    refused(boot(kernel), `guest kernel rejected: multiboot ELF: truncated: its program headers end at ${0x4000 + 32}, the file has ${kernel.length} bytes`);
  });

  it.each([
    ["a 64-bit ELF", { elfClass: 2 }, "guest kernel rejected: multiboot ELF: not a 32-bit little-endian ELF (EI_CLASS must be ELFCLASS32, EI_DATA ELFDATA2LSB)"],
    ["an x86-64 machine", { machine: 62 }, "guest kernel rejected: multiboot ELF: e_machine 62, not EM_386 (3): a multiboot kernel is entered in 32-bit protected mode"],
    ["a relocatable object", { type: 1 }, "guest kernel rejected: multiboot ELF: not an executable (e_type must be ET_EXEC)"],
    ["an entry in no segment", { entry: 0x500000 }, "guest kernel rejected: multiboot ELF: its entry point 0x500000 is in no PT_LOAD segment"],
    ["no PT_LOAD segment", { segments: [{ paddr: TEXT_AT, data: withHeader(good, CODE), type: 4 }] }, "guest kernel rejected: multiboot ELF: no PT_LOAD segment"],
  ] as const)("a bad ELF: %s", (_name, more, message) => {
    refused(boot(at1M(good, more as Partial<Parameters<typeof elf32>[0]>)), message);
  });

  it("a bad ELF: segments that overlap", () => {
    const kernel = elf32({
      entry: TEXT_AT + 12,
      segments: [{ paddr: TEXT_AT, data: withHeader(good, CODE), memsz: 0x2000 }, { paddr: TEXT_AT + 0x1000, data: new Uint8Array(16) }],
    });
    refused(boot(kernel), "guest kernel rejected: multiboot ELF: two PT_LOAD segments overlap in physical memory");
  });

  it("neither an ELF nor address fields: nothing says where it goes", () => {
    refused(boot(withHeader(good, CODE)),
      "guest kernel rejected: multiboot: neither an ELF file nor a header with address fields (flags bit 16): nothing says where to load it");
  });

  it("address fields that load more than the file holds", () => {
    const kernel = kludgeImage(0x200000, CODE, 0, 32, undefined, { loadEndAddr: 0x200000 + 0x1000 });
    refused(boot(kernel), `guest kernel rejected: multiboot: truncated: its address fields load 4096 bytes from file offset 0, the file has ${kernel.length}`);
  });

  it("address fields with header_addr below load_addr", () => {
    refused(boot(kludgeImage(0x200000, CODE, 0, 32, undefined, { headerAddr: 0x1ff000 })),
      "guest kernel rejected: multiboot: its load_addr is above header_addr, or before the start of the file (header_addr - load_addr exceeds the header's offset)");
  });

  it("address fields whose entry_addr lies outside what they load", () => {
    refused(boot(kludgeImage(0x200000, CODE, 0, 0x1000)),
      "guest kernel rejected: multiboot: its entry_addr 0x201000 is outside what it loads, 0x200000-0x200028");
  });

  it("an initrd too big for the RAM above the kernel", () => {
    refused(boot(elfKernel(), "guest_ram=4", { initrd: new Uint8Array(3 << 20) }),
      "the initrd (3 MiB) does not fit above the multiboot kernel's 0x103000, guest RAM below 4 GiB ends at 0x400000: give more guest_ram");
  });
});
