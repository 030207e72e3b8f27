// The guest's local APIC (drivers/lapic/), through the real exit path: its
// xAPIC registers by scripted EPT violations at 0xFEE00000 whose
// instructions the core decodes from the guest image, its x2APIC
// registers by scripted RDMSR/WRMSR (test/sim/apic-script.ts). Expected
// values are the Intel SDM Vol. 3A's (§12.4-§12.12): reset state, priority,
// IRR → ISR → EOI, IPIs to self, x2APIC and IA32_APIC_BASE, the 8259
// behind LINT0, CR8; the timer: lapic-timer.test.ts.
import { describe, expect, it } from "vitest";
import { ApicScript, LAPIC } from "../sim/apic-script.js";
import { SvmSimExit, VMCB, VMCS } from "../sim/hal.js";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { runSvmGuest, svmPowerOff, X } from "../sim/scripted-svm.js";

// Register offsets (SDM Table 12-1) and x2APIC MSRs (Table 12-6).
const ID = 0x20, VER = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xa0, EOI = 0xb0, LDR = 0xd0, DFR = 0xe0, SVR = 0xf0;
const ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280, ICR_LO = 0x300, ICR_HI = 0x310;
const LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERF = 0x340, LVT_LINT0 = 0x350, LVT_LINT1 = 0x360, LVT_ERROR = 0x370;
const INITIAL = 0x380, CURRENT = 0x390, DIVIDE = 0x3e0;
const IA32_TSC = 0x10, IA32_APIC_BASE = 0x1b, IA32_TSC_DEADLINE = 0x6e0;
const x2 = (offset: number) => 0x800 + offset / 16;
// The 32-bit word of IRR/ISR/TMR holding `v`, and its bit (SDM Figure 12-20).
const word = (base: number, v: number) => base + 0x10 * (v >> 5);
const bitOf = (v: number) => (1 << (v & 31)) >>> 0;
const enable = (s: ApicScript) => s.lapicWrite(SVR, 0x1ff); // software enable, spurious vector 0xFF (SDM §12.9)

describe("reset state (SDM §12.4.7.1)", () => {
  it("ID 0, version 0x00050014, TPR/PPR 0, DFR all ones, SVR 0xFF, every LVT masked, timer and ICR 0", () => {
    const s = new ApicScript();
    const offsets = [ID, VER, TPR, APR, PPR, LDR, DFR, SVR, ESR, ICR_LO, ICR_HI,
      LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, INITIAL, CURRENT, DIVIDE, IRR, ISR, TMR];
    const reads = offsets.map((o) => s.lapicRead(o));
    const base = s.rdmsr(IA32_APIC_BASE);
    const r = s.run();
    expect(reads.map(r.value)).toEqual([0, 0x00050014, 0, 0, 0, 0, 0xffffffff, 0xff, 0, 0, 0,
      0x10000, 0x10000, 0x10000, 0x10000, 0x10000, 0x10000, 0, 0, 0, 0, 0, 0]);
    expect(r.msr(base)).toBe(0xfee00900n); // base 0xFEE00000, EN (11), BSP (8): SDM §12.4.4
  });

  it("a narrower read inside a register gets its bytes; bytes 4-15 of a slot read 0", () => {
    const s = new ApicScript();
    const b = s.readByte(LAPIC + BigInt(VER + 2));
    const far = s.lapicRead(VER + 4);
    const r = s.run();
    expect(r.value(b) & 0xff).toBe(0x05); // Max LVT Entry, bits 23:16
    expect(r.value(far)).toBe(0);
  });

  it("software-disabled: an LVT cannot be unmasked and a self-IPI is not accepted (SDM §12.4.7.2)", () => {
    const s = new ApicScript();
    s.lapicWrite(LVT_TIMER, 0x40);
    const lvt = s.lapicRead(LVT_TIMER);
    s.lapicWrite(ICR_LO, 0x00040041); // fixed, vector 0x41, shorthand self
    const irr = s.lapicRead(word(IRR, 0x41));
    const r = s.run();
    expect(r.value(lvt)).toBe(0x10040);
    expect(r.value(irr)).toBe(0);
  });

  it("clearing the software enable masks every LVT entry again", () => {
    const s = new ApicScript();
    enable(s);
    s.lapicWrite(LVT_LINT0, 0x700);
    const on = s.lapicRead(LVT_LINT0);
    s.lapicWrite(SVR, 0xff);
    const off = s.lapicRead(LVT_LINT0);
    const r = s.run();
    expect([r.value(on), r.value(off)]).toEqual([0x700, 0x10700]);
  });
});

