// Scripts of guest accesses to the interrupt controllers, through the real
// exit path of the simulated VT-x CPU (test/sim/scripted-vmx.ts): each step
// is one scripted VM exit and the instruction bytes it stands for, laid
// out from 0x7c00 in the order the exits come, so that the core fetches,
// decodes and emulates each MMIO access itself (kernel/exits/mmio.ts) and
// moves RIP past each instruction. The guest runs in flat 32-bit protected
// mode (guest_mode=protected32), so MOV is a 32-bit access. Every exit
// is at the RIP of its own instruction (as if the guest's #GP handler
// skipped one that faulted) and leaves RFLAGS.IF as the script says (set
// by default), so that a pending
// interrupt is injected at the next entry (VM-entry interruption
// information, SDM Vol. 3C §25.8.3) or an interrupt window is asked for.
import { SimExit, VMCS } from "./hal.js";
import { runGuest, R, ioQual, powerOff } from "./scripted-vmx.js";

export const LAPIC = 0xfee00000n;
export const IOAPIC = 0xfec00000n;
const RFLAGS_IF = 0x200n, RFLAGS_FIXED = 0x2n;

interface Step { exit: SimExit; code: number[] }

export class ApicScript {
  private steps: Step[] = [];
  private interruptsOn = true;

  // RFLAGS.IF for the exits that follow.
  interrupts(on: boolean): this {
    this.interruptsOn = on;
    return this;
  }

  private add(exit: SimExit, code: number[]): number {
    const rip = 0x7c00n + BigInt(this.steps.reduce((n, st) => n + st.code.length, 0));
    exit.fields = { [VMCS.GUEST_RFLAGS]: RFLAGS_FIXED | (this.interruptsOn ? RFLAGS_IF : 0n), [VMCS.GUEST_RIP]: rip, ...exit.fields };
    this.steps.push({ exit, code });
    return this.steps.length - 1;
  }

  // mov [ebx], eax (89 03): an EPT violation for a write (qualification bit 1).
  write(gpa: bigint, value: number | bigint): number {
    return this.add({ reason: R.EPT_VIOLATION, gpa, qualification: 2n, regs: { rax: BigInt(value) } }, [0x89, 0x03]);
  }
  // mov eax, [ebx] (8b 03): a read (bit 0); the value is in RAX at the next entry.
  read(gpa: bigint): number {
    return this.add({ reason: R.EPT_VIOLATION, gpa, qualification: 1n, regs: { rax: 0xdeadn } }, [0x8b, 0x03]);
  }
  // mov al, [ebx] (8a 03): a 1-byte read.
  readByte(gpa: bigint): number {
    return this.add({ reason: R.EPT_VIOLATION, gpa, qualification: 1n, regs: { rax: 0n } }, [0x8a, 0x03]);
  }
  // mov byte [ebx], al (88 03)
  writeByte(gpa: bigint, value: number): number {
    return this.add({ reason: R.EPT_VIOLATION, gpa, qualification: 2n, regs: { rax: BigInt(value) } }, [0x88, 0x03]);
  }
  lapicWrite(offset: number, value: number): number { return this.write(LAPIC + BigInt(offset), value); }
  lapicRead(offset: number): number { return this.read(LAPIC + BigInt(offset)); }
  // I/O APIC register `index` through IOREGSEL and IOWIN (82093AA §3.1).
  ioapicWrite(index: number, value: number): number {
    this.write(IOAPIC, index);
    return this.write(IOAPIC + 0x10n, value);
  }
  ioapicRead(index: number): number {
    this.write(IOAPIC, index);
    return this.read(IOAPIC + 0x10n);
  }
  wrmsr(msr: number, value: bigint): number {
    return this.add({ reason: R.WRMSR, instructionLength: 2, regs: { rcx: BigInt(msr), rax: value & 0xffffffffn, rdx: value >> 32n } }, [0x0f, 0x30]);
  }
  rdmsr(msr: number): number {
    return this.add({ reason: R.RDMSR, instructionLength: 2, regs: { rcx: BigInt(msr), rax: 0n, rdx: 0n } }, [0x0f, 0x32]);
  }
  // out imm8, al (e6 ib)
  out(port: number, value: number): number {
    return this.add({ reason: R.IO, qualification: ioQual(port, 1, false), instructionLength: 2, regs: { rax: BigInt(value) } }, [0xe6, port & 0xff]);
  }
  // Change the value a WRMSR step writes (for a value known only after a first run).
  patchWrmsr(step: number, value: bigint): void {
    const regs = this.steps[step].exit.regs!;
    regs.rax = value & 0xffffffffn;
    regs.rdx = value >> 32n;
  }
  // mov cr8, rax (44 0f 22 c0) and mov rax, cr8 (44 0f 20 c0): CR-access
  // exits, qualification CR 8, type 0 (to) or 1 (from), register RAX
  // (SDM Vol. 3C Table 28-3).
  movToCr8(value: number | bigint): number {
    return this.add({ reason: R.CR, qualification: 8n, instructionLength: 4, regs: { rax: BigInt(value) } }, [0x44, 0x0f, 0x22, 0xc0]);
  }
  movFromCr8(): number {
    return this.add({ reason: R.CR, qualification: 8n | (1n << 4n), instructionLength: 4, regs: { rax: 0xdeadn } }, [0x44, 0x0f, 0x20, 0xc0]);
  }
  // hlt (f4), right after an STI (blocking by STI, interruptibility bit 0)
  // unless `shadow` is false. The vCPU sleeps until an interrupt is pending.
  hlt(shadow = true): number {
    return this.add({ reason: R.HLT, instructionLength: 1, fields: { [VMCS.GUEST_INTERRUPTIBILITY_INFO]: shadow ? 1n : 0n } }, [0xf4]);
  }
  // The guest runs `ticks` of simulated TSC, then exits (on a CPUID).
  wait(ticks: number | bigint): number {
    return this.add({ reason: R.CPUID, instructionLength: 2, tscAdvance: BigInt(ticks), regs: { rax: 0x40000000n, rcx: 0n } }, [0x0f, 0xa2]);
  }

