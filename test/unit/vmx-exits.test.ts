// The VMX backend and the exit handlers, driven through a simulated VMCS:
// each VM entry delivers the next scripted exit, and the state the core
// prepares for the following entry (VMCS fields, guest registers) is checked.
import { describe, expect, it } from "vitest";
import { LINEAR_BASE } from "../sim/core.js";
import { skylakeX } from "../sim/cpu-profiles.js";
import { SimExit, VMCS } from "../sim/hal.js";
import { runGuest, R, ioQual, powerOff, GUEST_RAM_HOST } from "../sim/scripted-vmx.js";

describe("VMCS set-up", () => {
  it("writes the known-good controls for Skylake-X (worked out in vmx-controls.test.ts)", () => {
    const at = runGuest([powerOff]).hal.entries[0].vmcs;
    expect(at.get(VMCS.PIN_BASED)).toBe(0x1fn);
    expect(at.get(VMCS.PROC_BASED)).toBe(0x950061f2n);
    expect(at.get(VMCS.PROC_BASED2)).toBe(0x10aan);
    expect(at.get(VMCS.EXIT_CONTROLS)).toBe(0x336ffbn);
    expect(at.get(VMCS.ENTRY_CONTROLS)).toBe(0x91fbn);
  });

  it("builds EPT entry by entry: 16 MiB of guest RAM as eight 2 MiB write-back pages, nothing else", () => {
    const r = runGuest([powerOff]);
    const eptp = r.hal.entries[0].vmcs.get(VMCS.EPT_POINTER)!;
    expect(eptp & 0xfffn).toBe(0x1en); // WB (6), 4-level walk (3 << 3)
    const mem = new DataView(r.hal.memory!.buffer);
    const entry = (tablePhys: bigint, i: number) => mem.getBigUint64(Number(tablePhys - LINEAR_BASE) + i * 8, true);
    const pml4 = eptp & ~0xfffn;
    const pdpt = entry(pml4, 0) & ~0xfffn;
    expect(entry(pml4, 0) & 0xfffn).toBe(7n); // RWX
    for (let i = 1; i < 512; i++) expect(entry(pml4, i)).toBe(0n);
    const pd = entry(pdpt, 0) & ~0xfffn;
    expect(entry(pdpt, 0) & 0xfffn).toBe(7n);
    expect(entry(pdpt, 1)).toBe(0n);
    for (let i = 0; i < 8; i++) {
      // host 0x2200000 + i * 2 MiB | large page (bit 7) | WB (6 << 3) | RWX
      expect(entry(pd, i)).toBe((GUEST_RAM_HOST + BigInt(i) * 0x200000n) | 0x80n | 0x30n | 7n);
    }
    for (let i = 8; i < 512; i++) expect(entry(pd, i)).toBe(0n);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(r.poweredOff).toBe("success");
  });

  it("loads the image at 0x7c00 and enters real mode there", () => {
    const r = runGuest([powerOff]);
    expect(r.hal.entries[0].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
    const eptp = r.hal.entries[0].vmcs.get(VMCS.EPT_POINTER)!;
    expect(r.lines).toContain(`VMX: EPT pointer 0x${eptp.toString(16)}, VPID 1, unrestricted guest`);
    expect(r.lines).toContain("VM: 16 MiB RAM at host 0x2200000, entry 0000:7c00 (real mode)");
  });
});

describe("guest_ram=", () => {
  it("sizes guest RAM and its EPT mapping: 64 MiB is 32 large pages", () => {
    const r = runGuest([powerOff], skylakeX, undefined, "guest_ram=64");
    expect(r.lines).toContain("VM: 64 MiB RAM at host 0x2200000, entry 0000:7c00 (real mode)");
    const eptp = r.hal.entries[0].vmcs.get(VMCS.EPT_POINTER)! & ~0xfffn;
    const mem = new DataView(r.hal.memory!.buffer);
    const entry = (phys: bigint, i: number) => mem.getBigUint64(Number(phys - LINEAR_BASE) + i * 8, true);
    const pd = entry(entry(eptp, 0) & ~0xfffn, 0) & ~0xfffn;
    expect(entry(pd, 31)).toBe((GUEST_RAM_HOST + 31n * 0x200000n) | 0xb7n);
    expect(entry(pd, 32)).toBe(0n);
  });

  it.each(["3", "0", "2048", "abc", "", "99999999999"])("refuses guest_ram=%s before touching VMX", (v) => {
    const r = runGuest([], skylakeX, undefined, `guest_ram=${v}`);
    expect(r.lines).toContain("bad guest_ram: give an even number of MiB from 2 to 1024");
    expect(r.hal.entries).toEqual([]);
    expect(r.poweredOff).toBe("failure");
  });

  it("refuses guest RAM larger than the machine's usable memory", () => {
    const r = runGuest([], skylakeX, undefined, "guest_ram=1024");
    expect(r.lines).toContain("guest RAM: 1024 MiB at 0x2200000 is not usable RAM; the machine needs more memory");
    expect(r.poweredOff).toBe("failure");
  });
});

describe("exit handlers", () => {
  it("CPUID 0x40000000: the tsvisor signature, and RIP moves past the instruction", () => {
    const { hal } = runGuest([{ reason: R.CPUID, instructionLength: 2, regs: { rax: 0x40000000n, rcx: 0n } }, powerOff]);
    const after = hal.entries[1];
    expect(after.regs.rax).toBe(0x40000001n);
    const sig = Buffer.alloc(12);
    sig.writeUInt32LE(Number(after.regs.rbx), 0);
    sig.writeUInt32LE(Number(after.regs.rcx), 4);
    sig.writeUInt32LE(Number(after.regs.rdx), 8);
    expect(sig.toString("latin1")).toBe("tsvisorTSVI\0");
    expect(after.vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c02n);
  });

  it("CPUID 0x40000001: the TSC frequency the hypervisor calibrated against the PIT", () => {
    // The simulated TSC runs at 2 GHz and the simulated PIT's channel 2
    // counts down against it (test/sim/hal.ts): 10 ms of PIT ticks is
    // 20,000,000 TSC ticks, read in 1000-tick grains (one per port read).
    const r = runGuest([{ reason: R.CPUID, instructionLength: 2, regs: { rax: 0x40000001n, rcx: 0n } }, powerOff]);
    expect(r.lines).toContain("TSC: 2000 MHz, calibrated against the PIT");
    const khz = r.hal.entries[1].regs.rax;
    expect(khz >= 2_000_000n && khz <= 2_000_200n).toBe(true);
  });

  it("CPUID leaf 1: VMX hidden, the hypervisor bit set, OSXSAVE from the guest's CR4 (the whole policy: cpuid-policy.test.ts)", () => {
    const { hal } = runGuest([{ reason: R.CPUID, instructionLength: 2, regs: { rax: 1n, rcx: 0n } }, powerOff]);
    const hostEcx = BigInt(skylakeX.cpuid["0x1"][2] >>> 0);
    expect(hostEcx & ((1n << 5n) | (1n << 27n))).toBe((1n << 5n) | (1n << 27n)); // the host has VMX and OSXSAVE
    const ecx = hal.entries[1].regs.rcx;
    expect(ecx & (1n << 5n)).toBe(0n);
    expect(ecx & (1n << 27n)).toBe(0n); // the guest's CR4 at reset has no OSXSAVE
    expect(ecx & (1n << 31n)).toBe(1n << 31n);
    expect(hal.entries[1].regs.rax).toBe(BigInt(skylakeX.cpuid["0x1"][0]));
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c02n);
  });

  it("RDMSR of an unknown MSR injects #GP(0) in protected mode, and leaves RIP on the instruction", () => {
    const { hal } = runGuest([
      { reason: R.RDMSR, instructionLength: 2, regs: { rcx: 0xc0den }, fields: { [VMCS.GUEST_CR0]: 0x11n } },
      powerOff,
    ]);
    // vector 13 | hardware exception (3 << 8) | deliver error code (1 << 11) | valid (1 << 31)
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x80000b0dn);
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
  });

  it("RDMSR of an unknown MSR in real mode injects #GP without an error code", () => {
    const { hal } = runGuest([{ reason: R.RDMSR, instructionLength: 2, regs: { rcx: 0xc0den } }, powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x8000030dn);
  });

  it("WRMSR then RDMSR of IA32_PAT round-trips through the shadow table", () => {
    const { hal } = runGuest([
      { reason: R.WRMSR, instructionLength: 2, regs: { rcx: 0x277n, rax: 0x00070105n, rdx: 0x00010406n } },
      { reason: R.RDMSR, instructionLength: 2, regs: { rcx: 0x277n, rax: 0n, rdx: 0n } },
      powerOff,
    ]);
    expect(hal.entries[2].regs.rax).toBe(0x00070105n);
    expect(hal.entries[2].regs.rdx).toBe(0x00010406n);
    expect(hal.entries[2].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c04n);
  });

  it("OUT to the UART reaches the console prefixed as guest output", () => {
    const out = (c: string): SimExit => ({ reason: R.IO, qualification: ioQual(0x3f8, 1, false), instructionLength: 1, regs: { rax: BigInt(c.charCodeAt(0)) } });
    const r = runGuest([out("h"), out("i"), out("\n"), powerOff]);
    expect(r.serial).toContain("\nguest: hi\n");
  });

  it("IN from an unclaimed port reads all-ones and keeps RAX's upper bits; the stop report counts it", () => {
    const { hal, lines } = runGuest([
      { reason: R.IO, qualification: ioQual(0x1234, 2, true), instructionLength: 1, regs: { rax: 0x1122334455667788n } },
      { reason: R.IO, qualification: ioQual(0x80, 1, false), instructionLength: 2 },
      powerOff,
    ]);
    expect(hal.entries[1].regs.rax).toBe(0x112233445566ffffn);
    expect(lines).toContain("port bus: 1 reads and 1 writes to ports no device claims");
  });

  it("the exit table counts each kind, with total and mean ticks", () => {
    const cpuid: SimExit = { reason: R.CPUID, instructionLength: 2, regs: { rax: 0n, rcx: 0n } };
    const r = runGuest([cpuid, cpuid, cpuid, powerOff]);
    const row = r.lines.find((l) => l.startsWith("  CPUID "))!.trim().split(/\s+/);
    expect(row[1]).toBe("3");
    expect(Number(row[3])).toBe(Math.floor(Number(row[2]) / 3));
    expect(r.lines.find((l) => l.startsWith("  total "))!.trim().split(/\s+/)[1]).toBe("4");
  });
});