describe("priority: TPR, PPR, APR (SDM §12.8.3.1, §12.6.2.4)", () => {
  it("TPR reads back its 8 bits; PPR is TPR while nothing is in service", () => {
    const s = new ApicScript();
    s.lapicWrite(TPR, 0xffffff35);
    const [tpr, ppr, apr] = [s.lapicRead(TPR), s.lapicRead(PPR), s.lapicRead(APR)];
    const r = s.run();
    expect([r.value(tpr), r.value(ppr), r.value(apr)]).toEqual([0x35, 0x35, 0x35]);
  });

  it("PPR is the in-service class when it is above TPR's; a vector at or below PPR's class waits", () => {
    const s = new ApicScript().interrupts(false);
    enable(s);
    s.lapicWrite(TPR, 0x20);
    s.lapicWrite(ICR_LO, 0x00040071);          // self-IPI 0x71
    s.interrupts(true);
    const taken = s.wait(1000);                // IF set: 0x71 is injected, now in service
    const ppr = s.lapicRead(PPR);
    s.lapicWrite(ICR_LO, 0x00040075);          // same class as the one in service: waits
    const held = s.wait(1000);
    s.lapicWrite(TPR, 0x80);
    const ppr2 = s.lapicRead(PPR);
    s.lapicWrite(EOI, 0);                      // 0x71 ends; TPR 0x80 still holds 0x75 back
    const still = s.wait(1000);
    const go = s.lapicWrite(TPR, 0x00);
    const r = s.run();
    expect(r.injected(taken)).toBe(0x71);
    expect(r.value(ppr)).toBe(0x70);
    expect(r.injected(held)).toBeNull();
    expect(r.value(ppr2)).toBe(0x80);
    expect(r.injected(still)).toBeNull();
    expect(r.injected(go)).toBe(0x75); // TPR 0: 0x75 goes in
  });
});

describe("CR8 is TPR[7:4] (SDM §12.8.6.1)", () => {
  it("VMX: MOV to CR8 sets TPR[7:4] and clears TPR[3:0]; MOV from CR8 reads TPR[7:4]; bits 63:4 reserved (#GP)", () => {
    const s = new ApicScript();
    s.lapicWrite(TPR, 0x3f);
    const from = s.movFromCr8();
    const to = s.movToCr8(5);
    const [tpr, ppr] = [s.lapicRead(TPR), s.lapicRead(PPR)];
    const bad = s.movToCr8(0x10);
    const still = s.lapicRead(TPR);
    const r = s.run();
    expect(r.value(from)).toBe(3);
    expect(r.injected(to)).toBeNull();
    expect(r.rip(to)).toBe(0x7c0an);             // past the 4-byte MOV
    expect([r.value(tpr), r.value(ppr)]).toEqual([0x50, 0x50]);
    expect(r.injected(bad)).toBe("#GP");
    expect(r.value(still)).toBe(0x50);
    expect(r.hal.entries[0].vmcs.get(VMCS.PROC_BASED)! & (3n << 19n)).toBe(3n << 19n); // CR8-load/store exiting
  });

  it("VMX: a vector whose class is not above CR8 waits until CR8 drops", () => {
    const s = new ApicScript();
    enable(s);
    s.movToCr8(5);
    const held = s.lapicWrite(ICR_LO, 0x00040045);
    const go = s.movToCr8(0);
    const r = s.run();
    expect(r.injected(held)).toBeNull();
    expect(r.injected(go)).toBe(0x45);
  });
});

