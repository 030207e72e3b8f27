// A guest that resets the machine boots again in place (kernel/run-guest.ts,
// kernel/machine.ts): zeroed RAM, new devices, the vCPU back in its reset
// state (kernel/vm/vcpu.ts reset and each backend's resetBackend), the
// RTC/CMOS's battery-backed state kept; reboot=no stops instead, and a run
// reboots at most MAX_REBOOTS times. A scripted guest runs on through its
// script after the reset, so a script is one boot's exits and then the
// next boot's.
import { describe, expect, it } from "vitest";
import { bootCore } from "../sim/core.js";
import { typicalPc } from "../sim/multiboot2.js";
import { qemuTcgSvm, skylakeX } from "../sim/cpu-profiles.js";
import { SimExit, SimHal, SvmSimExit, VMCB, VMCS } from "../sim/hal.js";
import { GUEST_RAM_HOST, MODULE_PHYS, R, inb, outb, powerOff } from "../sim/scripted-vmx.js";
import { X, inSequence, svmIn, svmOut, svmPowerOff } from "../sim/scripted-svm.js";
import { exitRow } from "../boot/guest-checks.js";

const REBOOT_2 = "VM: the guest reset the machine (the reset control register, port 0xCF9): rebooting (boot 2)";
const RESET_STOP = "VM stopped: the guest reset the machine (the reset control register, port 0xCF9)";
const POWERED_OFF = "VM stopped: the guest powered off with status 0";
const IMAGE = [0xf4]; // HLT at 0x7c00: never run (the exits are scripted), but loaded at every boot
const MARKER_AT = 0x9000; // where the first boot's guest "wrote" RAM
const CMOS_BYTE = 0x40;   // a byte of the RTC's NVRAM (past the 0x00-0x0d clock registers)

// Boot a scripted guest on either simulated CPU; `onEntry` sees each entry
// with the guest's RAM (guest-physical 0 at index 0), as in test/sim/hal.ts.
function boot(cpu: typeof skylakeX, script: { exits?: SimExit[]; svmExits?: SvmSimExit[] }, cmdline = "",
  onEntry?: (n: number, hal: SimHal, ram: Uint8Array) => void) {
  let hal!: SimHal;
  const ram = new Uint8Array(16 << 20);
  const r = bootCore(cpu, {
    info: typicalPc(512, cmdline, { start: MODULE_PHYS, end: MODULE_PHYS + IMAGE.length, name: "scripted.bin" }),
    setup: (h) => {
      hal = h;
      h.mapPhysical(BigInt(MODULE_PHYS), new Uint8Array(IMAGE));
      h.mapPhysical(GUEST_RAM_HOST, ram);
      h.exits = [...(script.exits ?? [])];
      h.svmExits = [...(script.svmExits ?? [])];
      if (onEntry) h.onEntry = (n) => onEntry(n, h, ram);
    },
  });
  expect(r.error).toBeNull();
  return { ...r, hal, ram };
}

const wrmsr = (msr: number, v: bigint): SimExit =>
  ({ reason: R.WRMSR, instructionLength: 2, regs: { rcx: BigInt(msr), rax: v & 0xffffffffn, rdx: v >> 32n } });
const rdmsr = (msr: number): SimExit => ({ reason: R.RDMSR, instructionLength: 2, regs: { rcx: BigInt(msr) } });
const resetVmx = (fields: Record<number, bigint> = {}): SimExit => ({ ...outb(0xcf9, 0x06), fields });
const vmcb64 = (vmcb: Uint8Array, off: number) => new DataView(vmcb.buffer, vmcb.byteOffset).getBigUint64(off, true);
const PAT_RESET = 0x0007040600070406n;
// An external interrupt, vector 0x20, whose delivery the exit interrupted
// (VMX IDT-vectoring information / SVM EXITINTINFO: valid bit 31, type 0).
const INTERRUPTED_EVENT = 0x80000020n;

