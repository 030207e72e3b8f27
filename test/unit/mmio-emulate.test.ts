// MMIO emulation through the real exit path: scripted EPT violations (VMX
// basic reason 48) and #NPF (SVM, on QEMU TCG's CPU without NRIP save) at
// the mmio-scratch test device (drivers/mmio-scratch.ts, registered by
// `mmio_test=scratch` at 0xd0000000; byte k of it reads k & 0xff until
// written, and it logs every access). The guest image holds the
// instructions; the core fetches them at CS:RIP through the guest's paging,
// decodes and emulates them (kernel/exits/mmio.ts, kernel/vm/mmio/). Each
// test checks what the device saw, the destination register, RFLAGS and
// the next RIP. Flags are as the SDM's "Flags Affected" give them.
import { describe, expect, it } from "vitest";
import { skylakeX, qemuTcgSvm } from "../sim/cpu-profiles.js";
import { SimExit, SvmSimExit, VMCS, VMCB, GprName } from "../sim/hal.js";
import { runGuest, R, powerOff } from "../sim/scripted-vmx.js";
import { runSvmGuest, X, svmPowerOff } from "../sim/scripted-svm.js";

const SCRATCH = 0xd0000000n;
const ON = "mmio_test=scratch";
const [CF, PF, AF, ZF, SF, OF] = [0x1n, 0x4n, 0x10n, 0x40n, 0x80n, 0x800n];
const FIXED = 0x2n; // RFLAGS bit 1
const WORD = 0x1122334455667788n;

type Regs = Partial<Record<GprName, bigint>>;
// An EPT violation at scratch offset `off` (qualification bit 0 read, bit 1 write).
const ept = (off: number, write: boolean, regs: Regs = {}, fields: Record<number, bigint> = {}): SimExit =>
  ({ reason: R.EPT_VIOLATION, gpa: SCRATCH + BigInt(off), qualification: write ? 2n : 1n, regs, fields });

interface Run { lines: string[]; rip: (i: number) => bigint; rflags: (i: number) => bigint; reg: (i: number, r: GprName) => bigint }

// Run the exits (then power off) over `code` at 0x7c00; after(i): the state the core left after exit i.
function vmx(code: number[], exits: SimExit[], cmdline = ON, ram?: (ram: Uint8Array) => void): Run {
  const r = runGuest([...exits, powerOff], skylakeX, ram, cmdline, code);
  const at = (i: number) => {
    const e = r.hal.entries[i + 1];
    if (!e) throw new Error(`no entry after exit ${i}:\n${r.lines.join("\n")}`);
    return e;
  };
  return {
    lines: r.lines,
    rip: (i) => at(i).vmcs.get(VMCS.GUEST_RIP)!,
    rflags: (i) => at(i).vmcs.get(VMCS.GUEST_RFLAGS)!,
    reg: (i, n) => at(i).regs[n],
  };
}

const wrote = (size: number, off: number, v: bigint) => `mmio-scratch: write ${size} at 0x${off.toString(16)}: 0x${v.toString(16)}`;
const readLine = (size: number, off: number, v: bigint) => `mmio-scratch: read ${size} at 0x${off.toString(16)}: 0x${v.toString(16)}`;

