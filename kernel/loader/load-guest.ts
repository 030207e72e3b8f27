// Loading the guest by what its image is: the boot modules by role
// (kernel/boot/modules.ts), then the image's format told from its header —
// a Linux bzImage (./bzimage.ts), a multiboot kernel (./multiboot1.ts) or a
// flat binary (kernel/loader/flat-image.ts, the test guests) — into guest
// RAM, and the vCPU's first state.
import { Mb2Info } from "../boot/multiboot2";
import { isUsable } from "../boot/memory-map";
import { findModule, guestImageModule, moduleSize, moduleStart, NO_MODULE } from "../boot/modules";
import { Vm } from "../vm/vm";
import { CpuMode, InitialState } from "../vm/initial-state";
import { loadFlatImage } from "./flat-image";
import { begin, endl, line, putBytes, putDec, puts, putHex, putSize } from "../console/console";
import { findOption } from "../boot/cmdline";
import { cpu } from "../cpu/identify";
import { isBzImage, loadBzImage } from "./bzimage";
import { isMultiboot, loadMultiboot } from "./multiboot1";
import { KernelArgs } from "./kernel-args";
import { CMDLINE_MAX, EBDA_AT, EBDA_BYTES } from "./low-memory";
import { buildAcpiTables } from "../firmware/acpi-tables";
import { physRead } from "../hal/imports";

// Linux and Multiboot are kernel guests: they take an initrd and a command
// line (kernelArgs) and find the machine through the firmware tables.
export enum GuestFormat { None, Flat, Linux, Multiboot }

// "MZ": a DOS/PE executable's first two bytes (Microsoft PE Format, "MS-DOS
// Stub (Image Only)"), as every bzImage with an EFI stub begins.
const MZ: u16 = 0x5a4d;
const word = memory.data(2);

// True if the image begins as a PE executable does: a bzImage cut short
// or with a damaged header, or an EFI application — never a flat image
// (whose first bytes are the code run at 0x7c00).
function isPeImage(start: u64, size: u64): bool {
  if (size < 2) return false;
  physRead(word, start, 2);
  return load<u16>(word) == MZ;
}

function describeModule(info: Mb2Info, i: i32, what: string): bool {
  begin(what);
  putBytes(info.moduleNames[i], info.moduleNameLens[i]);
  puts(", ");
  putSize(moduleSize(info, i));
  endl();
  // Every module must lie in RAM the firmware calls usable: a corrupt boot
  // block must not make the hypervisor copy from device memory.
  if (!isUsable(info, moduleStart(info, i), moduleSize(info, i))) {
    begin("boot module rejected: ");
    putHex(moduleStart(info, i));
    puts("-");
    putHex(<u64>info.moduleEnds[i]);
    puts(" is not in usable RAM");
    endl();
    return false;
  }
  return true;
}

// The guest image's format, or None (reported) if its modules are unusable.
export function guestFormat(info: Mb2Info): GuestFormat {
  const k = guestImageModule(info);
  if (k == NO_MODULE) {
    line("guest: no guest image among the boot modules");
    return GuestFormat.None;
  }
  if (!describeModule(info, k, "guest: ")) return GuestFormat.None;
  const start = moduleStart(info, k);
  const size = moduleSize(info, k);
  if (isBzImage(start, size)) return GuestFormat.Linux;
  if (isMultiboot(start, size)) return GuestFormat.Multiboot;
  if (isPeImage(start, size)) {
    begin("guest image rejected: a PE executable (\"MZ\") of ");
    putDec(size);
    puts(" bytes without the Linux boot header (0xAA55 at 0x1fe, \"HdrS\" at 0x202): a bzImage cut short or damaged, or an EFI application");
    endl();
    return GuestFormat.None;
  }
  return GuestFormat.Flat;
}

