// Hardware task switches as the core emulates them (kernel/exits/task-switch.ts),
// driven through the real exit path: a VMX task-switch exit (reason 9, the
// qualification's selector and source: Intel SDM Vol. 3C Table 28-2) or an
// SVM TASK_SWITCH #VMEXIT (EXITINFO1/2: AMD APM Vol. 2 §15.14.3) over a GDT
// and TSSs in guest RAM, then the state the next entry loads and what the
// switch wrote to guest memory. Expected values follow the SDM Vol. 3A §8.3
// steps and the TSS layout of Figure 8-2. The guest that checks the same on
// the emulators: test/guests/hostile-task.S.
import { beforeAll, describe, expect, it } from "vitest";
import { VMCS, VMCB, SimExit, SvmSimExit } from "../sim/hal.js";
import { runGuest, R, powerOff } from "../sim/scripted-vmx.js";
import { runSvmGuest, X, ioioOut8 } from "../sim/scripted-svm.js";
import { qemuTcgSvm, skylakeX } from "../sim/cpu-profiles.js";

const GDT = 0x1000, TSS_A = 0x2000, TSS_B = 0x3000, IDT = 0x4000, NEW_EIP = 0x5000, NEW_ESP = 0x6000;
// IDT vectors that are task gates to TSS B: NMI, #GP, an external interrupt, INT 0x40.
const GATES = [2, 13, 0x20, 0x40];
const SEL_A = 0x20, SEL_B = 0x28, SEL_DATA = 0x30;
const AVAILABLE = 0x89, BUSY = 0x8b, NT = 0x4000n;
// The exit qualification's source (bits 31:30).
const CALL = 0, IRET = 1, JMP = 2, GATE = 3;
// VM-entry interruption information: valid, hardware exception, error code delivered.
const hwException = (vector: number) => BigInt((0x80000b00 | vector) >>> 0);

// A segment descriptor (SDM Vol. 3A Figure 3-8): base, limit, access byte, flags nibble (G D/B L AVL).
function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | (access << 8) | ((base >>> 16) & 0xff);
  return [lo >>> 0, hi >>> 0];
}

interface Tss { eip?: number; eflags?: number; regs?: number[]; segs?: number[]; ldt?: number; link?: number; trap?: boolean }

// Guest RAM: a GDT (flat code 0x10, flat data 0x18, TSS A busy, TSS B with
// `typeB`, a data segment not yet accessed at 0x30) and the two TSSs.
function machine(ram: Uint8Array, b: Tss, typeB = AVAILABLE, limitB = 0x67) {
  const v = new DataView(ram.buffer, ram.byteOffset);
  const put = (sel: number, [lo, hi]: [number, number]) => {
    v.setUint32(GDT + sel, lo, true);
    v.setUint32(GDT + sel + 4, hi, true);
  };
  put(0x10, descriptor(0, 0xfffff, 0x9b, 0xc));
  put(0x18, descriptor(0, 0xfffff, 0x93, 0xc));
  put(SEL_A, descriptor(TSS_A, 0x67, BUSY, 0));
  put(SEL_B, descriptor(TSS_B, limitB, typeB, 0));
  put(SEL_DATA, descriptor(0x40000, 0xfff, 0x92, 0x4));
  const regs = b.regs ?? [0xa0, 0xc1, 0xd2, 0xb3, NEW_ESP, 0xb5, 0x56, 0x57];
  const segs = b.segs ?? [0x18, 0x10, 0x18, SEL_DATA, 0x18, 0x18];
  v.setUint16(TSS_B, b.link ?? 0, true);
  v.setUint32(TSS_B + 0x20, b.eip ?? NEW_EIP, true);
  v.setUint32(TSS_B + 0x24, b.eflags ?? 0x2c3, true);
  regs.forEach((r, i) => v.setUint32(TSS_B + 0x28 + i * 4, r, true));
  segs.forEach((s, i) => v.setUint32(TSS_B + 0x48 + i * 4, s, true));
  v.setUint16(TSS_B + 0x60, b.ldt ?? 0, true);
  v.setUint16(TSS_B + 0x64, b.trap ? 1 : 0, true);
  v.setUint32(TSS_A + 0x5c, 0xdead0000, true); // GS slot: the reserved upper half must survive the save
  for (const g of GATES) { // type 5, present, DPL 0 (SDM Vol. 3A Figure 7-2)
    v.setUint32(IDT + g * 8, SEL_B << 16, true);
    v.setUint32(IDT + g * 8 + 4, 0x8500, true);
  }
}

