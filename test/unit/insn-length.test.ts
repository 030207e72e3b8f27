// Lengths of intercepted instructions under SVM (kernel/svm/insn-length.ts):
// with NRIP save the CPU gives the next RIP; IOIO always does, in
// EXITINFO2; otherwise the core fetches the bytes at the guest's RIP and
// decodes them. Driven through the real exit path: the guest image at
// 0x7c00 (or guest RAM) holds the bytes, a scripted #VMEXIT of the
// instruction's kind is delivered, and the RIP the core resumes at says the
// length it decoded. Expected lengths are the instructions' encodings in
// the Intel SDM Vol. 2 / AMD APM Vol. 3, counted by hand:
//   CPUID 0F A2 · RDMSR 0F 32 · WRMSR 0F 30 · HLT F4 · XSETBV NP 0F 01 D1 ·
//   VMMCALL 0F 01 D9;
//   legacy prefixes (SDM Vol. 2A §2.1.1): F0 F2 F3 | 2E 36 3E 26 64 65 | 66 | 67;
//   REX 40-4F (§2.2.1) only in 64-bit mode: in 16/32-bit code, compatibility
//   mode included, 40-47 are INC and 48-4F DEC (one-byte opcodes);
//   at most 15 bytes (§2.3.11; longer raises #GP, never the exit); bytes at
//   RIP that do not encode the instruction the exit names cannot be what
//   the CPU exited on, and give that instruction's shortest form.
import { describe, expect, it } from "vitest";
import { epycRome, qemuTcgSvm, CpuProfile } from "../sim/cpu-profiles.js";
import { SvmSimExit, VMCB } from "../sim/hal.js";
import { runSvmGuest, X, ioioOut8, powerOff, realMode, protectedMode, longMode, compatibilityMode } from "../sim/scripted-svm.js";
import { GuestPageTables } from "../sim/guest-paging.js";

const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer).getBigUint64(off, true);
const bytesOf = (hex: string) => (hex ? hex.split(" ").map((b) => parseInt(b, 16)) : []);

// EPYC 7702 as KVM offers it with kvm_amd.nrips=0: no NRIP save
// (CPUID 8000_000AH EDX bit 3), but XSAVE on, so that XSETBV is emulated
// and moves RIP (under QEMU's TCG tsvisor leaves XSAVE off: #UD instead).
const epycNoNrips: CpuProfile = {
  ...epycRome,
  name: "AMD EPYC 7702 without NRIP save",
  cpuid: { ...epycRome.cpuid, "0x8000000a": [0x1, 0x8000, 0, 0x0001bcff & ~(1 << 3)] },
};

type Kind = "CPUID" | "RDMSR" | "WRMSR" | "HLT" | "XSETBV" | "VMMCALL" | "WBINVD" | "INVD";
// One exit of each kind that the core handles by moving RIP past the instruction.
const EXIT: Record<Kind, SvmSimExit> = {
  CPUID: { code: X.CPUID, rax: 0x40000000n, regs: { rcx: 0n } },
  RDMSR: { code: X.MSR, info1: 0n, regs: { rcx: 0x277n } },                           // IA32_PAT
  WRMSR: { code: X.MSR, info1: 1n, rax: 0x00070406n, regs: { rcx: 0x277n, rdx: 0x00070406n } },
  HLT: { code: X.HLT },                                                               // stops the VM: RIP in the report
  XSETBV: { code: X.XSETBV, rax: 3n, regs: { rcx: 0n, rdx: 0n } },                   // x87 | SSE
  VMMCALL: { code: X.VMMCALL, rax: 1n, regs: { rbx: 0n } },                          // EXIT_COUNT: resumes
  WBINVD: { code: X.WBINVD },
  INVD: { code: X.INVD },
};

type Mode = "real" | "protected" | "64-bit" | "compatibility";
const TABLES = 0x100000;

// The modes with paging on run over one 1 GiB page identity-mapping the first GiB.
function identityPaging(ram: Uint8Array): bigint {
  const t = new GuestPageTables(ram, TABLES);
  t.map(0n, 0n, "1G");
  return t.cr3;
}