describe("a reset through 0xCF9 reboots the guest (VMX)", () => {
  // Boot 1 (entries 0-5): CMOS 0x40 = 0xa5, IA32_TSC and IA32_PAT written,
  // XCR0 = 3, then the reset — on an exit that interrupted an event's
  // delivery. Boot 2 (entries 6-9): CMOS 0x40 read, PAT read, power off.
  const boot1: SimExit[] = [
    outb(0x70, CMOS_BYTE), outb(0x71, 0xa5), wrmsr(0x10, 0n), wrmsr(0x277, 0n),
    { reason: R.XSETBV, instructionLength: 3, regs: { rcx: 0n, rax: 3n, rdx: 0n } },
    resetVmx({ [VMCS.IDT_VECTORING_INFO_FIELD]: INTERRUPTED_EVENT }),
  ];
  const boot2: SimExit[] = [
    { ...outb(0x70, CMOS_BYTE), fields: { [VMCS.IDT_VECTORING_INFO_FIELD]: 0n } }, inb(0x71), rdmsr(0x277), powerOff,
  ];
  const FIRST_OF_BOOT_2 = boot1.length;

  it("boots again: zeroed RAM with the image reloaded, the CMOS byte of the first boot, then powers off with status 0", () => {
    let seen: { marker: number; image: number } | null = null;
    const r = boot(skylakeX, { exits: [...boot1, ...boot2] }, "", (n, hal, ram) => {
      if (n === FIRST_OF_BOOT_2 - 1) {
        // What the first boot's guest did by running: RAM, CR2 (a page
        // fault), the passed-through STAR.
        ram.set([0xde, 0xad, 0xbe, 0xef], MARKER_AT);
        hal.crs.set(2, 0xdead000n);
        hal.msrs.set(0xc0000081, 0x0023001000000000n);
      }
      if (n === FIRST_OF_BOOT_2) seen = { marker: ram[MARKER_AT], image: ram[0x7c00] };
    });
    expect(r.lines).toContain(REBOOT_2);
    expect(r.lines).toContain(POWERED_OFF);
    expect(r.poweredOff).toBe("success");
    expect(seen).toEqual({ marker: 0, image: 0xf4 });
    // The CMOS byte survived; IA32_PAT is back at its power-on value.
    expect(Number(r.hal.entries[FIRST_OF_BOOT_2 + 2].regs.rax & 0xffn)).toBe(0xa5);
    const pat = r.hal.entries[FIRST_OF_BOOT_2 + 3].regs;
    expect((pat.rdx << 32n) | (pat.rax & 0xffffffffn)).toBe(PAT_RESET);
    // Guest RAM zeroed once per boot (its three ranges each time).
    expect(r.hal.zeroed.length).toBe(6);
  });

  it("the vCPU starts the second boot as the first: RIP, registers, TSC offset, no event, CR2, STAR and XCR0 cleared", () => {
    let processor: bigint[] = [];
    const r = boot(skylakeX, { exits: [...boot1, ...boot2] }, "", (n, hal) => {
      if (n === FIRST_OF_BOOT_2 - 1) {
        hal.crs.set(2, 0xdead000n);
        hal.msrs.set(0xc0000081, 0x0023001000000000n);
        processor = [hal.crs.get(2)!, hal.msrs.get(0xc0000081)!, hal.xcr.get(0)!];
      }
      if (n === FIRST_OF_BOOT_2) processor = [hal.crs.get(2)!, hal.msrs.get(0xc0000081)!, hal.xcr.get(0)!];
    });
    // CR2, STAR and XCR0 live in the processor under VMX: back at their reset values.
    expect(processor).toEqual([0n, 0n, 1n]);
    const first = r.hal.entries[0];
    const again = r.hal.entries[FIRST_OF_BOOT_2];
    // The write to IA32_TSC moved the offset in the first boot only.
    expect(r.hal.entries[3].vmcs.get(VMCS.TSC_OFFSET)).not.toBe(0n);
    expect(again.vmcs.get(VMCS.TSC_OFFSET)).toBe(0n);
    // The interrupted event is not delivered again into the new boot.
    expect((again.vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD) ?? 0n) & (1n << 31n)).toBe(0n);
    for (const f of [VMCS.GUEST_RIP, VMCS.GUEST_RSP, VMCS.GUEST_RFLAGS, VMCS.GUEST_CR0, VMCS.GUEST_CR4, VMCS.GUEST_IA32_EFER,
      VMCS.GUEST_INTERRUPTIBILITY_INFO, VMCS.CPU_BASED_VM_EXEC_CONTROL, VMCS.VM_ENTRY_CONTROLS]) {
      expect(again.vmcs.get(f)).toBe(first.vmcs.get(f));
    }
    expect(again.regs).toEqual(first.regs);
    expect(again.regs.rcx).toBe(0n); // the first boot's last WRMSR left 0x277 there
  });

  it("the exit statistics cover both boots, printed once", () => {
    const r = boot(skylakeX, { exits: [...boot1, ...boot2] });
    expect(r.lines.filter((l) => l === "exits by reason:").length).toBe(1);
    expect(exitRow(r.lines, "port I/O")?.[0]).toBe(6); // two OUTs and the reset; an OUT, an IN and the power-off
  });

  it("with reboot=no the reset stops the VM as before", () => {
    const r = boot(skylakeX, { exits: boot1 }, "reboot=no");
    expect(r.lines).toContain(RESET_STOP);
    expect(r.lines.some((l) => l.includes("rebooting"))).toBe(false);
    expect(r.hal.entries.length).toBe(boot1.length);
  });

  it("a reboot= that is neither yes nor no is refused before the guest runs", () => {
    const r = boot(skylakeX, { exits: [] }, "reboot=maybe");
    expect(r.lines).toContain("bad reboot: give yes or no");
    expect(r.hal.entries.length).toBe(0);
  });
});

