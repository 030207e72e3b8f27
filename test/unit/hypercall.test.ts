// The hypercall ABI (docs/hypercalls.md, kernel/exits/hypercall.ts): VMCALL
// under VMX, VMMCALL under SVM; call number in RAX, arguments in RBX and
// RCX, result in RAX (and RDX); RIP moves past the instruction.
import { describe, expect, it } from "vitest";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { SimExit, VMCS, VMCB } from "../sim/hal.js";
import { runGuest, R, powerOff } from "../sim/scripted-vmx.js";
import { runSvmGuest, X } from "../sim/scripted-svm.js";

const vmcall = (rax: bigint, rbx = 0n, rcx = 0n): SimExit => ({ reason: R.VMCALL, instructionLength: 3, regs: { rax, rbx, rcx } });
const ERROR = 0xffffffffffffffffn;

describe("POWER_OFF (2)", () => {
  it("the power-off hypercall ends the run with the guest's status", () => {
    const r = runGuest([{ reason: R.VMCALL, instructionLength: 3, regs: { rax: 2n, rbx: 7n } }]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 7");
    expect(r.poweredOff).toBe("failure");
  });

  it("VMMCALL POWER_OFF ends the run with the guest's status", () => {
    const r = runSvmGuest(qemuTcgSvm, [{ code: X.VMMCALL, rax: 2n, regs: { rbx: 0n } }], [0x0f, 0x01, 0xd9]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(r.poweredOff).toBe("success");
  });
});

describe("CONSOLE_WRITE (0)", () => {
  const withText = (ram: Uint8Array) => ram.set(Buffer.from("from RAM\n\x01"), 0x9000);

  it("prints the guest's buffer as guest output, unprintable bytes dropped; RAX is the length, RIP moves on", () => {
    const r = runGuest([vmcall(0n, 0x9000n, 10n), powerOff], undefined, withText);
    expect(r.guestLines).toEqual(["from RAM"]);
    expect(r.hal.entries[1].regs.rax).toBe(10n);
    expect(r.hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c03n);
  });

  it.each([
    ["a buffer past the end of guest RAM", 0xfffffcn, 8n],
    ["a buffer outside guest RAM", 0x40000000n, 1n],
    ["more than 4096 bytes", 0x9000n, 4097n],
  ])("%s: RAX = -1, nothing printed", (_n, gpa, len) => {
    const r = runGuest([vmcall(0n, gpa, len), powerOff], undefined, withText);
    expect(r.hal.entries[1].regs.rax).toBe(ERROR);
    expect(r.guestLines).toEqual([]);
  });
});

describe("EXIT_COUNT (1) and unknown calls", () => {
  it("counts the exits of a kind so far, with the ticks spent on them; -1 for no such kind", () => {
    const cpuid: SimExit = { reason: R.CPUID, instructionLength: 2, regs: { rax: 0n, rcx: 0n } };
    const r = runGuest([cpuid, cpuid, vmcall(1n, 4n), vmcall(1n, 20n), powerOff]); // 4: CPUID, 20: past the last kind
    expect(r.hal.entries[3].regs.rax).toBe(2n);
    expect(r.hal.entries[3].regs.rdx > 0n).toBe(true);
    expect(r.hal.entries[4].regs.rax).toBe(ERROR);
  });

  it("an unknown call number returns -1 and the guest goes on past the instruction", () => {
    const r = runGuest([vmcall(99n), powerOff]);
    expect(r.hal.entries[1].regs.rax).toBe(ERROR);
    expect(r.hal.entries[1].vmcs.get(VMCS.GUEST_RIP)).toBe(0x7c03n);
  });

  it("under SVM, VMMCALL is decoded from guest memory without NRIP save (0F 01 D9: 3 bytes)", () => {
    const r = runSvmGuest(qemuTcgSvm, [{ code: X.VMMCALL, rax: 99n }, { code: X.VMMCALL, rax: 2n, regs: { rbx: 0n } }], [0x0f, 0x01, 0xd9]);
    expect(r.hal.vmruns[1].regs.rax).toBe(ERROR);
    expect(new DataView(r.hal.vmruns[1].vmcb.buffer).getBigUint64(VMCB.RIP, true)).toBe(0x7c03n);
  });
});

describe("exit_stats=off (the bench's run without the accounting)", () => {
  it("no exit is counted or timed: EXIT_COUNT reads 0 and the table says it was not kept", () => {
    const cpuid = { reason: R.CPUID, instructionLength: 2, regs: { rax: 0n } };
    const r = runGuest([cpuid, cpuid, vmcall(1n, 4n), powerOff], undefined, undefined, "exit_stats=off");
    expect(r.lines).toContain("VM: exit statistics off (exit_stats=off)");
    expect(r.hal.entries[3].regs.rax).toBe(0n); // CPUID exits counted: none
    expect(r.lines).toContain("exits by reason: not recorded (exit_stats=off)");
    expect(r.lines).not.toContainEqual(expect.stringMatching(/^ {2}CPUID\s+\d/));
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
  });

  it("with the statistics on (the default), the same run counts both CPUIDs", () => {
    const cpuid = { reason: R.CPUID, instructionLength: 2, regs: { rax: 0n } };
    const r = runGuest([cpuid, cpuid, vmcall(1n, 4n), powerOff]);
    expect(r.hal.entries[3].regs.rax).toBe(2n);
    expect(r.lines).toContainEqual(expect.stringMatching(/^ {2}CPUID\s+2\s/));
  });
});
