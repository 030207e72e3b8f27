// Boot the core with a one-module guest on a simulated AMD-V CPU whose
// #VMEXITs are scripted (test/sim/hal.ts): the helpers the SVM exit-path
// tests share, beside scripted-vmx.ts.
import { expect } from "vitest";
import { bootCore } from "./core.js";
import { typicalPc } from "./multiboot2.js";
import { CpuProfile } from "./cpu-profiles.js";
import { SimHal, SvmSimExit } from "./hal.js";
import { GUEST_RAM_HOST, MODULE_PHYS } from "./scripted-vmx.js";

export { GUEST_RAM_HOST, MODULE_PHYS };

import { layout } from "../../tools/builder/layout.js";

// #VMEXIT codes as the core defines them (kernel/svm/exit-codes.ts, APM Vol. 2 Appendix C).
export const X = layout.SVM_EXIT;
// IOIO EXITINFO1: bit 0 IN, bits 6:4 size one-hot, bits 9:7 address size one-hot, port in 31:16.
export const ioioOut8 = (port: number) => (BigInt(port) << 16n) | (1n << 4n) | (1n << 7n);
export const powerOff: SvmSimExit = { code: X.IOIO, info1: ioioOut8(0xf4), info2: 0x7c02n, rax: 0n };

// `code` is the guest image, loaded at 0x7c00: the bytes the decoder fetches.
export function runSvmGuest(cpu: CpuProfile, exits: SvmSimExit[], code: number[] = [0xf4], cmdline = "") {
  let hal!: SimHal;
  const r = bootCore(cpu, {
    info: typicalPc(512, cmdline, { start: MODULE_PHYS, end: MODULE_PHYS + code.length, name: "scripted.bin" }),
    setup: (h) => {
      hal = h;
      h.mapPhysical(BigInt(MODULE_PHYS), new Uint8Array(code));
      h.mapPhysical(GUEST_RAM_HOST, new Uint8Array(16 << 20));
      h.svmExits = [...exits];
    },
  });
  expect(r.error).toBeNull();
  return { ...r, hal };
}

// The name the MSR tests use beside the VMX helper's powerOff.
export const svmPowerOff = powerOff;