describe("IRR → ISR → EOI across priority classes (SDM §12.8.4, §12.8.5)", () => {
  it("the highest vector goes first; a lower class waits for the EOI of a higher one; EOI ends the highest in service", () => {
    const s = new ApicScript().interrupts(false);
    enable(s);
    for (const v of [0x41, 0x52, 0x35, 0x5f]) s.lapicWrite(ICR_LO, 0x00040000 | v);
    const irr1 = s.lapicRead(word(IRR, 0x41)), irr2 = s.lapicRead(word(IRR, 0x52));
    const window = s.wait(1000);               // IF clear: an interrupt window is asked for
    s.interrupts(true);
    const first = s.wait(1000);                // 0x5f
    const second = s.wait(1000);               // 0x52 is the same class (5) as 0x5f in service: held
    const isr = s.lapicRead(word(ISR, 0x5f));
    const eoi1 = s.lapicWrite(EOI, 0);         // 0x5f ends: 0x52 goes in
    const ppr = s.lapicRead(PPR);
    const eoi2 = s.lapicWrite(EOI, 0);         // then 0x41
    const eoi3 = s.lapicWrite(EOI, 0);         // then 0x35
    const eoi4 = s.lapicWrite(EOI, 0);
    const isrAfter = [0x35, 0x41, 0x52, 0x5f].map((v) => s.lapicRead(word(ISR, v)));
    const r = s.run();
    expect(r.value(irr1)).toBe((bitOf(0x41) | bitOf(0x52) | bitOf(0x5f)) >>> 0); // 0x41-0x5f share IRR word 2
    expect(r.value(irr2)).toBe(r.value(irr1));
    expect(r.injected(window)).toBeNull();
    expect(r.windowAsked(window)).toBe(true);
    expect(r.injected(first)).toBe(0x5f);
    expect(r.injected(second)).toBeNull();
    expect(r.value(isr)).toBe(bitOf(0x5f));
    expect(r.injected(eoi1)).toBe(0x52);
    expect(r.value(ppr)).toBe(0x50);            // 0x52 in service
    expect(r.injected(eoi2)).toBe(0x41);
    expect(r.injected(eoi3)).toBe(0x35);
    expect(r.injected(eoi4)).toBeNull();
    expect(isrAfter.map(r.value)).toEqual([0, 0, 0, 0]);
  });

  it("edge-triggered vectors leave TMR clear, and an EOI with nothing in service does nothing", () => {
    const s = new ApicScript();
    s.lapicWrite(EOI, 0);
    enable(s);
    s.lapicWrite(ICR_LO, 0x00040061);
    const tmr = s.lapicRead(word(TMR, 0x61));
    const r = s.run();
    expect(r.value(tmr)).toBe(0);
  });
});

describe("errors (SDM §12.5.3)", () => {
  it("an IPI with an illegal vector (0-15) sets Send Illegal Vector; a reserved register, Illegal Register Address", () => {
    const s = new ApicScript();
    enable(s);
    s.lapicWrite(ICR_LO, 0x00040005);
    s.lapicWrite(ESR, 0);
    const e1 = s.lapicRead(ESR);
    s.lapicRead(0x290);                        // reserved (Table 12-1)
    s.lapicWrite(ESR, 0);
    const e2 = s.lapicRead(ESR);
    s.lapicWrite(ESR, 0);
    const e3 = s.lapicRead(ESR);
    const r = s.run();
    expect([r.value(e1), r.value(e2), r.value(e3)]).toEqual([0x20, 0x80, 0]);
  });
});