describe("real mode (16-bit code), VMX", () => {
  it("MOV stores of each size: AL, AX, EAX (66), and RIP past each", () => {
    const r = vmx([0x88, 0x07, 0x89, 0x07, 0x66, 0x89, 0x07],
      [ept(0x10, true, { rax: WORD }), ept(0x10, true, { rax: WORD }), ept(0x10, true, { rax: WORD })]);
    expect(r.lines).toEqual(expect.arrayContaining([wrote(1, 0x10, 0x88n), wrote(2, 0x10, 0x7788n), wrote(4, 0x10, 0x55667788n)]));
    expect([r.rip(0), r.rip(1), r.rip(2)]).toEqual([0x7c02n, 0x7c04n, 0x7c07n]);
  });

  it("MOV loads: 8 and 16 bits keep the rest of RAX, 32 bits zero-extend, AH is bits 15:8", () => {
    const r = vmx([0x8a, 0x07, 0x8b, 0x07, 0x66, 0x8b, 0x07, 0x8a, 0x27],
      [0, 1, 2, 3].map(() => ept(0x10, false, { rax: WORD })));
    expect(r.reg(0, "rax")).toBe(0x1122334455667710n);
    expect(r.reg(1, "rax")).toBe(0x1122334455661110n);
    expect(r.reg(2, "rax")).toBe(0x13121110n);
    expect(r.reg(3, "rax")).toBe(0x1122334455661088n);
    expect(r.lines).toContain(readLine(4, 0x10, 0x13121110n));
    expect(r.rip(3)).toBe(0x7c09n);
  });

  it("MOVZX and MOVSX: zero and sign extension into 16- and 32-bit destinations", () => {
    const r = vmx([0x0f, 0xb6, 0x07, 0x66, 0x0f, 0xbe, 0x07, 0x0f, 0xbf, 0x07],
      [0, 1, 2].map(() => ept(0x80, false, { rax: WORD })));
    expect(r.reg(0, "rax")).toBe(0x1122334455660080n); // movzx ax, byte [bx]
    expect(r.reg(1, "rax")).toBe(0xffffff80n);         // movsx eax, byte [bx]
    expect(r.reg(2, "rax")).toBe(0x1122334455668180n); // movsx ax, word [bx]
    expect(r.rip(2)).toBe(0x7c0an);
  });

  it("OR to memory: read, OR, write back; CF and OF cleared, PF of the result", () => {
    const r = vmx([0x66, 0x83, 0x0f, 0x01], [ept(0x10, true, {}, { [VMCS.GUEST_RFLAGS]: FIXED | CF | OF })]);
    expect(r.lines).toEqual(expect.arrayContaining([readLine(4, 0x10, 0x13121110n), wrote(4, 0x10, 0x13121111n)]));
    expect(r.rflags(0)).toBe(FIXED | PF);
    expect(r.rip(0)).toBe(0x7c04n);
  });

  it("AND into a register (23): AX only, ZF clear, PF of the low byte", () => {
    const r = vmx([0x23, 0x07], [ept(0x10, false, { rax: 0xaaaa00000000ff00n })]);
    expect(r.reg(0, "rax")).toBe(0xaaaa000000001100n);
    expect(r.rflags(0)).toBe(FIXED | PF);
    expect(r.lines.some((l) => l.startsWith("mmio-scratch: write"))).toBe(false);
  });

  it("TEST with an immediate: flags only, nothing written", () => {
    const r = vmx([0xf6, 0x07, 0x01, 0xf6, 0x07, 0x80], [ept(0x10, false), ept(0x80, false)]);
    expect(r.rflags(0)).toBe(FIXED | ZF | PF); // 0x10 & 0x01
    expect(r.rflags(1)).toBe(FIXED | SF);      // 0x80 & 0x80: one bit set, odd parity
    expect(r.lines.some((l) => l.startsWith("mmio-scratch: write"))).toBe(false);
    expect(r.rip(1)).toBe(0x7c06n);
  });

  it("CMP, ADD, SUB and ADC: CF, AF, OF, SF, ZF, PF as the SDM defines them", () => {
    const r = vmx([0x80, 0x3f, 0x11, 0x80, 0x07, 0x70, 0x66, 0x29, 0x07, 0x80, 0x17, 0xef], [
      ept(0x10, false),                                           // cmp byte [bx], 0x11: 0x10 - 0x11
      ept(0x20, true),                                            // add byte [bx], 0x70: 0x20 + 0x70
      ept(0x30, true, { rax: 0x33323131n }),                      // sub [bx], eax: 0x33323130 - 0x33323131
      ept(0x40, true, {}, { [VMCS.GUEST_RFLAGS]: FIXED | CF }),   // adc byte [bx], 0xef: 0x40 + 0xef + 1
    ]);
    expect(r.rflags(0)).toBe(FIXED | CF | PF | AF | SF);       // 0xff, a borrow
    expect(r.rflags(1)).toBe(FIXED | OF | SF | PF);            // 0x90: positive + positive = negative
    expect(r.rflags(2)).toBe(FIXED | CF | PF | AF | SF);       // 0xffffffff
    expect(r.rflags(3)).toBe(FIXED | CF | PF | AF);            // 0x130: carry out, result 0x30
    expect(r.lines).toEqual(expect.arrayContaining([wrote(1, 0x20, 0x90n), wrote(4, 0x30, 0xffffffffn), wrote(1, 0x40, 0x30n)]));
    expect(r.lines.some((l) => l.startsWith("mmio-scratch: write 1 at 0x10"))).toBe(false); // CMP writes nothing
  });

  it("XCHG: the register goes to the device, the device's value to the register", () => {
    const r = vmx([0x87, 0x07], [ept(0x10, true, { rax: WORD })]);
    expect(r.lines).toEqual(expect.arrayContaining([readLine(2, 0x10, 0x1110n), wrote(2, 0x10, 0x7788n)]));
    expect(r.reg(0, "rax")).toBe(0x1122334455661110n);
  });

  it("BT, BTS, BTR, BTC: CF is the bit; a register offset past the operand is taken modulo its size", () => {
    const r = vmx([0x0f, 0xba, 0x27, 0x04, 0x0f, 0xab, 0x07, 0x0f, 0xba, 0x37, 0x04, 0x0f, 0xbb, 0x07], [
      ept(0x10, false, {}, { [VMCS.GUEST_RFLAGS]: FIXED | ZF }), // bt word [bx], 4: 0x1110 bit 4
      ept(0x20, true, { rax: 1n }),                             // bts [bx], ax: 0x2120 bit 1
      ept(0x30, true),                                          // btr word [bx], 4: 0x3130 bit 4
      ept(0x42, true, { rax: 17n }),                            // btc [bx], ax = 17: the word at +2, bit 1
    ]);
    expect(r.rflags(0)).toBe(FIXED | ZF | CF); // ZF kept
    expect(r.rflags(1) & CF).toBe(0n);
    expect(r.rflags(2) & CF).toBe(CF);
    expect(r.rflags(3) & CF).toBe(CF);
    expect(r.lines).toEqual(expect.arrayContaining([wrote(2, 0x20, 0x2122n), wrote(2, 0x30, 0x3120n), wrote(2, 0x42, 0x4340n)]));
    expect(r.lines.some((l) => l.startsWith("mmio-scratch: write 2 at 0x10"))).toBe(false);
    expect(r.rip(3)).toBe(0x7c0en);
  });

  it("REP STOSB: one element per exit, CX counted down (16-bit address size), RIP held until CX is 0", () => {
    const r = vmx([0xf3, 0xaa], [ept(0x10, true, { rax: 0x5an, rcx: 0xffff0002n, rdi: 0x10n }), ept(0x11, true)]);
    expect(r.lines).toEqual(expect.arrayContaining([wrote(1, 0x10, 0x5an), wrote(1, 0x11, 0x5an)]));
    expect([r.reg(0, "rcx"), r.reg(0, "rdi"), r.rip(0)]).toEqual([0xffff0001n, 0x11n, 0x7c00n]);
    expect([r.reg(1, "rcx"), r.reg(1, "rdi"), r.rip(1)]).toEqual([0xffff0000n, 0x12n, 0x7c02n]);
  });
});