const PM = "guest_mode=protected32";
// The VMCS of a 32-bit protected-mode guest whose GDT and TR are the ones above.
const vmxState = (rip: number) => ({
  [VMCS.GUEST_GDTR_BASE]: BigInt(GDT), [VMCS.GUEST_GDTR_LIMIT]: 0x37n,
  [VMCS.GUEST_IDTR_BASE]: BigInt(IDT), [VMCS.GUEST_IDTR_LIMIT]: 0x7ffn,
  [VMCS.GUEST_ES_SELECTOR + 14]: BigInt(SEL_A), [VMCS.GUEST_ES_BASE + 14]: BigInt(TSS_A),
  [VMCS.GUEST_ES_LIMIT + 14]: 0x67n, [VMCS.GUEST_ES_AR_BYTES + 14]: 0x8bn,
  [VMCS.GUEST_RIP]: BigInt(rip), [VMCS.GUEST_RSP]: 0x7000n, [VMCS.GUEST_RFLAGS]: 0x246n,
});
const gprs = { rax: 0x11n, rcx: 0x33n, rdx: 0x44n, rbx: 0x22n, rbp: 0x77n, rsi: 0x55n, rdi: 0x66n };

function vmxSwitch(exit: Partial<SimExit> & { qualification: bigint }, b: Tss = {}, typeB = AVAILABLE, limitB = 0x67) {
  let ram!: Uint8Array;
  const e: SimExit = { reason: R.TASK_SWITCH, regs: gprs, ...exit, fields: { ...vmxState(0x7c10), ...exit.fields } };
  const r = runGuest([e, powerOff], skylakeX, (m) => { ram = m; machine(m, b, typeB, limitB); }, PM);
  const v = new DataView(ram.buffer, ram.byteOffset);
  return { r, at: r.hal.entries[1]?.vmcs, regs: r.hal.entries[1]?.regs, v };
}
const q = (sel: number, source: number) => BigInt(sel) | (BigInt(source) << 30n);
const seg = (i: number, what: "SELECTOR" | "BASE" | "LIMIT" | "AR_BYTES") => VMCS[`GUEST_ES_${what}`] + i * 2;

describe("VMX: a JMP to a TSS", () => {
  let at!: Map<number, bigint>, regs!: Record<string, bigint>, v!: DataView;
  beforeAll(() => ({ at, regs, v } = vmxSwitch({ qualification: q(SEL_B, JMP), instructionLength: 7 })));

  it("loads EIP, EFLAGS, the general registers and every segment from the new TSS, and TR with it", () => {
    expect(at.get(VMCS.GUEST_RIP)).toBe(BigInt(NEW_EIP));
    expect(at.get(VMCS.GUEST_RFLAGS)).toBe(0x2c3n);       // NT clear: a JMP does not nest
    expect(at.get(VMCS.GUEST_RSP)).toBe(BigInt(NEW_ESP));
    expect([regs.rax, regs.rcx, regs.rdx, regs.rbx, regs.rbp, regs.rsi, regs.rdi]).toEqual([0xa0n, 0xc1n, 0xd2n, 0xb3n, 0xb5n, 0x56n, 0x57n]);
    expect(at.get(seg(3, "SELECTOR"))).toBe(BigInt(SEL_DATA));
    expect(at.get(seg(3, "BASE"))).toBe(0x40000n);
    expect(at.get(seg(3, "LIMIT"))).toBe(0xfffn);
    expect(at.get(seg(3, "AR_BYTES"))).toBe(0x4093n);     // accessed, as the load sets it
    expect(at.get(seg(1, "AR_BYTES"))).toBe(0xc09bn);
    expect(at.get(seg(1, "LIMIT"))).toBe(0xffffffffn);
    expect(at.get(seg(6, "AR_BYTES"))).toBe(0x10000n);    // LDTR null: unusable
    expect([at.get(seg(7, "SELECTOR")), at.get(seg(7, "BASE")), at.get(seg(7, "LIMIT")), at.get(seg(7, "AR_BYTES"))])
      .toEqual([BigInt(SEL_B), BigInt(TSS_B), 0x67n, 0x8bn]);
    expect(at.get(VMCS.CR0_READ_SHADOW)! & 8n).toBe(8n);  // CR0.TS
    expect(at.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBeUndefined();
  });

  it("saves the outgoing EIP past the JMP, its EFLAGS, registers and selectors in the old TSS", () => {
    expect(v.getUint32(TSS_A + 0x20, true)).toBe(0x7c17);
    expect(v.getUint32(TSS_A + 0x24, true)).toBe(0x246);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => v.getUint32(TSS_A + 0x28 + i * 4, true))).toEqual([0x11, 0x33, 0x44, 0x22, 0x7000, 0x77, 0x55, 0x66]);
    expect([0, 1, 2, 3, 4, 5].map((i) => v.getUint16(TSS_A + 0x48 + i * 4, true))).toEqual([0x18, 0x10, 0x18, 0x18, 0x18, 0x18]);
    expect(v.getUint16(TSS_A + 0x5e, true)).toBe(0xdead);
  });

  it("clears the old TSS's busy bit, sets the new one's, sets the data segment's accessed bit", () => {
    expect(v.getUint8(GDT + SEL_A + 5)).toBe(AVAILABLE);
    expect(v.getUint8(GDT + SEL_B + 5)).toBe(BUSY);
    expect(v.getUint8(GDT + SEL_DATA + 5)).toBe(0x93);
    expect(v.getUint16(TSS_B, true)).toBe(0);             // no back link
  });
});

