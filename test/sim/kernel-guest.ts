// Boot the core with a kernel guest — the boot modules the run tool passes
// for one (tools/builder/pipeline.ts guestModules): `kernel`, then `initrd`
// if any, then `cmdline` — on a simulated CPU whose first exit powers the
// VM off, and keep its guest RAM, to inspect what the loader left there and
// the state of the first entry.
import { expect } from "vitest";
import { bootCore, BootResult } from "./core.js";
import { BootModule, typicalPc } from "./multiboot2.js";
import { CpuProfile, skylakeX } from "./cpu-profiles.js";
import { SimHal } from "./hal.js";
import { GUEST_RAM_HOST, powerOff } from "./scripted-vmx.js";
import { svmPowerOff } from "./scripted-svm.js";

// The modules lie in host memory above the guest's RAM (host 0x2200000 up
// to 286 MiB of it), in the 512 MiB machine's RAM, each page-aligned.
export const KERNEL_MODULE_PHYS = 0x14000000;
const MACHINE_MIB = 512;
// The core's default for a kernel guest (kernel/run-guest.ts DEFAULT_KERNEL_RAM_MIB).
export const DEFAULT_KERNEL_RAM_MIB = 256;

export interface KernelGuestOptions {
  kernel: Uint8Array;
  initrd?: Uint8Array;
  cmdline?: string | Uint8Array; // the cmdline module's bytes; absent: no cmdline module
  coreCmdline?: string;          // the hypervisor's own command line (guest_ram=, ...)
  cpu?: CpuProfile;
}

export interface KernelBoot extends BootResult {
  ram: Uint8Array;               // guest RAM, guest-physical 0 at index 0
  modules: BootModule[];
}

export function bootKernelGuest(opts: KernelGuestOptions): KernelBoot {
  const parts: [string, Uint8Array][] = [["kernel", opts.kernel]];
  if (opts.initrd) parts.push(["initrd", opts.initrd]);
  if (opts.cmdline !== undefined) {
    parts.push(["cmdline", typeof opts.cmdline === "string" ? new Uint8Array(Buffer.from(opts.cmdline, "utf8")) : opts.cmdline]);
  }
  let at = KERNEL_MODULE_PHYS;
  const modules = parts.map(([name, bytes]) => {
    const m = { start: at, end: at + bytes.length, name };
    at = (m.end + 0xfff) & ~0xfff;
    return m;
  });
  if (at > (MACHINE_MIB - 1) << 20) throw new Error("the boot modules do not fit in the simulated machine");
  const coreCmdline = opts.coreCmdline ?? "";
  const asked = /(?:^|\s)guest_ram=(\d+)(?:\s|$)/.exec(coreCmdline);
  const ramMiB = asked ? Number(asked[1]) : DEFAULT_KERNEL_RAM_MIB;
  if (Number(GUEST_RAM_HOST) + ramMiB * (1 << 20) > KERNEL_MODULE_PHYS) throw new Error("guest RAM would overlap the boot modules");
  // Guest RAM as large as asked (and at least 2 MiB, so that a refused
  // guest_ram= still boots as far as its refusal).
  const ram = new Uint8Array(Math.max(ramMiB, 2) << 20);
  let hal!: SimHal;
  const r = bootCore(opts.cpu ?? skylakeX, {
    info: typicalPc(MACHINE_MIB, coreCmdline, modules),
    setup: (h) => {
      hal = h;
      parts.forEach(([, bytes], i) => h.mapPhysical(BigInt(modules[i].start), bytes));
      h.mapPhysical(GUEST_RAM_HOST, ram);
      h.exits = [powerOff];
      h.svmExits = [svmPowerOff];
    },
  });
  expect(r.error).toBeNull();
  return { ...r, hal, ram, modules };
}

// Little-endian readers over guest RAM, and a NUL-terminated string.
export const ramView = (ram: Uint8Array) => new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
export function cString(ram: Uint8Array, at: number): string {
  let end = at;
  while (ram[end] !== 0) end++;
  return Buffer.from(ram.subarray(at, end)).toString("latin1");
}