describe("flat 32-bit protected mode, VMX", () => {
  const P32 = `${ON} guest_mode=protected32`;

  it("MOVSD from RAM to the device, and from the device to RAM; ESI and EDI step by 4", () => {
    let ram!: Uint8Array;
    const r = vmx([0xa5, 0xa5], [
      ept(0x20, true, { rsi: 0x8000n, rdi: 0xd0000020n }),
      ept(0x30, false, { rsi: 0xd0000030n, rdi: 0x9000n }),
    ], P32, (m) => { ram = m; m.set([0xef, 0xbe, 0xad, 0xde], 0x8000); });
    expect(r.lines).toContain(wrote(4, 0x20, 0xdeadbeefn));
    expect([r.reg(0, "rsi"), r.reg(0, "rdi"), r.rip(0)]).toEqual([0x8004n, 0xd0000024n, 0x7c01n]);
    expect([...ram.subarray(0x9000, 0x9004)]).toEqual([0x30, 0x31, 0x32, 0x33]);
    expect(r.reg(1, "rdi")).toBe(0x9004n);
  });

  it("MOV ecx, [disp32] with 32-bit code: a 32-bit load", () => {
    const r = vmx([0x8b, 0x0d, 0x10, 0x00, 0x00, 0xd0], [ept(0x10, false, { rcx: WORD })], P32);
    expect(r.reg(0, "rcx")).toBe(0x13121110n);
    expect(r.rip(0)).toBe(0x7c06n);
  });
});