describe("what the RTC/CMOS keeps across the reset", () => {
  const cmosRead = (index: number): SimExit[] => [outb(0x70, index), inb(0x71)];

  it("its time runs on (seconds read 3 s apart, across the reset); register B's interrupt enables clear, its format stays", () => {
    // Boot 1 reads the seconds, sets register B to PIE | 24-hour | binary
    // (0x46), and resets 3 s of guest time later; boot 2 reads both again.
    const three = 3n * 2_000_000_000n; // the simulated TSC runs at 2 GHz
    const boot1 = [...cmosRead(0x00), outb(0x70, 0x0b), outb(0x71, 0x46), { ...resetVmx(), tscAdvance: three }];
    const boot2 = [...cmosRead(0x00), ...cmosRead(0x0b), powerOff];
    const r = boot(skylakeX, { exits: [...boot1, ...boot2] });
    expect(r.lines).toContain(REBOOT_2);
    const value = (i: number) => Number(r.hal.entries[i + 1].regs.rax & 0xffn);
    const bcd = (v: number) => (v >> 4) * 10 + (v & 0xf);
    const before = bcd(value(1));          // BCD until register B says binary
    const after = value(boot1.length + 1); // binary now
    expect((after - before + 60) % 60).toBe(3);
    expect(value(boot1.length + 3)).toBe(0x06); // 24-hour and binary kept, PIE cleared (datasheet "RESET")
  });
});

describe("the reboot bound", () => {
  it("after 64 reboots the next reset stops the VM with a report, and a failure", () => {
    const resets = Array.from({ length: 65 }, () => outb(0xcf9, 0x06));
    const r = boot(skylakeX, { exits: resets });
    expect(r.lines).toContain("VM: the guest reset the machine (the reset control register, port 0xCF9): rebooting (boot 65)");
    expect(r.lines.some((l) => l.includes("(boot 66)"))).toBe(false);
    expect(r.lines).toContain(
      "VM: the guest reset the machine (the reset control register, port 0xCF9) after 64 reboots, the most one run allows: not rebooting it again");
    expect(r.lines).toContain("VM stopped: the guest kept resetting the machine (the reset control register, port 0xCF9), past the reboot limit");
    expect(r.poweredOff).toBe("failure");
    expect(exitRow(r.lines, "port I/O")?.[0]).toBe(65);
    // Each boot's devices come from linear memory the core never frees:
    // 65 boots fit well inside its 32 MiB.
    expect(r.hal.memory!.buffer.byteLength).toBeLessThan(16 << 20);
  });

  it("is the same under SVM", () => {
    // Each boot starts at 0x7c00: every reset's next RIP is 0x7c01.
    const resets = Array.from({ length: 65 }, () => inSequence([svmOut(0xcf9, 1, 0x06)])[0]);
    const r = boot(qemuTcgSvm, { svmExits: resets });
    expect(r.lines).toContain("VM: the guest reset the machine (the reset control register, port 0xCF9): rebooting (boot 65)");
    expect(r.lines).toContain("VM stopped: the guest kept resetting the machine (the reset control register, port 0xCF9), past the reboot limit");
    expect(r.hal.vmruns.length).toBe(65);
    expect(r.poweredOff).toBe("failure");
  });

  it("the time budget (guest_timeout=) spans the boots", () => {
    // 0.6 s of guest time in each boot: past the 1 s budget in the second.
    const most = 1_200_000_000n;
    const r = boot(skylakeX, { exits: [{ ...resetVmx(), tscAdvance: most }, { ...outb(0x80, 1), tscAdvance: most }, powerOff] },
      "guest_timeout=1");
    expect(r.lines).toContain(REBOOT_2);
    expect(r.lines).toContain("VM stopped: the guest ran past its time budget (guest_timeout=), stopped by the hypervisor");
  });
});