// Deliver one exit of `kind` at `rip` with `bytes` there; return how far the core moved RIP.
function decode(kind: Kind, bytes: number[], mode: Mode = "real", rip = 0x7c00n): number {
  const atImage = rip === 0x7c00n; // the image is loaded there; elsewhere the bytes go into guest RAM
  const ram = (r: Uint8Array) => {
    if (mode === "64-bit" || mode === "compatibility") identityPaging(r);
    if (!atImage && bytes.length) r.set(bytes, Number(rip));
  };
  const o = atImage ? {} : { rip };
  const cr3 = BigInt(TABLES);
  const save = mode === "real" ? realMode(o) : mode === "protected" ? protectedMode(o)
    : mode === "64-bit" ? longMode(cr3, o) : compatibilityMode(cr3, o);
  const cpu = kind === "XSETBV" ? epycNoNrips : qemuTcgSvm;
  const r = runSvmGuest(cpu, [{ ...EXIT[kind], save }, powerOff], atImage ? bytes : [0xf4], "", ram);
  if (kind === "HLT") {
    const m = r.lines.map((l) => /halted .* at rip (0x[0-9a-f]+)$/.exec(l)).find((x) => x);
    expect(m, r.lines.join("\n")).toBeTruthy();
    return Number(BigInt(m![1]) - rip);
  }
  expect(r.hal.vmruns.length, r.lines.join("\n")).toBeGreaterThanOrEqual(2);
  if (kind === "CPUID") expect(r.hal.vmruns[1].regs.rax).toBe(0x40000001n); // the handler ran
  if (kind === "XSETBV") expect(r.hal.xcr.get(0)).toBe(3n);
  return Number(u64(r.hal.vmruns[1].vmcb, VMCB.RIP) - rip);
}

const len = (kind: Kind, hex: string, mode: Mode = "real", rip?: bigint) => decode(kind, bytesOf(hex), mode, rip);