describe("64-bit long mode, VMX", () => {
  const L64 = `${ON} guest_mode=long64`;

  it("REX.W MOV stores and loads 8 bytes; RIP-relative loads have the right length", () => {
    const r = vmx([0x48, 0x89, 0x07, 0x48, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00],
      [ept(0x10, true, { rax: WORD }), ept(0x18, false)], L64);
    expect(r.lines).toContain(wrote(8, 0x10, WORD));
    expect(r.reg(1, "rax")).toBe(0x1f1e1d1c1b1a1918n);
    expect([r.rip(0), r.rip(1)]).toEqual([0x7c03n, 0x7c0an]);
  });

  it("REX registers: R8D, SPL (not AH), and MOVZX into ECX zero-extending", () => {
    const r = vmx([0x44, 0x89, 0x07, 0x40, 0x88, 0x27, 0x41, 0x0f, 0xb6, 0x4d, 0x10], [
      ept(0x10, true, { r8: 0xcafebabe12345678n }),
      ept(0x20, true, { rax: WORD }, { [VMCS.GUEST_RSP]: 0x12345n }),
      ept(0x90, false, { rcx: 0xffffffffffffffffn }),
    ], L64);
    expect(r.lines).toEqual(expect.arrayContaining([wrote(4, 0x10, 0x12345678n), wrote(1, 0x20, 0x45n)]));
    expect(r.reg(2, "rcx")).toBe(0x90n);
    expect(r.rip(2)).toBe(0x7c0bn);
  });

  it("MOVSX and MOVSXD into 64-bit registers", () => {
    const r = vmx([0x48, 0x0f, 0xbf, 0x07, 0x48, 0x63, 0x07], [ept(0x80, false), ept(0x80, false)], L64);
    expect(r.reg(0, "rax")).toBe(0xffffffffffff8180n);
    expect(r.reg(1, "rax")).toBe(0xffffffff83828180n);
  });

  it("OR with imm32, XCHG of 8 bytes, LOCK BTS of bit 63", () => {
    const r = vmx([0x81, 0x0f, 0x00, 0x00, 0x00, 0x80, 0x48, 0x87, 0x07, 0xf0, 0x48, 0x0f, 0xab, 0x07], [
      ept(0x10, true),
      ept(0x20, true, { rax: WORD }),
      ept(0x30, true, { rax: 63n }),
    ], L64);
    expect(r.lines).toEqual(expect.arrayContaining([
      wrote(4, 0x10, 0x93121110n), wrote(8, 0x20, WORD), wrote(8, 0x30, 0xb736353433323130n),
    ]));
    expect(r.rflags(0)).toBe(FIXED | SF);
    expect(r.reg(1, "rax")).toBe(0x2726252423222120n);
    expect(r.rflags(2) & CF).toBe(0n);
    expect(r.rip(2)).toBe(0x7c0en);
  });
});