describe("IPIs to self through the ICR (SDM §12.6.1)", () => {
  it("shorthand self, all-including-self, and a physical destination that is this APIC (ID 0); not others", () => {
    const s = new ApicScript().interrupts(false);
    enable(s);
    s.lapicWrite(ICR_LO, 0x00040050);          // self
    s.lapicWrite(ICR_LO, 0x00080051);          // all including self
    s.lapicWrite(ICR_LO, 0x000c0052);          // all excluding self: nobody
    s.lapicWrite(ICR_HI, 0x00000000);
    s.lapicWrite(ICR_LO, 0x00000053);          // physical, destination 0
    s.lapicWrite(ICR_HI, 0x01000000);
    s.lapicWrite(ICR_LO, 0x00000054);          // physical, destination 1: nobody
    s.lapicWrite(ICR_HI, 0xff000000);
    s.lapicWrite(ICR_LO, 0x00000055);          // broadcast
    s.lapicWrite(LDR, 0x01000000);
    s.lapicWrite(ICR_HI, 0x01000000);
    s.lapicWrite(ICR_LO, 0x00000856);          // logical, flat model, LDR bit 0
    s.lapicWrite(ICR_LO, 0x00000457);          // NMI: not delivered here
    const irr = s.lapicRead(word(IRR, 0x50));
    const icr = s.lapicRead(ICR_LO);
    const r = s.run();
    expect(r.value(irr)).toBe((bitOf(0x50) | bitOf(0x51) | bitOf(0x53) | bitOf(0x55) | bitOf(0x56)) >>> 0);
    expect(r.value(icr)).toBe(0x00000457);     // delivery status (bit 12) idle
  });
});

describe("x2APIC (SDM §12.12)", () => {
  const GP = "#GP";
  const X2APIC_ON = 0xfee00d00n; // EN | EXTD | BSP

  it("its MSRs raise #GP in xAPIC mode", () => {
    const s = new ApicScript();
    const id = s.rdmsr(x2(ID));
    const r = s.run();
    expect(r.injected(id)).toBe(GP);
    expect(r.rip(id)).toBe(0x7c00n);
  });

  it("ID, version, the derived LDR; the xAPIC page reads all ones; #GP for the MSRs Table 12-6 lacks and for WO/RO misuse", () => {
    const s = new ApicScript();
    const on = s.wrmsr(IA32_APIC_BASE, X2APIC_ON);
    const base = s.rdmsr(IA32_APIC_BASE);
    const [id, ver, ldr, svr] = [x2(ID), x2(VER), x2(LDR), x2(SVR)].map((m) => s.rdmsr(m));
    const page = s.lapicRead(VER);
    const faults = [
      s.rdmsr(x2(DFR)), s.rdmsr(x2(APR)), s.rdmsr(x2(ICR_HI)), s.rdmsr(x2(EOI)), s.rdmsr(0x83f),
      s.wrmsr(x2(ID), 1n), s.wrmsr(x2(PPR), 0n), s.wrmsr(x2(EOI), 1n), s.wrmsr(x2(TPR), 0x100n),
      s.wrmsr(x2(TPR), 1n << 32n), s.wrmsr(x2(ESR), 1n),
    ];
    const r = s.run();
    expect(r.injected(on)).toBeNull();
    expect(r.msr(base)).toBe(X2APIC_ON);
    expect([id, ver, ldr, svr].map(r.msr)).toEqual([0n, 0x00050014n, 0x1n, 0xffn]);
    expect(r.value(page)).toBe(0xffffffff);
    expect(faults.map(r.injected)).toEqual(faults.map(() => GP));
  });

  it("SELF IPI (83FH) and the 64-bit ICR (830H) reach the IRR; EOI by MSR", () => {
    const s = new ApicScript().interrupts(false);
    s.wrmsr(IA32_APIC_BASE, X2APIC_ON);
    s.wrmsr(x2(SVR), 0x1ffn);
    s.wrmsr(0x83f, 0x45n);
    s.wrmsr(0x830, 0x00040046n);               // self
    s.wrmsr(0x830, (0n << 32n) | 0x47n);       // physical, x2APIC ID 0
    s.wrmsr(0x830, (1n << 32n) | 0x48n);       // ID 1: nobody
    const irr = s.rdmsr(x2(word(IRR, 0x45)));
    const icr = s.rdmsr(0x830);
    s.interrupts(true);
    const taken = s.wait(1000);
    const eoi = s.wrmsr(x2(EOI), 0n);
    const r = s.run();
    expect(r.msr(irr)).toBe(BigInt(bitOf(0x45) | bitOf(0x46) | bitOf(0x47)));
    expect(r.msr(icr)).toBe((1n << 32n) | 0x48n);
    expect(r.injected(taken)).toBe(0x47);
    expect(r.injected(eoi)).toBe(0x46);
  });
});

