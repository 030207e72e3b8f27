// Boot the core with a one-module guest on a simulated AMD-V CPU whose
// #VMEXITs are scripted (test/sim/hal.ts): the helpers the SVM exit-path
// tests share, beside scripted-vmx.ts.
import { expect } from "vitest";
import { bootCore } from "./core.js";
import { typicalPc } from "./multiboot2.js";
import { CpuProfile } from "./cpu-profiles.js";
import { SimHal, SvmSimExit, VMCB } from "./hal.js";
import { GUEST_RAM_HOST, MODULE_PHYS } from "./scripted-vmx.js";

export { GUEST_RAM_HOST, MODULE_PHYS };

import { layout } from "../../tools/builder/layout.js";

// #VMEXIT codes as the core defines them (kernel/svm/exit-codes.ts, APM Vol. 2 Appendix C).
export const X = layout.SVM_EXIT;
// IOIO EXITINFO1: bit 0 IN, bits 6:4 size one-hot, bits 9:7 address size one-hot, port in 31:16.
export const ioioOut8 = (port: number) => (BigInt(port) << 16n) | (1n << 4n) | (1n << 7n);
export const powerOff: SvmSimExit = { code: X.IOIO, info1: ioioOut8(0xf4), info2: 0x7c02n, rax: 0n };
// Any IN or OUT of 1, 2 or 4 bytes (SZ8/SZ16/SZ32 at bits 4-6), 16-bit
// addressing. EXITINFO2 is the next RIP, from which a CPU without NRIP save
// (QEMU's TCG) gives the core the instruction's length: 0x7c01 is right for
// the first exit only; a script of several goes through inSequence().
export const ioio = (port: number, size: 1 | 2 | 4, isIn: boolean) =>
  (BigInt(port) << 16n) | (BigInt(size) << 4n) | (1n << 7n) | (isIn ? 1n : 0n);
export const svmOut = (port: number, size: 1 | 2 | 4, value: number): SvmSimExit =>
  ({ code: X.IOIO, info1: ioio(port, size, false), info2: 0x7c01n, rax: BigInt(value >>> 0) });
export const svmIn = (port: number, size: 1 | 2 | 4): SvmSimExit =>
  ({ code: X.IOIO, info1: ioio(port, size, true), info2: 0x7c01n, rax: 0n });

// `code` is the guest image, loaded at 0x7c00: the bytes the decoder fetches.
// `guestRam` may fill the 16 MiB of guest RAM (guest-physical 0 at index 0)
// before the core loads the image over it: page tables, instruction bytes.
export function runSvmGuest(cpu: CpuProfile, exits: SvmSimExit[], code: number[] = [0xf4], cmdline = "",
  guestRam?: (ram: Uint8Array) => void) {
  let hal!: SimHal;
  const r = bootCore(cpu, {
    info: typicalPc(512, cmdline, { start: MODULE_PHYS, end: MODULE_PHYS + code.length, name: "scripted.bin" }),
    setup: (h) => {
      hal = h;
      h.mapPhysical(BigInt(MODULE_PHYS), new Uint8Array(code));
      const ram = new Uint8Array(16 << 20);
      if (guestRam) h.beforeFirstEntry = () => guestRam(ram);
      h.mapPhysical(GUEST_RAM_HOST, ram);
      h.svmExits = [...exits];
    },
  });
  expect(r.error).toBeNull();
  return { ...r, hal };
}

// The name the MSR tests use beside the VMX helper's powerOff.
export const svmPowerOff = powerOff;

// VMCB state-save fields that put the guest in another mode, for a scripted
// #VMEXIT's `save` (the core reads them back as the guest's state). Bits by
// their manual names: CR0.PE 0, ET 4, PG 31; CR4.PAE 5; EFER.LME 8, LMA 10,
// SVME 12 (APM Vol. 2 §3.1). CS is written as selector | attributes << 16 |
// limit << 32, one u64 at SEG_CS; attributes in the VMCB's packed form
// (§15.5.1): type 0xb, S, P (0x9b), G (bit 11), and bit 9 L (64-bit code)
// or bit 10 D (32-bit code).
const CR0_PE = 1n, CR0_ET = 1n << 4n, CR0_PG = 1n << 31n, CR4_PAE = 1n << 5n;
const EFER_LME = 1n << 8n, EFER_LMA = 1n << 10n, EFER_SVME = 1n << 12n;
const cs = (sel: bigint, attrib: bigint) => sel | (attrib << 16n) | (0xffffffffn << 32n);

export interface ModeOptions { rip?: bigint; csBase?: bigint }
function withRip(save: Record<number, bigint>, o: ModeOptions): Record<number, bigint> {
  if (o.rip !== undefined) save[VMCB.RIP] = o.rip;
  if (o.csBase !== undefined) save[VMCB.SEG_CS + VMCB.SEG_BASE] = o.csBase;
  return save;
}

// Real mode (the image's own start), with another RIP or CS base.
export const realMode = (o: ModeOptions = {}) => withRip({}, o);
// 32-bit protected mode, paging off.
export const protectedMode = (o: ModeOptions = {}) =>
  withRip({ [VMCB.CR0]: CR0_PE | CR0_ET, [VMCB.SEG_CS]: cs(0x10n, 0xc9bn) }, o);
// 32-bit protected mode with paging on (CR0.PG, no EFER.LMA): 32-bit or PAE paging.
export const pagedProtectedMode = (cr3: bigint, o: ModeOptions = {}) =>
  withRip({ [VMCB.CR0]: CR0_PG | CR0_PE | CR0_ET, [VMCB.CR3]: cr3, [VMCB.CR4]: CR4_PAE, [VMCB.SEG_CS]: cs(0x10n, 0xc9bn) }, o);
// 64-bit mode: long mode active, CS.L, over the 4-level tables at `cr3`.
export const longMode = (cr3: bigint, o: ModeOptions = {}) =>
  withRip({
    [VMCB.CR0]: CR0_PG | CR0_PE | CR0_ET, [VMCB.CR3]: cr3, [VMCB.CR4]: CR4_PAE,
    [VMCB.EFER]: EFER_LME | EFER_LMA | EFER_SVME, [VMCB.SEG_CS]: cs(0x10n, 0xa9bn),
  }, o);
// Compatibility mode: long mode active, but CS is a 32-bit segment (CS.L clear, CS.D set).
export const compatibilityMode = (cr3: bigint, o: ModeOptions = {}) =>
  ({ ...longMode(cr3, o), [VMCB.SEG_CS]: cs(0x10n, 0xc9bn) });

// One-byte instructions one after another from 0x7c00: each IOIO exit's
// EXITINFO2 (next RIP) one past the one before.
export const inSequence = (exits: SvmSimExit[]): SvmSimExit[] =>
  exits.map((e, i) => (e.code === X.IOIO ? { ...e, info2: 0x7c01n + BigInt(i) } : e));

// Run `exits` then power off; what each IN read (the VMCB's RAX at the next
// VMRUN, masked to the access size), in order.
export function svmInValues(cpu: CpuProfile, exits: SvmSimExit[]): number[] {
  const r = runSvmGuest(cpu, inSequence([...exits, powerOff]));
  return exits.flatMap((e, i) => {
    const q = e.info1 ?? 0n;
    if (e.code !== X.IOIO || !(q & 1n)) return [];
    const bytes = Number((q >> 4n) & 7n);
    const vmcb = r.hal.vmruns[i + 1].vmcb;
    const rax = new DataView(vmcb.buffer, vmcb.byteOffset).getBigUint64(VMCB.RAX, true);
    return [Number(rax & ((1n << BigInt(8 * bytes)) - 1n))];
  });
}