describe("the guest's paging: 32-bit and PAE, and an instruction across two pages", () => {
  const P32 = `${ON} guest_mode=protected32`;
  const put32 = (ram: Uint8Array, at: number, v: number) => new DataView(ram.buffer).setUint32(at, v >>> 0, true);
  const put64 = (ram: Uint8Array, at: number, v: bigint) => new DataView(ram.buffer).setBigUint64(at, v, true);
  const MOV_ECX = [0x8b, 0x0d, 0x10, 0x00, 0x00, 0xd0]; // mov ecx, [0xd0000010]
  const paged = (cr4: bigint, rip: bigint) => ({ [VMCS.GUEST_CR0]: 0x80000031n, [VMCS.GUEST_CR3]: 0x100000n, [VMCS.GUEST_CR4]: cr4 | (1n << 13n), [VMCS.GUEST_RIP]: rip });

  it("32-bit paging, 4 KiB pages: the first bytes at the end of one page, the rest from the next page's frame", () => {
    const r = vmx([0xf4], [ept(0x10, false, {}, paged(0n, 0x400ffen))], P32, (ram) => {
      put32(ram, 0x100000 + 1 * 4, 0x101000 | 3);  // PDE 1: linear 0x400000-0x7fffff
      put32(ram, 0x101000 + 0 * 4, 0x345000 | 3);  // PTE 0: linear 0x400000
      put32(ram, 0x101000 + 1 * 4, 0x567000 | 3);  // PTE 1: linear 0x401000
      ram.set(MOV_ECX.slice(0, 2), 0x345ffe);
      ram.fill(0x90, 0x346000, 0x346010);
      ram.set(MOV_ECX.slice(2), 0x567000);
    });
    expect(r.reg(0, "rcx")).toBe(0x13121110n);
    expect(r.rip(0)).toBe(0x401004n);
  });

  it("32-bit paging with CR4.PSE: a 4 MiB page", () => {
    const r = vmx([0xf4], [ept(0x10, false, {}, paged(1n << 4n, 0x400123n))], P32, (ram) => {
      put32(ram, 0x100000 + 1 * 4, 0x800000 | 0x80 | 3);
      ram.set(MOV_ECX, 0x800123);
    });
    expect(r.reg(0, "rcx")).toBe(0x13121110n);
  });

  it("PAE paging: PDPTE, PDE, PTE, and a 2 MiB page", () => {
    const pae = 1n << 5n;
    const tables = (ram: Uint8Array) => {
      put64(ram, 0x100000, 0x101000n | 1n);           // PDPTE 0: linear 0-1 GiB
      put64(ram, 0x101000 + 2 * 8, 0x102000n | 3n);   // PDE 2: linear 0x400000
      put64(ram, 0x102000, 0x345000n | 3n);           // PTE 0
      put64(ram, 0x101000 + 3 * 8, 0xa00000n | 0x83n); // PDE 3: a 2 MiB page at linear 0x600000
      ram.set(MOV_ECX, 0x345678);
      ram.set(MOV_ECX, 0xa12345);
    };
    const r4k = vmx([0xf4], [ept(0x10, false, {}, paged(pae, 0x400678n))], P32, tables);
    expect(r4k.reg(0, "rcx")).toBe(0x13121110n);
    const r2m = vmx([0xf4], [ept(0x10, false, {}, paged(pae, 0x612345n))], P32, tables);
    expect(r2m.reg(0, "rcx")).toBe(0x13121110n);
  });
});