  run(cmdline = "") {
    const code = this.steps.flatMap((s) => s.code);
    const end = 0x7c00n + BigInt(code.length);
    const r = runGuest([...this.steps.map((s) => s.exit), { ...powerOff, fields: { [VMCS.GUEST_RIP]: end } }], undefined, undefined, `guest_mode=protected32 ${cmdline}`.trim(), [...code, 0xe6, 0xf4]);
    const entry = (i: number) => {
      const e = r.hal.entries[i + 1];
      if (!e) throw new Error(`no entry after step ${i}:\n${r.lines.join("\n")}`);
      return e;
    };
    return {
      ...r,
      // RAX after step i (a read's value), as 32 bits.
      value: (i: number) => Number(entry(i).regs.rax & 0xffffffffn),
      // EDX:EAX after step i (an RDMSR's value).
      msr: (i: number) => (entry(i).regs.rdx << 32n) | (entry(i).regs.rax & 0xffffffffn),
      // The event injected on the entry after step i: the vector of an
      // external interrupt, "#GP" for a general-protection fault, or null.
      injected: (i: number): number | "#GP" | null => {
        const info = entry(i).vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD);
        if (info === undefined || (info & (1n << 31n)) === 0n) return null;
        const type = Number((info >> 8n) & 7n);
        const vector = Number(info & 0xffn);
        if (type === 3 && vector === 13) return "#GP";
        if (type !== 0) throw new Error(`step ${i}: event type ${type} vector ${vector}`);
        return vector;
      },
      // Interrupt-window exiting (primary processor-based control bit 2) at the entry after step i.
      windowAsked: (i: number) => ((entry(i).vmcs.get(VMCS.PROC_BASED)! >> 2n) & 1n) === 1n,
      rip: (i: number) => entry(i).vmcs.get(VMCS.GUEST_RIP)!,
      interruptibility: (i: number) => entry(i).vmcs.get(VMCS.GUEST_INTERRUPTIBILITY_INFO) ?? 0n,
    };
  }
}

export type ApicRun = ReturnType<ApicScript["run"]>;