describe("where the length comes from", () => {
  const cpuidExit: SvmSimExit = { code: X.CPUID, rax: 0x40000000n, regs: { rcx: 0n } };

  it.each([
    ["plain CPUID", [0x0f, 0xa2], 2],
    ["CPUID with operand-size and segment prefixes", [0x2e, 0x66, 0x0f, 0xa2], 4],
    ["bytes that are not CPUID: the shortest form", [0x90, 0x90, 0x90], 2],
  ])("without NRIP save, decoded from guest memory: %s", (_n, bytes, len) => {
    const { hal } = runSvmGuest(qemuTcgSvm, [cpuidExit, powerOff], bytes as number[]);
    expect(u64(hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c00n + BigInt(len as number));
    expect(hal.vmruns[1].regs.rax).toBe(0x40000001n);
  });

  it("with NRIP save, the CPU's next RIP is used whatever the bytes", () => {
    const { hal } = runSvmGuest(epycRome, [{ ...cpuidExit, nrip: 0x7c05n }, powerOff], [0x0f, 0xa2]);
    expect(u64(hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c05n);
  });

  it("IOIO takes the next RIP from EXITINFO2 even without NRIP save", () => {
    const out = (c: number): SvmSimExit => ({ code: X.IOIO, info1: ioioOut8(0x3f8), info2: 0x7c01n, rax: BigInt(c) });
    const r = runSvmGuest(qemuTcgSvm, [out(0x6f), out(0x6b), out(0x0a), powerOff]);
    expect(r.guestLines).toEqual(["ok"]);
    expect(u64(r.hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c01n);
  });
});

describe("CPUID (0F A2) and its prefixes", () => {
  it.each([
    ["0F A2", 2],
    ["66 0F A2", 3], // operand size
    ["67 0F A2", 3], // address size
    ["F3 0F A2", 3], // REP: ignored on CPUID, but part of it
    ["F2 0F A2", 3], // REPNE
    ["26 0F A2", 3], ["2E 0F A2", 3], ["36 0F A2", 3], ["3E 0F A2", 3], ["64 0F A2", 3], ["65 0F A2", 3], // segment overrides
    ["2E 66 0F A2", 4],
    ["26 67 66 F3 0F A2", 6],
    ["64 65 66 67 F2 F3 0F A2", 8], // one of every group, and two of group 1
    ["66 66 66 0F A2", 5],          // a prefix repeated
  ])("%s: length %i", (hex, n) => {
    expect(len("CPUID", hex)).toBe(n);
  });

  it("15 bytes, the architectural limit: 13 prefixes and 0F A2", () => {
    expect(len("CPUID", "66 67 2E 3E 26 36 64 65 F3 F2 66 67 2E 0F A2")).toBe(15);
  });

  it("16 bytes cannot be one instruction (the CPU raises #GP): 14 prefixes and 0F A2 give the shortest form", () => {
    expect(len("CPUID", "66 67 2E 3E 26 36 64 65 F3 F2 66 67 2E 3E 0F A2")).toBe(2);
  });

  it.each([
    ["90 90 90", "NOPs"],
    ["0F A3 C0", "BT, the next opcode in the 0F map"],
    ["0F 0F A2", "0F then the wrong byte"],
    ["66 90 0F A2", "a prefixed NOP before a CPUID (the exit would be for the CPUID, two bytes on)"],
    ["0F 32", "RDMSR"],
    ["66", "a lone prefix, then the zeros of empty RAM"],
  ])("%s (%s) is not CPUID at RIP: the shortest form, 2", (hex) => {
    expect(len("CPUID", hex)).toBe(2);
  });
});

describe("the other intercepted instructions", () => {
  it.each([
    ["RDMSR", "0F 32", 2], ["RDMSR", "3E 0F 32", 3], ["RDMSR", "0F A2", 2],
    ["WRMSR", "0F 30", 2], ["WRMSR", "67 66 0F 30", 4], ["WRMSR", "0F 32", 2],
    ["HLT", "F4", 1], ["HLT", "2E F4", 2], ["HLT", "3E 3E F4", 3], ["HLT", "0F A2", 1],
    ["XSETBV", "0F 01 D1", 3], ["XSETBV", "26 0F 01 D1", 4], ["XSETBV", "67 0F 01 D1", 4],
    ["XSETBV", "0F 01 D0", 3], // XGETBV: not XSETBV, the shortest form
    ["VMMCALL", "0F 01 D9", 3], ["VMMCALL", "3E 0F 01 D9", 4], ["VMMCALL", "2E 67 0F 01 D9", 5],
    ["VMMCALL", "66 0F 01 C1", 3], // Intel's VMCALL: not VMMCALL, the shortest form
    ["VMMCALL", "0F 01 D8", 3],    // VMRUN
    // INVD (0F 08) and WBINVD (0F 09) share one exit kind: either opcode is
    // decoded for either exit code (they once moved RIP by 0, forever).
    ["WBINVD", "0F 09", 2], ["WBINVD", "2E 0F 09", 3], ["INVD", "0F 08", 2], ["INVD", "3E 66 0F 08", 4],
    ["WBINVD", "90 90", 2], // not the instruction: the shortest form, never 0
  ] as const)("%s %s: length %i", (kind, hex, n) => {
    expect(len(kind, hex)).toBe(n);
  });
});

describe("REX (40-4F): a prefix in 64-bit mode only", () => {
  it.each([
    ["0F A2", 2],
    ["48 0F A2", 3], // REX.W
    ["40 0F A2", 3], // REX with no bits
    ["4F 0F A2", 3], // REX.WRXB
    ["66 48 0F A2", 4],
    ["F3 41 0F A2", 4],
    ["48 66 0F A2", 4], // a REX not right before the opcode is ignored (SDM Vol. 2A §2.2.1), but is part of the instruction
  ])("64-bit mode: CPUID %s: length %i", (hex, n) => {
    expect(len("CPUID", hex, "64-bit")).toBe(n);
  });

  it.each([
    ["RDMSR", "48 0F 32", 3], ["WRMSR", "48 0F 30", 3], ["HLT", "41 F4", 2],
    ["XSETBV", "48 0F 01 D1", 4], ["VMMCALL", "48 0F 01 D9", 4],
  ] as const)("64-bit mode: %s %s: length %i", (kind, hex, n) => {
    expect(len(kind, hex, "64-bit")).toBe(n);
  });

  it.each([
    ["real", "48 0F A2"],          // DEC AX
    ["real", "40 0F A2"],          // INC AX
    ["protected", "48 0F A2"],     // DEC EAX
    ["protected", "4F 0F A2"],     // DEC EDI
    ["compatibility", "48 0F A2"], // long mode active, but 32-bit code: DEC EAX
    ["compatibility", "66 40 0F A2"],
  ] as const)("%s mode: %s is not CPUID at RIP (40-4F is INC/DEC): the shortest form, 2", (mode, hex) => {
    expect(len("CPUID", hex, mode)).toBe(2);
  });

  it("legacy prefixes count the same in 64-bit and compatibility mode", () => {
    expect(len("CPUID", "66 0F A2", "64-bit")).toBe(3);
    expect(len("CPUID", "66 0F A2", "compatibility")).toBe(3);
  });
});

describe("at the end of guest RAM (16 MiB, 0x1000000)", () => {
  it("an instruction whose last byte is RAM's last byte is decoded in full", () => {
    expect(len("CPUID", "66 0F A2", "protected", 0xfffffdn)).toBe(3);
    expect(len("HLT", "2E F4", "protected", 0xfffffen)).toBe(2);
  });

  it("one cut short by the end of RAM is not read past it: the shortest form", () => {
    expect(len("CPUID", "66 0F", "protected", 0xfffffen)).toBe(2);
    expect(len("CPUID", "66", "protected", 0xffffffn)).toBe(2);
  });

  it("RIP outside guest RAM: nothing to fetch, the shortest form", () => {
    expect(len("CPUID", "", "protected", 0x1000000n)).toBe(2);
    expect(len("VMMCALL", "", "protected", 0xfffffff0n)).toBe(3);
  });
});
