// Boot the core with a one-module guest on a simulated VT-x CPU whose VM
// exits are scripted (test/sim/hal.ts): the helpers the exit-path tests share.
import { expect } from "vitest";
import { bootCore } from "./core.js";
import { typicalPc } from "./multiboot2.js";
import { skylakeX, CpuProfile } from "./cpu-profiles.js";
import { SimExit, SimHal } from "./hal.js";
import { layout, extendTable } from "../../tools/builder/layout.js";

export const MODULE_PHYS = 0x100000;
export const GUEST_RAM_HOST = 0x2200000n; // first 2 MiB boundary after the core's 32 MiB at 2 MiB

// VMX basic exit reasons as the core defines them (kernel/vmx/exit-reasons.ts,
// SDM Vol. 3D Appendix C), without the VMX_EXIT_ prefix: R.CPUID, R.IO, ...
export const R = extendTable(layout.VMX_EXIT, { CR: layout.VMX_EXIT.CR_ACCESS });
// I/O exit qualification (SDM Vol. 3C Table 28-5): size-1, direction (1 = IN), port.
export const ioQual = (port: number, size: number, isIn: boolean) => (BigInt(port) << 16n) | BigInt(size - 1) | (isIn ? 8n : 0n);
export const powerOff: SimExit = { reason: R.IO, qualification: ioQual(0xf4, 1, false), instructionLength: 2, regs: { rax: 0n } };
export const outb = (port: number, value: number): SimExit =>
  ({ reason: R.IO, qualification: ioQual(port, 1, false), instructionLength: 1, regs: { rax: BigInt(value) } });
export const inb = (port: number): SimExit =>
  ({ reason: R.IO, qualification: ioQual(port, 1, true), instructionLength: 1, regs: { rax: 0n } });
// 16- and 32-bit port I/O (OUT DX, AX / EAX; IN AX / EAX, DX).
const outSized = (size: number) => (port: number, value: number): SimExit =>
  ({ reason: R.IO, qualification: ioQual(port, size, false), instructionLength: 1, regs: { rax: BigInt(value >>> 0) } });
const inSized = (size: number) => (port: number): SimExit =>
  ({ reason: R.IO, qualification: ioQual(port, size, true), instructionLength: 1, regs: { rax: 0n } });
export const outw = outSized(2);
export const outl = outSized(4);
export const inw = inSized(2);
export const inl = inSized(4);

// Run `exits` then power off; what each IN read (RAX at the next entry,
// masked to the access size), in order.
export function inValues(exits: SimExit[], cmdline = ""): number[] {
  const r = runGuest([...exits, powerOff], skylakeX, undefined, cmdline);
  return exits.flatMap((e, i) => {
    const q = e.qualification ?? 0n;
    if (e.reason !== R.IO || !(q & 8n)) return [];
    const mask = (1n << (8n * ((q & 7n) + 1n))) - 1n;
    return [Number(r.hal.entries[i + 1].regs.rax & mask)];
  });
}

// `code` is the guest image, loaded at 0x7c00: never executed (the exits are
// scripted), but the bytes the core fetches at RIP where it decodes an
// instruction itself (MMIO). `guestRam` fills guest RAM as the guest would
// have it at its first entry (after the hypervisor zeroed it and loaded the
// image: it may overwrite the image).
export function runGuest(exits: SimExit[], cpu: CpuProfile = skylakeX, guestRam?: (ram: Uint8Array) => void, cmdline = "",
  code: number[] = [0xf4], tweak?: (hal: SimHal) => void) {
  const image = new Uint8Array(code);
  let hal!: SimHal;
  const r = bootCore(cpu, {
    info: typicalPc(512, cmdline, { start: MODULE_PHYS, end: MODULE_PHYS + image.length, name: "scripted.bin" }),
    setup: (h) => {
      hal = h;
      h.mapPhysical(BigInt(MODULE_PHYS), image);
      const ram = new Uint8Array(64 << 20);
      if (guestRam) h.beforeFirstEntry = () => guestRam(ram);
      h.mapPhysical(GUEST_RAM_HOST, ram);
      h.exits = [...exits];
      tweak?.(h);
    },
  });
  expect(r.error).toBeNull();
  return { ...r, hal };
}