describe("what stops the VM", () => {
  const stopLine = (r: Run) => r.lines.find((l) => l.startsWith("VM stopped: "));

  it("an instruction the emulator does not know: the address, the device and the bytes", () => {
    const r = vmx([0x0f, 0x0b], [ept(0x10, false)]);
    expect(stopLine(r)).toBe("VM stopped: MMIO at 0xd0000010 (mmio-scratch) by an instruction tsvisor does not emulate: " +
      "bytes 0f 0b 00 00 00 00 00 00 00 00 00 00 00 00 00 at linear 0x7c00");
    expect(r.lines).toContainEqual(expect.stringContaining("rip=0x0000000000007c00"));
  });

  it("an address no device claims: today's report", () => {
    const r = vmx([0x89, 0x07], [{ reason: R.EPT_VIOLATION, gpa: 0x40000000n, qualification: 2n }]);
    expect(stopLine(r)).toBe("VM stopped: guest-physical access at 0x40000000 outside guest RAM (0x1000000 bytes), claimed by no device");
  });

  it("without mmio_test=scratch the device is not there: the MMIO window reads all-ones and drops the write, as a PC's", () => {
    const r = vmx([0x8b, 0x07, 0x89, 0x07], [ept(0x10, false), ept(0x10, true)], "");
    expect(stopLine(r)).toBe("VM stopped: the guest powered off with status 0");
    expect(r.reg(0, "rax") & 0xffffn).toBe(0xffffn); // a 16-bit load: the guest runs in real mode
    expect(r.lines).not.toContain("MMIO: test device mmio-scratch at 0xd0000000");
  });

  it("the VGA window (no VGA card) reads all-ones too; the RAM-less gap below the MMIO window stops the VM", () => {
    const vga = vmx([0x8b, 0x07], [{ reason: R.EPT_VIOLATION, gpa: 0xb8000n, qualification: 1n }], "");
    expect(vga.reg(0, "rax") & 0xffffn).toBe(0xffffn);
    const gap = vmx([0x8b, 0x07], [{ reason: R.EPT_VIOLATION, gpa: 0xbfff0000n, qualification: 1n }], "");
    expect(stopLine(gap)).toBe("VM stopped: guest-physical access at 0xbfff0000 outside guest RAM (0x1000000 bytes), claimed by no device");
  });

  it("an instruction fetch from the device", () => {
    const r = vmx([0x90], [{ reason: R.EPT_VIOLATION, gpa: SCRATCH, qualification: 4n }]);
    expect(stopLine(r)).toBe("VM stopped: instruction fetch from device memory at 0xd0000000 (mmio-scratch): tsvisor does not run code from devices");
  });

  it("the CPU's own page walk reaching the device (qualification bit 7 set, bit 8 clear)", () => {
    const r = vmx([0x8b, 0x07], [{ reason: R.EPT_VIOLATION, gpa: SCRATCH, qualification: 0x81n }]);
    expect(stopLine(r)).toBe("VM stopped: MMIO at 0xd0000000 (mmio-scratch) by the CPU's walk of the guest's page tables: they are in device memory");
  });

  it("code the guest's page tables do not map", () => {
    const r = vmx([0x90], [ept(0x10, false, {}, { [VMCS.GUEST_RIP]: 0x40000000n })], `${ON} guest_mode=long64`);
    expect(stopLine(r)).toBe("VM stopped: MMIO at 0xd0000010 (mmio-scratch): the instruction at linear 0x40000000 is not in guest RAM");
  });

  it("MOVS whose other operand is neither RAM nor a device", () => {
    const r = vmx([0xa5], [ept(0x20, true, { rsi: 0x2000000n, rdi: 0xd0000020n })], `${ON} guest_mode=protected32`);
    expect(stopLine(r)).toBe(
      "VM stopped: MMIO at 0xd0000020 (mmio-scratch) by MOVS, whose other operand at 0x2000000 is outside guest RAM and claimed by no device");
  });
});