describe("VMX instructions in the guest", () => {
  it.each(["VMXON", "VMREAD", "INVEPT"])("%s raises #UD (VMX is hidden from the guest)", (name) => {
    const { hal } = runGuest([{ reason: R[name], instructionLength: 4 }, powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x80000306n); // #UD, no error code
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
  });
});

describe("string I/O", () => {
  // REP OUTSB (string, REP) to COM1 with a 16-bit address size (instruction info bits 9:7 = 0).
  const repOutsb = (count: bigint, rflags = 2n): SimExit => ({
    reason: R.IO, qualification: ioQual(0x3f8, 1, false) | (1n << 4n) | (1n << 5n), instructionLength: 2,
    regs: { rcx: 0xabcd0000n | count },
    fields: { [VMCS.VMX_INSTRUCTION_INFO]: 0n, [VMCS.GUEST_LINEAR_ADDRESS]: 0x8000n, [VMCS.GUEST_RFLAGS]: rflags },
  });
  const withText = (ram: Uint8Array) => ram.set(Buffer.from("hey\n"), 0x8000);

  it("REP OUTSB sends the buffer to the UART in one exit; RCX's low 16 bits reach 0, RIP moves on", () => {
    const r = runGuest([repOutsb(4n), powerOff], skylakeX, withText);
    expect(r.serial).toContain("\nguest: hey\n");
    expect(r.hal.entries[1].regs.rcx).toBe(0xabcd0000n);
    expect(r.hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c02n);
  });

  it("a REP longer than one chunk leaves RIP on the instruction with RCX counted down", () => {
    const r = runGuest([repOutsb(5000n), powerOff], skylakeX, withText);
    expect(r.hal.entries[1].regs.rcx).toBe(0xabcd0000n | (5000n - 4096n));
    expect(r.hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c00n);
  });

  it("an operand outside guest RAM stops the VM at that address", () => {
    const exit = repOutsb(4n);
    exit.fields![VMCS.GUEST_LINEAR_ADDRESS] = 0x2000000n; // 32 MiB: past the 16 MiB of RAM
    const r = runGuest([exit]);
    expect(r.lines).toContain("VM stopped: guest-physical access at 0x2000000 outside guest RAM (0x1000000 bytes), claimed by no device");
  });
});

describe("CR4 and XSETBV", () => {
  it("XSETBV of a valid XCR0 is loaded by the hypervisor and RIP moves on", () => {
    const { hal } = runGuest([{ reason: R.XSETBV, instructionLength: 3, regs: { rcx: 0n, rax: 3n, rdx: 0n } }, powerOff]);
    expect(hal.xcr.get(0)).toBe(3n);
    expect(hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c03n);
  });

  it.each([
    ["ECX names XCR1", { rcx: 1n, rax: 3n, rdx: 0n }],
    ["x87 bit clear", { rcx: 0n, rax: 2n, rdx: 0n }],
    ["AVX without SSE", { rcx: 0n, rax: 5n, rdx: 0n }],
  ])("XSETBV with %s raises #GP and XCR0 is untouched", (_n, regs) => {
    const { hal } = runGuest([{ reason: R.XSETBV, instructionLength: 3, regs }, powerOff]);
    expect(hal.xcr.get(0)).toBe(1n);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x8000030dn);
  });

  it("MOV to CR4 setting VMXE raises #GP (VMX is hidden from the guest)", () => {
    // qualification: CR4 (4), MOV to CR (type 0), source register RAX (0)
    const { hal } = runGuest([{ reason: R.CR, qualification: 4n, instructionLength: 3, regs: { rax: 0x2020n } }, powerOff]);
    expect(hal.entries[1].vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(0x8000030dn);
  });
});

describe("stops", () => {
  it("an EPT violation outside RAM stops the VM with the guest-physical address", () => {
    const r = runGuest([{ reason: R.EPT_VIOLATION, gpa: 0x40000000n }]);
    expect(r.lines).toContain("VM stopped: guest-physical access at 0x40000000 outside guest RAM (0x1000000 bytes), claimed by no device");
    expect(r.lines).toContain("the hypervisor is still running");
    expect(r.poweredOff).toBe("failure");
  });

  it("a triple fault stops the VM with the registers", () => {
    const r = runGuest([{ reason: R.TRIPLE_FAULT, regs: { rax: 0xdeadn } }]);
    expect(r.lines).toContain("VM stopped: triple fault (the guest shut down after a fault it could not handle)");
    expect(r.lines).toContainEqual(expect.stringContaining("rax=0x000000000000dead"));
  });

  it("a refused VM entry is reported in words", () => {
    const r = runGuest([{ reason: 0, entryStatus: 2 }]);
    expect(r.lines).toContain("VMX: VMLAUNCH failed: VM entry with invalid control field(s) (VM-instruction error 7)");
    expect(r.lines).toContain("VM stopped: the CPU refused to enter the guest (see above)");
  });

  it("the power-off hypercall ends the run with the guest's status", () => {
    const r = runGuest([{ reason: R.VMCALL, instructionLength: 3, regs: { rax: 2n, rbx: 7n } }]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 7");
    expect(r.poweredOff).toBe("failure");
  });
});
