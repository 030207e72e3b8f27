// Run the whole build, timing each stage, and report the ELF's size.
import fs from "node:fs";
import path from "node:path";
import * as cfg from "./config.js";
import { stageBuildInfo, stageLayout, stageAsc, stageWasm2c, stageCompile, stageLink, stageIso, IsoModule, BuildError } from "./stages.js";
import { stageFont } from "./font.js";
import { buildTestGuest, guestCmdline } from "./guests.js";

// A kernel guest's virtio disk: an image file (tools/images/disk-file.ts
// checks it) that the ISO holds a copy of, so the guest's writes never
// reach the file itself; read-only, the device refuses them.
export interface GuestDisk { file: string; readOnly: boolean }

// A kernel guest (tsvisor run --kernel or --guest linux): the kernel, an
// optional initrd, the guest's own command line, and an optional disk.
export interface KernelGuest { kernel: string; initrd?: string; cmdline: string; disk?: GuestDisk }

// The disk module's string, the contract with the core: the role word
// `disk`, then `ro` for a read-only disk.
export const diskModuleString = (readOnly: boolean): string => (readOnly ? "disk ro" : "disk");

// The boot modules of a guest, in the order the core's loader expects:
//   test:<name>   one module, <name>.bin, the flat test guest
//   KernelGuest   "kernel", then "initrd" if any, then "cmdline" (a file of
//                 exactly the guest command line's bytes, no newline: a
//                 file rather than a module string, so grub.cfg never has
//                 to quote it), then "disk" if any, with the module string
//                 diskModuleString
//   none / absent no module
export function guestModules(guest: string | KernelGuest | undefined): IsoModule[] {
  if (guest !== undefined && typeof guest !== "string") {
    return [
      { name: "kernel", file: guest.kernel },
      ...(guest.initrd ? [{ name: "initrd", file: guest.initrd }] : []),
      { name: "cmdline", data: Buffer.from(guest.cmdline, "utf8") },
      ...(guest.disk ? [{ name: "disk", file: guest.disk.file, string: diskModuleString(guest.disk.readOnly) }] : []),
    ];
  }
  if (!guest || guest === "none") return [];
  const m = /^test:(.+)$/.exec(guest);
  if (!m) throw new BuildError(`unknown guest '${guest}'; use none or test:<name>`);
  return [{ file: buildTestGuest(m[1]), name: `${m[1]}.bin` }];
}

// A kernel guest needs more RAM than the core's default (kernel/run-guest.ts:
// 16 MiB), for the kernel, its initramfs unpacked, and its own allocations.
export const KERNEL_GUEST_RAM_MIB = 256;

// The hypervisor words a kernel guest adds: guest_ram=, unless the user's
// own command line sets it.
export function kernelGuestCmdline(userCmdline: string): string {
  return /(^|\s)guest_ram=/.test(userCmdline) ? "" : `guest_ram=${KERNEL_GUEST_RAM_MIB}`;
}

export interface BuildOptions {
  cmdline?: string;     // hypervisor command line baked into grub.cfg
  guest?: string;       // "test:<name>" puts that test guest on the ISO as a boot module
  kernel?: KernelGuest; // a kernel guest instead (its modules: guestModules)
  wasmOnly?: boolean;   // stop after asc (what the unit tests need)
  quiet?: boolean;
}

export interface BuildResult { iso: string; elf: string; wasm: string }

export async function build(opts: BuildOptions = {}): Promise<BuildResult> {
  const log = opts.quiet ? () => {} : (s: string) => process.stderr.write(s + "\n");
  const started = Date.now();
  const step = async (name: string, fn: () => boolean | Promise<boolean>) => {
    const t0 = Date.now();
    const did = await fn();
    log(`  ${name.padEnd(10)} ${did ? "built  " : "up to date"} ${String(Date.now() - t0).padStart(6)} ms`);
  };
  log("tsvisor build:");
  await step("build-info", stageBuildInfo);
  await step("font", stageFont);
  await step("layout", stageLayout);
  await step("asc", stageAsc);
  const result: BuildResult = { iso: cfg.ISO, elf: cfg.ELF, wasm: cfg.CORE_WASM };
  if (opts.wasmOnly) return result;
  await step("wasm2c", stageWasm2c);
  await step("cc", stageCompile);
  await step("ld", stageLink);
  await step("iso", () => {
    const guestName = /^test:(.+)$/.exec(opts.guest ?? "")?.[1];
    const declared = opts.kernel ? kernelGuestCmdline(opts.cmdline ?? "") : guestName ? guestCmdline(guestName) : "";
    // The user's words first: the hypervisor takes the first of a repeated option.
    const r = stageIso([opts.cmdline ?? "", declared].filter((s) => s !== "").join(" "), guestModules(opts.kernel ?? opts.guest));
    result.iso = r.iso;
    return r.built;
  });
  log(`  ${path.relative(cfg.ROOT, cfg.ELF)}: ${fs.statSync(cfg.ELF).size} bytes; ` +
      `${path.relative(cfg.ROOT, result.iso)}: ${fs.statSync(result.iso).size} bytes; total ${Date.now() - started} ms`);
  return result;
}