describe("SVM (#NPF, no NRIP save: the length is the decoder's)", () => {
  // #NPF EXITINFO1 is a page-fault error code: bit 1 write (APM Vol. 2 §15.25.6); EXITINFO2 the address.
  const npf = (off: number, write: boolean, extra: Partial<SvmSimExit> = {}): SvmSimExit =>
    ({ code: X.NPF, info1: write ? 2n : 0n, info2: SCRATCH + BigInt(off), ...extra });
  const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer).getBigUint64(off, true);
  function svm(code: number[], exits: SvmSimExit[], cmdline = ON) {
    const r = runSvmGuest(qemuTcgSvm, [...exits, svmPowerOff], code, cmdline);
    return {
      lines: r.lines,
      rip: (i: number) => u64(r.hal.vmruns[i + 1].vmcb, VMCB.RIP),
      rflags: (i: number) => u64(r.hal.vmruns[i + 1].vmcb, VMCB.RFLAGS),
      reg: (i: number, n: GprName) => r.hal.vmruns[i + 1].regs[n],
    };
  }

  it("real mode: MOV load and store, MOVZX; RAX through the VMCB", () => {
    const r = svm([0x8b, 0x07, 0x66, 0x89, 0x07, 0x0f, 0xb6, 0x0f],
      [npf(0x10, false, { rax: WORD }), npf(0x20, true, { rax: WORD }), npf(0x80, false, { regs: { rcx: WORD } })]);
    expect(r.reg(0, "rax")).toBe(0x1122334455661110n);
    expect(r.lines).toContain(wrote(4, 0x20, 0x55667788n));
    expect(r.reg(2, "rcx")).toBe(0x1122334455660080n);
    expect([r.rip(0), r.rip(1), r.rip(2)]).toEqual([0x7c02n, 0x7c05n, 0x7c08n]);
  });

  it("real mode: OR and BT set RFLAGS in the VMCB", () => {
    const r = svm([0x66, 0x83, 0x0f, 0x01, 0x0f, 0xba, 0x27, 0x04], [npf(0x10, true), npf(0x30, false)]);
    expect(r.lines).toContain(wrote(4, 0x10, 0x13121111n));
    expect(r.rflags(0)).toBe(FIXED | PF);
    expect(r.rflags(1)).toBe(FIXED | PF | CF); // 0x3130 bit 4; the other flags kept
  });

  it("long mode: REX.W XCHG and TEST through the 64-bit CS attribute and EFER.LMA", () => {
    const r = svm([0x48, 0x87, 0x07, 0x48, 0xf7, 0x07, 0x00, 0x00, 0x00, 0x80],
      [npf(0x10, true, { rax: WORD }), npf(0x80, false)], `${ON} guest_mode=long64`);
    expect(r.lines).toContain(wrote(8, 0x10, WORD));
    expect(r.reg(0, "rax")).toBe(0x1716151413121110n);
    expect(r.rflags(1)).toBe(FIXED | SF | PF); // 0x8786858483828180 & 0xffffffff80000000 (imm32 sign-extended)
    expect([r.rip(0), r.rip(1)]).toEqual([0x7c03n, 0x7c0an]);
  });

  it("an undecodable instruction stops the VM with its bytes; an unclaimed address with today's report", () => {
    const bad = svm([0x0f, 0x0b], [npf(0x10, false)]);
    expect(bad.lines).toContainEqual(expect.stringMatching(
      /^VM stopped: MMIO at 0xd0000010 \(mmio-scratch\) by an instruction tsvisor does not emulate: bytes 0f 0b 00 /));
    const unclaimed = svm([0x89, 0x07], [{ code: X.NPF, info1: 2n, info2: 0x40000000n }]);
    expect(unclaimed.lines).toContain("VM stopped: guest-physical access at 0x40000000 outside guest RAM (0x1000000 bytes), claimed by no device");
  });

  it("a fault in the walk of the guest's page tables (EXITINFO1 bit 33) is not emulated", () => {
    const r = svm([0x8b, 0x07], [npf(0x10, false, { info1: 1n << 33n })]);
    expect(r.lines).toContain("VM stopped: MMIO at 0xd0000010 (mmio-scratch) by the CPU's walk of the guest's page tables: they are in device memory");
  });
});