describe("VMX: CALL, IRET and task gates", () => {
  it("CALL nests: NT set, the back link, both TSSs busy", () => {
    const { at, v } = vmxSwitch({ qualification: q(SEL_B, CALL), instructionLength: 7 });
    expect(at.get(VMCS.GUEST_RFLAGS)! & NT).toBe(NT);
    expect(v.getUint16(TSS_B, true)).toBe(SEL_A);
    expect([v.getUint8(GDT + SEL_A + 5), v.getUint8(GDT + SEL_B + 5)]).toEqual([BUSY, BUSY]);
  });

  it("IRET returns to a busy task: the old one's busy bit and saved NT cleared, the new one stays busy, no back link written", () => {
    const { at, v } = vmxSwitch({ qualification: q(SEL_B, IRET), instructionLength: 1, fields: { [VMCS.GUEST_RFLAGS]: 0x4246n } },
      { eflags: 0x202 }, BUSY);
    expect(at.get(VMCS.GUEST_RIP)).toBe(BigInt(NEW_EIP));
    expect(at.get(VMCS.GUEST_RFLAGS)).toBe(0x202n);
    expect(v.getUint32(TSS_A + 0x24, true)).toBe(0x246);  // NT cleared in the saved EFLAGS
    expect(v.getUint32(TSS_A + 0x20, true)).toBe(0x7c11);
    expect([v.getUint8(GDT + SEL_A + 5), v.getUint8(GDT + SEL_B + 5)]).toEqual([AVAILABLE, BUSY]);
  });

  it("an exception through a task gate: EIP saved at the fault, its error code pushed on the new stack, not delivered again", () => {
    const { at, v } = vmxSwitch({
      qualification: q(SEL_B, GATE), instructionLength: 3, // not an instruction's: ignored
      fields: { [VMCS.IDT_VECTORING_INFO_FIELD]: 0x80000b0dn, [VMCS.IDT_VECTORING_ERROR_CODE]: 0x7ff8n },
    });
    expect(v.getUint32(TSS_A + 0x20, true)).toBe(0x7c10);
    expect(at.get(VMCS.GUEST_RSP)).toBe(BigInt(NEW_ESP - 4));
    expect(v.getUint32(NEW_ESP - 4, true)).toBe(0x7ff8);
    expect(at.get(VMCS.GUEST_RFLAGS)! & NT).toBe(NT);
    expect(v.getUint16(TSS_B, true)).toBe(SEL_A);
    expect(at.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBeUndefined();
  });

  it("INT n through a task gate: EIP saved past the INT (the exit's instruction length), nothing pushed", () => {
    const { at, v } = vmxSwitch({
      qualification: q(SEL_B, GATE), instructionLength: 2,
      fields: { [VMCS.IDT_VECTORING_INFO_FIELD]: 0x80000440n },
    });
    expect(v.getUint32(TSS_A + 0x20, true)).toBe(0x7c12);
    expect(at.get(VMCS.GUEST_RSP)).toBe(BigInt(NEW_ESP));
    expect(at.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBeUndefined();
  });

  it("an NMI through a task gate blocks NMIs (interruptibility bit 3)", () => {
    const { at } = vmxSwitch({ qualification: q(SEL_B, GATE), fields: { [VMCS.IDT_VECTORING_INFO_FIELD]: 0x80000202n } });
    expect(at.get(VMCS.GUEST_INTERRUPTIBILITY_INFO)! & 8n).toBe(8n);
    expect(at.get(VMCS.GUEST_RIP)).toBe(BigInt(NEW_EIP));
  });
});

describe("VMX: faults of a task switch", () => {
  it.each([
    ["a busy TSS for JMP: #GP", JMP, BUSY, 0x67, 13, SEL_B],
    ["an available TSS for IRET: #TS", IRET, AVAILABLE, 0x67, 10, SEL_B],
    ["a TSS not present: #NP", JMP, 0x09, 0x67, 11, SEL_B],
    ["a TSS limit below 67H: #TS", CALL, AVAILABLE, 0x66, 10, SEL_B],
    ["a data descriptor, not a TSS: #GP", JMP, 0x93, 0x67, 13, SEL_B],
  ])("%s with the selector, before anything changes", (_n, source, type, limit, vector, error) => {
    const { at, v } = vmxSwitch({ qualification: q(SEL_B, source), instructionLength: 7 }, {}, type, limit);
    expect(at.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(hwException(vector));
    expect(at.get(VMCS.VM_ENTRY_EXCEPTION_ERROR_CODE)).toBe(BigInt(error));
    expect(at.get(VMCS.GUEST_RIP)).toBe(0x7c10n);
    expect(at.get(seg(7, "SELECTOR"))).toBe(BigInt(SEL_A));
    expect(v.getUint8(GDT + SEL_A + 5)).toBe(BUSY);
  });

  it("an external event's fault sets EXT (bit 0) in the error code", () => {
    const { at } = vmxSwitch({ qualification: q(SEL_B, GATE), fields: { [VMCS.IDT_VECTORING_INFO_FIELD]: 0x80000020n } }, {}, 0x09);
    expect(at.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(hwException(11));
    expect(at.get(VMCS.VM_ENTRY_EXCEPTION_ERROR_CODE)).toBe(BigInt(SEL_B | 1));
  });

  it.each([
    ["DS beyond the GDT", [0x18, 0x10, 0x18, 0x7ff8, 0x18, 0x18], 10, 0x7ff8],
    ["a null SS", [0x18, 0x10, 0, 0x18, 0x18, 0x18], 10, 0],
    ["a data segment as CS", [0x18, 0x18, 0x18, 0x18, 0x18, 0x18], 10, 0x18],
  ])("a new TSS with %s: the switch is made and #TS raised in the new task", (_n, segs, vector, error) => {
    const { at } = vmxSwitch({ qualification: q(SEL_B, CALL), instructionLength: 7 }, { segs });
    expect(at.get(VMCS.GUEST_RIP)).toBe(BigInt(NEW_EIP));
    expect(at.get(seg(7, "SELECTOR"))).toBe(BigInt(SEL_B));
    expect(at.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(hwException(vector));
    expect(at.get(VMCS.VM_ENTRY_EXCEPTION_ERROR_CODE)).toBe(BigInt(error));
  });

  it("INT n through a gate whose DPL is below the CPL: #GP(vector * 8 + 2), no switch", () => {
    const { at } = vmxSwitch({
      qualification: q(SEL_B, GATE), instructionLength: 2,
      fields: { [VMCS.IDT_VECTORING_INFO_FIELD]: 0x80000440n, [seg(2, "AR_BYTES")]: 0xc0f3n /* SS DPL 3: CPL 3 */ },
    });
    expect(at.get(VMCS.VM_ENTRY_INTR_INFO_FIELD)).toBe(hwException(13));
    expect(at.get(VMCS.VM_ENTRY_EXCEPTION_ERROR_CODE)).toBe(0x40n * 8n + 2n);
    expect(at.get(seg(7, "SELECTOR"))).toBe(BigInt(SEL_A));
  });
});

describe("VMX: what is not emulated stops the VM and says why", () => {
  it.each([
    ["a virtual-8086 task", {}, { eflags: 0x20002 }, "the new task runs in virtual-8086 mode (EFLAGS.VM in its TSS)"],
    ["the T flag", {}, { trap: true }, "the new TSS has its debug trap flag (T) set"],
    ["IA-32e mode", { [VMCS.GUEST_IA32_EFER]: 0x500n }, {}, "in IA-32e mode (the CPU raises #GP there itself)"],
    ["a GDT outside guest RAM", { [VMCS.GUEST_GDTR_BASE]: 0x80000000n }, {}, "a TSS or a descriptor table is not in guest RAM or not mapped"],
  ])("%s", (_n, fields, b, why) => {
    const { r } = vmxSwitch({ qualification: q(SEL_B, JMP), instructionLength: 7, fields }, b as Tss);
    expect(r.lines).toContain(`VM stopped: task switch to TSS selector 0x0028 not emulated: ${why}`);
    expect(r.lines.some((l) => l.includes("unhandled exit"))).toBe(false);
  });
});

// SVM: the VMCB state-save area of a protected-mode guest over the same GDT.
const u64 = (b: Uint8Array, off: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);
const segField = (sel: number, attrib: number, limit: number) => BigInt(sel) | (BigInt(attrib) << 16n) | (BigInt(limit) << 32n);
const svmState = {
  [VMCB.SEG_GDTR]: segField(0, 0, 0x37), [VMCB.SEG_GDTR + 8]: BigInt(GDT),
  [VMCB.SEG_IDTR]: segField(0, 0, 0x7ff), [VMCB.SEG_IDTR + 8]: BigInt(IDT),
  [VMCB.SEG_TR]: segField(SEL_A, 0x8b, 0x67), [VMCB.SEG_TR + 8]: BigInt(TSS_A),
  [VMCB.RIP]: 0x7c00n, [VMCB.RSP]: 0x7000n, [VMCB.RFLAGS]: 0x246n,
};
const stopAt = (rip: bigint): SvmSimExit => ({ code: X.IOIO, info1: ioioOut8(0xf4), info2: rip + 2n, rax: 0n });

function svmSwitch(info2: bigint, bytes: number[], exitIntInfo = 0n) {
  let ram!: Uint8Array;
  const exit: SvmSimExit = {
    code: X.TASK_SWITCH, info1: BigInt(SEL_B), info2, rax: 0x11n,
    save: { ...svmState, [VMCB.EXITINTINFO]: exitIntInfo },
  };
  const r = runSvmGuest(qemuTcgSvm, [exit, stopAt(BigInt(NEW_EIP))], bytes, PM, (m) => { ram = m; machine(m, {}); });
  expect(r.hal.vmruns.length, r.lines.join("\n")).toBeGreaterThanOrEqual(2);
  return { vmcb: r.hal.vmruns[1].vmcb, v: new DataView(ram.buffer, ram.byteOffset), r };
}

describe("SVM: the TASK_SWITCH intercept", () => {
  it("is on (intercept vector 3, bit 29)", () => {
    const { r } = svmSwitch(1n << 38n, [0xea, 0, 0, 0, 0, SEL_B, 0]);
    expect(new DataView(r.hal.vmruns[0].vmcb.buffer).getUint32(VMCB.INTERCEPT_MISC1, true) & (1 << 29)).toBe(1 << 29);
  });

  it.each([
    ["JMP ptr16:32 (EA)", 1n << 38n, [0xea, 0, 0, 0, 0, SEL_B, 0], 7],
    ["JMP m16:32 through [EAX] (FF /5)", 1n << 38n, [0xff, 0x28], 2],
    ["CALL m16:32 at [disp32] (FF /3)", 0n, [0xff, 0x1d, 0, 0x10, 0, 0], 6],
    ["CALL ptr16:16 with an operand-size prefix (66 9A)", 0n, [0x66, 0x9a, 0, 0, SEL_B, 0], 6],
    ["CALL m16:32 through SIB + disp8 (FF /3)", 0n, [0xff, 0x5c, 0x24, 0x08], 4],
    ["IRET (CF)", 1n << 36n, [0xcf], 1],
  ])("%s: the outgoing EIP is saved past its decoded length", (_n, info2, bytes, length) => {
    const iret = (info2 & (1n << 36n)) !== 0n;
    let ram!: Uint8Array;
    const exit: SvmSimExit = { code: X.TASK_SWITCH, info1: BigInt(SEL_B), info2, rax: 0x11n, save: svmState };
    const r = runSvmGuest(qemuTcgSvm, [exit, stopAt(BigInt(NEW_EIP))], bytes, PM,
      (m) => { ram = m; machine(m, {}, iret ? BUSY : AVAILABLE); });
    const v = new DataView(ram.buffer, ram.byteOffset);
    expect(u64(r.hal.vmruns[1].vmcb, VMCB.RIP)).toBe(BigInt(NEW_EIP));
    expect(v.getUint32(TSS_A + 0x20, true)).toBe(0x7c00 + length);
    expect(v.getUint32(TSS_A + 0x28, true)).toBe(0x11); // EAX, from the VMCB
  });

  it("loads the segments into the VMCB's packed attributes, TR busy, the CPL from SS", () => {
    const { vmcb } = svmSwitch(1n << 38n, [0xea, 0, 0, 0, 0, SEL_B, 0]);
    const dv = new DataView(vmcb.buffer, vmcb.byteOffset);
    expect(dv.getUint16(VMCB.SEG_DS, true)).toBe(SEL_DATA);
    expect(dv.getUint16(VMCB.SEG_DS + VMCB.SEG_ATTRIB, true)).toBe(0x493);
    expect(u64(vmcb, VMCB.SEG_DS + VMCB.SEG_BASE)).toBe(0x40000n);
    expect(dv.getUint16(VMCB.SEG_TR, true)).toBe(SEL_B);
    expect(dv.getUint16(VMCB.SEG_TR + VMCB.SEG_ATTRIB, true)).toBe(0x8b);
    expect(dv.getUint8(VMCB.CPL)).toBe(0);
    expect(u64(vmcb, VMCB.CR0) & 8n).toBe(8n);
  });

  it("an exception through a gate (EXITINFO2 bit 44, the error code in 31:0): pushed, EIP at the fault, not injected again", () => {
    const { vmcb, v } = svmSwitch((1n << 44n) | 0x7ff8n, [0x8e, 0xe0], 0x80000b0dn);
    expect(v.getUint32(TSS_A + 0x20, true)).toBe(0x7c00);
    expect(u64(vmcb, VMCB.RSP)).toBe(BigInt(NEW_ESP - 4));
    expect(v.getUint32(NEW_ESP - 4, true)).toBe(0x7ff8);
    expect(u64(vmcb, VMCB.EVENTINJ)).toBe(0n);
    expect(u64(vmcb, VMCB.RFLAGS) & NT).toBe(NT);
  });

  // Bochs 2.7 leaves EXITINTINFO valid and zero for an INT n's delivery
  // (kernel/svm/task-switch-decode.ts): vector 0 is no gate to the TSS, so
  // the event is the INT 0x40 at RIP, whose IDT entry is.
  it("an exit naming an event whose IDT entry is not the gate: the INT n at RIP is the event, EIP saved past it", () => {
    const { vmcb, v } = svmSwitch(0n, [0xcd, 0x40], 0x80000000n);
    expect(v.getUint32(TSS_A + 0x20, true)).toBe(0x7c02);
    expect(u64(vmcb, VMCB.RSP)).toBe(BigInt(NEW_ESP));
    expect(u64(vmcb, VMCB.EVENTINJ)).toBe(0n);
    expect(v.getUint16(TSS_B, true)).toBe(SEL_A);
  });

  it("... and with no INT n there either, the VM stops naming the case", () => {
    let ram!: Uint8Array;
    const exit: SvmSimExit = { code: X.TASK_SWITCH, info1: BigInt(SEL_B), info2: 0n, save: { ...svmState, [VMCB.EXITINTINFO]: 0x80000021n } };
    const r = runSvmGuest(qemuTcgSvm, [exit], [0x90], PM, (m) => { ram = m; machine(m, {}); });
    expect(r.lines).toContain("VM stopped: task switch to TSS selector 0x0028 not emulated: " +
      "the event that reached the task gate is unknown (the exit names one whose IDT entry is no gate to this TSS)");
    expect(ram).toBeDefined();
  });
});