describe("IA32_APIC_BASE (SDM §12.4.4, §12.12.5)", () => {
  const GP = "#GP";
  it("refuses x2APIC → xAPIC, disabled → x2APIC, EXTD without EN and reserved bits; disabling resets the APIC", () => {
    const s = new ApicScript();
    enable(s);
    s.lapicWrite(TPR, 0x40);
    const steps = [
      s.wrmsr(IA32_APIC_BASE, 0xfee00500n),   // EXTD without EN: invalid
      s.wrmsr(IA32_APIC_BASE, 0xfee00b00n),   // bit 9 reserved
      s.wrmsr(IA32_APIC_BASE, 0xfee00d00n),   // xAPIC → x2APIC
      s.wrmsr(IA32_APIC_BASE, 0xfee00900n),   // x2APIC → xAPIC: invalid
      s.wrmsr(IA32_APIC_BASE, 0xfee00100n),   // x2APIC → disabled
      s.wrmsr(IA32_APIC_BASE, 0xfee00d00n),   // disabled → x2APIC: invalid
      s.wrmsr(IA32_APIC_BASE, 0xfee00900n),   // disabled → xAPIC
    ];
    const [tpr, svr] = [s.lapicRead(TPR), s.lapicRead(SVR)];
    const r = s.run();
    expect(steps.map(r.injected)).toEqual([GP, GP, null, GP, null, GP, null]);
    expect([r.value(tpr), r.value(svr)]).toEqual([0, 0xff]);
  });

  it("a new base moves the xAPIC page (the old one reads all-ones); a base in guest RAM is refused", () => {
    const s = new ApicScript();
    const moved = s.wrmsr(IA32_APIC_BASE, 0xfed00900n);
    const ver = s.read(0xfed00030n);
    const intoRam = s.wrmsr(IA32_APIC_BASE, 0x00100900n);
    const base = s.rdmsr(IA32_APIC_BASE);
    const gone = s.read(LAPIC + 0x30n);        // nothing there any more: the MMIO window's all-ones
    const r = s.run();
    expect(r.injected(moved)).toBeNull();
    expect(r.value(ver)).toBe(0x00050014);
    expect(r.injected(intoRam)).toBe(GP);
    expect(r.msr(base)).toBe(0xfed00900n);
    expect(r.value(gone)).toBe(0xffffffff);
  });
});

describe("the 8259 behind LINT0 (SDM §12.5.1 ExtINT)", () => {
  // The pair initialized as pit-irq does (vectors 0x20/0x28, only IRQ 0 unmasked) and the
  // PIT at 100 Hz: its first IRQ 0 edge comes 10 ms (20,000,000 ticks) after the count.
  const pic = (s: ApicScript) => {
    for (const [p, v] of [[0x20, 0x11], [0xa0, 0x11], [0x21, 0x20], [0xa1, 0x28], [0x21, 0x04], [0xa1, 0x02],
      [0x21, 0x01], [0xa1, 0x01], [0x21, 0xfe], [0xa1, 0xff]] as const) s.out(p, v);
    s.out(0x43, 0x34);                         // PIT channel 0, mode 2, count 11932: 100 Hz
    s.out(0x40, 11932 & 0xff);
    s.out(0x40, 11932 >> 8);
  };

  it("software-disabled (as after reset): the 8259's INTR passes through, virtual wire", () => {
    const s = new ApicScript();
    pic(s);
    const tick = s.wait(20_100_000);
    const r = s.run();
    expect(r.injected(tick)).toBe(0x20);
    expect(r.lines).toContainEqual(expect.stringMatching(/^ {2}0x20 {4}IRQ {2}0 {12}1$/));
  });

  it("software-enabled: LINT0 masked ignores the 8259; LINT0 ExtINT (0x700) hears it", () => {
    const s = new ApicScript();
    pic(s);
    enable(s);
    const masked = s.wait(20_100_000);
    const open = s.lapicWrite(LVT_LINT0, 0x700);
    const r = s.run();
    expect(r.injected(masked)).toBeNull();
    expect(r.injected(open)).toBe(0x20);
  });

  it("globally disabled (IA32_APIC_BASE.EN clear): LINT0 is the INTR pin", () => {
    const s = new ApicScript();
    pic(s);
    enable(s);
    const off = s.wrmsr(IA32_APIC_BASE, 0xfee00100n);
    const tick = s.wait(20_100_000);
    const r = s.run();
    expect(r.injected(off)).toBeNull();
    expect(r.injected(tick)).toBe(0x20);
  });
});