describe("a reset through 0xCF9 reboots the guest (SVM)", () => {
  // Boot 1: CMOS 0x40 = 0x5a, IA32_TSC written, then the reset — on an
  // exit that interrupted an event's delivery, with the guest's CR2 and
  // STAR in the VMCB as VMSAVE left them. Boot 2: CMOS 0x40 read, power off.
  const boot1 = inSequence([svmOut(0x70, 1, CMOS_BYTE), svmOut(0x71, 1, 0x5a)]);
  boot1.push({ code: X.MSR, info1: 1n, rax: 0n, regs: { rcx: 0x10n, rdx: 0n } });
  boot1.push({ ...svmOut(0xcf9, 1, 0x06), info2: 0x7c05n, // past OUT, OUT, WRMSR (2 bytes) and this OUT
    save: { [VMCB.EXITINTINFO]: INTERRUPTED_EVENT, [VMCB.CR2]: 0xdead000n, [VMCB.STAR]: 0x0023001000000000n } });
  const boot2 = inSequence([svmOut(0x70, 1, CMOS_BYTE), svmIn(0x71, 1), svmPowerOff]);
  boot2[0] = { ...boot2[0], save: { [VMCB.EXITINTINFO]: 0n } };
  const FIRST_OF_BOOT_2 = boot1.length;

  it("boots again with zeroed RAM and the first boot's CMOS byte, then powers off with status 0", () => {
    let marker = -1;
    const r = boot(qemuTcgSvm, { svmExits: [...boot1, ...boot2] }, "", (n, _hal, ram) => {
      if (n === FIRST_OF_BOOT_2 - 1) ram[MARKER_AT] = 0xde;
      if (n === FIRST_OF_BOOT_2) marker = ram[MARKER_AT];
    });
    expect(r.lines).toContain(REBOOT_2);
    expect(r.lines).toContain(POWERED_OFF);
    expect(r.poweredOff).toBe("success");
    expect(marker).toBe(0);
    expect(Number(vmcb64(r.hal.vmruns[FIRST_OF_BOOT_2 + 2].vmcb, VMCB.RAX) & 0xffn)).toBe(0x5a);
  });

  it("the VMCB starts the second boot as the first: RIP, TSC offset, no EVENTINJ, CR2 and STAR 0, the TLB flushed", () => {
    const r = boot(qemuTcgSvm, { svmExits: [...boot1, ...boot2] });
    const first = r.hal.vmruns[0].vmcb;
    const again = r.hal.vmruns[FIRST_OF_BOOT_2].vmcb;
    expect(vmcb64(r.hal.vmruns[FIRST_OF_BOOT_2 - 1].vmcb, VMCB.TSC_OFFSET)).not.toBe(0n);
    for (const off of [VMCB.RIP, VMCB.RSP, VMCB.RFLAGS, VMCB.CR0, VMCB.CR4, VMCB.EFER, VMCB.TSC_OFFSET, VMCB.EVENTINJ,
      VMCB.V_INTR, VMCB.INTERRUPT_SHADOW, VMCB.CR2, VMCB.STAR, VMCB.G_PAT]) {
      expect(vmcb64(again, off)).toBe(vmcb64(first, off));
    }
    expect(vmcb64(again, VMCB.EVENTINJ)).toBe(0n);
    expect(again[VMCB.TLB_CONTROL]).toBe(1);
    expect(new DataView(again.buffer, again.byteOffset).getUint32(VMCB.INTERCEPT_MISC1, true) & VMCB.MISC1_VINTR).toBe(0);
  });

  it("with reboot=no the reset stops the VM as before", () => {
    const r = boot(qemuTcgSvm, { svmExits: boot1 }, "reboot=no");
    expect(r.lines).toContain(RESET_STOP);
    expect(r.hal.vmruns.length).toBe(boot1.length);
  });

  it("the 8042's reset pulse reboots too", () => {
    const r = boot(qemuTcgSvm, { svmExits: [...inSequence([svmOut(0x64, 1, 0xfe)]), ...inSequence([svmPowerOff])] });
    expect(r.lines).toContain(
      "VM: the guest reset the machine (the keyboard controller's reset pulse, port 0x64 command 0xFE): rebooting (boot 2)");
    expect(r.poweredOff).toBe("success");
  });
});