// Fill `args` for a kernel guest from the modules; false (reported) if one
// is bad. Without a cmdline module a Linux kernel gets DEFAULT_CMDLINE, a
// multiboot kernel an empty line.
export function kernelArgs(info: Mb2Info, format: GuestFormat, args: KernelArgs): bool {
  const k = guestImageModule(info);
  args.imageStart = moduleStart(info, k);
  args.imageSize = moduleSize(info, k);
  const r = findModule(info, "initrd");
  if (r != NO_MODULE) {
    if (!describeModule(info, r, "initrd: ")) return false;
    args.initrdStart = moduleStart(info, r);
    args.initrdSize = moduleSize(info, r);
    if (args.initrdSize == 0) {
      line("initrd rejected: it is empty");
      return false;
    }
  }
  const c = findModule(info, "cmdline");
  if (c == NO_MODULE) {
    if (format == GuestFormat.Linux) args.setDefaultCmdline();
    else args.clearCmdline();
  } else {
    if (!describeModule(info, c, "guest command line: ")) return false;
    if (!args.setCmdlineFrom(moduleStart(info, c), moduleSize(info, c))) {
      begin("guest command line rejected: longer than ");
      putSize(<u64>CMDLINE_MAX - 1);
      endl();
      return false;
    }
  }
  begin("guest command line: ");
  putBytes(args.cmdline, args.cmdlineLen);
  endl();
  return true;
}

// What the guest cannot measure well about the TSC, on its command line
// (Documentation/admin-guide/kernel-parameters.txt), unless the user said
// otherwise:
//   - `tsc=reliable`, which that document gives for "virtualized
//     environment"s: the TSC is the host's invariant one plus a fixed
//     offset. Without it the clocksource watchdog compares the TSC with
//     jiffies or the PM timer, and on a slow (emulated) host both fail the
//     TSC wrongly: jiffies lose ticks while the guest prints on its serial
//     console with interrupts off (every character costs exits), and every
//     PM timer read is an exit — the watchdog then reports read-back
//     delays or calls the TSC unstable.
//   - on AMD, `tsc_early_khz=`: the rate, which Linux reads from CPUID 15H
//     on Intel only (kernel/vm/cpuid-policy.ts). Calibrating against the PIT
//     or the PM timer instead times port reads that each cost an exit,
//     which on an emulated host fails or comes out wrong.
function addTscFacts(vm: Vm, args: KernelArgs): bool {
  const khz = vm.clock.tscKhz;
  if (khz == 0) return true;
  const rate = !cpu.isIntel() && findOption(args.cmdline, args.cmdlineLen, "tsc_early_khz") < 0;
  const reliable = findOption(args.cmdline, args.cmdlineLen, "tsc") < 0;
  if ((rate && !args.appendDecimalOption("tsc_early_khz", khz)) || (reliable && !args.appendWord("tsc=reliable"))) {
    // The user's line comes first: the guest then measures the TSC itself.
    line("guest command line: no room to add tsc_early_khz= and tsc=reliable: the guest calibrates its TSC itself");
    return true;
  }
  if (!rate && !reliable) return true;
  begin("guest command line: added");
  if (rate) {
    puts(" tsc_early_khz=");
    putDec(khz);
  }
  if (reliable) puts(" tsc=reliable");
  puts(rate ? " (AMD: the TSC facts Linux reads from CPUID 15H on Intel)" : " (the TSC is the host's invariant one)");
  endl();
  return true;
}

// Load the guest into the VM's RAM and fill its start.
export function loadGuest(info: Mb2Info, vm: Vm, format: GuestFormat, mode: CpuMode, args: KernelArgs, state: InitialState): bool {
  if (format == GuestFormat.Linux || format == GuestFormat.Multiboot) {
    // The firmware tables a kernel finds its platform by, in the EBDA
    // (kernel/loader/low-memory.ts), one vCPU. A multiboot kernel is told
    // nothing of them: it scans the EBDA for the RSDP (ACPI 6.4 §5.2.5.1),
    // which the BIOS data area points at (writeBiosDataArea).
    args.rsdp = buildAcpiTables(vm.memory, EBDA_AT, EBDA_BYTES, <u32>vm.vcpus.length);
    if (args.rsdp == 0) {
      line("ACPI tables: they do not fit in the EBDA");
      return false;
    }
    if (format == GuestFormat.Linux && !addTscFacts(vm, args)) return false;
    begin("ACPI: RSDP at ");
    putHex(args.rsdp);
    puts(" (XSDT, FADT with PM timer at 0x608, MADT, DSDT)");
    endl();
    if (format == GuestFormat.Multiboot) return loadMultiboot(vm.memory, args, state);
    return loadBzImage(vm.memory, args, state);
  }
  const k = guestImageModule(info);
  return loadFlatImage(vm.memory, moduleStart(info, k), <u64>info.moduleEnds[k], mode, state);
}