// The same device under SVM, on QEMU TCG's CPU (no NRIP save, no decode
// assists): #NPF at the APIC page with the instruction decoded for its
// length, MSR intercepts, and an injection through EVENTINJ.
describe("under SVM (#NPF, MSR intercepts, EVENTINJ)", () => {
  const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer).getBigUint64(off, true);
  const IF = { [VMCB.RFLAGS]: 0x202n };
  const npf = (offset: number, write: boolean, rax = 0n): SvmSimExit =>
    ({ code: X.NPF, info1: write ? 2n : 0n, info2: LAPIC + BigInt(offset), rax, save: IF });
  const msr = (index: number, write: boolean, v = 0n): SvmSimExit =>
    ({ code: X.MSR, info1: write ? 1n : 0n, rax: v & 0xffffffffn, regs: { rcx: BigInt(index), rdx: v >> 32n }, save: IF });

  it("version by MMIO, a self-IPI by the ICR injected through EVENTINJ, then x2APIC by MSR", () => {
    const code = [0x8b, 0x03, 0x89, 0x03, 0x89, 0x03, 0x89, 0x03, 0x0f, 0x30, 0x0f, 0x32, 0xe6, 0xf4];
    const r = runSvmGuest(qemuTcgSvm, [
      npf(VER, false),                          // mov eax, [ebx]
      npf(SVR, true, 0x1ffn),                   // mov [ebx], eax
      npf(ICR_LO, true, 0x00040042n),
      npf(EOI, true, 0n),
      msr(IA32_APIC_BASE, true, 0xfee00d00n),   // wrmsr: x2APIC on
      msr(x2(VER), false),                      // rdmsr
      svmPowerOff,
    ], code, "guest_mode=protected32");
    const run = (i: number) => r.hal.vmruns[i + 1];
    expect(run(0).regs.rax & 0xffffffffn).toBe(0x00050014n);
    expect(u64(run(2).vmcb, VMCB.EVENTINJ)).toBe(0x80000042n); // vector 0x42, external interrupt, valid
    expect(u64(run(3).vmcb, VMCB.EVENTINJ)).toBe(0n);
    expect(u64(run(5).vmcb, VMCB.RAX)).toBe(0x00050014n);
    expect(u64(run(5).vmcb, VMCB.RIP)).toBe(0x7c0cn);          // each length decoded: 2+2+2+2+2+2
  });

  it("CR8 is V_TPR (V_INTR_MASKING): the APIC's TPR goes in before VMRUN, a CR8 the guest wrote comes back", () => {
    const code = [0x89, 0x03, 0x8b, 0x03, 0x8b, 0x03, 0xe6, 0xf4];
    const r = runSvmGuest(qemuTcgSvm, [
      npf(TPR, true, 0x2an),                            // TPR 0x2a by MMIO
      { ...npf(TPR, false), save: { ...IF, [VMCB.V_INTR]: 0x01000007n } }, // the guest ran MOV CR8, 7 meanwhile
      npf(PPR, false),
      svmPowerOff,
    ], code, "guest_mode=protected32");
    const vtpr = (i: number) => u64(r.hal.vmruns[i].vmcb, VMCB.V_INTR) & 0xffn;
    expect(vtpr(1)).toBe(2n);                                  // TPR[7:4] of 0x2a
    expect(r.hal.vmruns[2].regs.rax & 0xffn).toBe(0x70n);      // CR8 7: TPR 0x70
    expect(r.hal.vmruns[3].regs.rax & 0xffn).toBe(0x70n);      // PPR follows
    expect(vtpr(3)).toBe(7n);
  });
});
