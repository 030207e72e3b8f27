// How to start each test host for an ISO. A launch says which command to
// run, where the machine's COM1 is — the emulator's own stdin and stdout
// (QEMU's -serial stdio), or a TCP connection it opens to the session
// (Bochs); either way the session reads COM1's output and types into it —
// and which file the machine's COM2 is captured to: the hypervisor's
// control channel (drivers/host/com1.ts), a copy of its own lines that no
// guest can write, from which the session takes the run's verdict. COM1
// carries the guest's bytes too, so a guest could print a forged verdict
// there. Each launch owns a temporary directory for that file (and Bochs's
// configuration and log), removed by cleanup().
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { HostName, hostVirtFlag } from "./hosts.js";
import type { KernelGuest } from "../builder/pipeline.js";

export interface Launch {
  host: HostName;
  command: string;
  args: string[];
  cwd?: string;
  serial: SerialLink;
  control: string;      // the file COM2 (the control channel) is written to; it may appear late, or never
  hostLog?: string;     // the emulator's own log, shown when it fails
  cleanup(): void;
}

// COM1 on the emulator's stdio, or over TCP on the loopback interface.
// Bochs 2.7's `file` mode only writes; its modes that also read are term
// (a terminal device: a second pseudo-terminal the run would have to make),
// raw (a real serial port), pipe-client / pipe-server (Windows named pipes
// only) and socket-client / socket-server. In socket-client mode Bochs
// connects at start-up to a port that already listens — the session's, on
// 127.0.0.1, chosen by the kernel — so no port is guessed and nobody waits
// for Bochs to listen. `connectTo(port)` writes that port into the
// emulator's configuration before it starts; `capture` keeps a copy of
// COM1's output.
export type SerialLink =
  | { kind: "stdio" }
  | { kind: "socket"; host: "127.0.0.1"; connectTo(port: number): void; capture?: string };

// The isa-debug-exit device (QEMU hw/misc/debug-exit.c) at the port the
// core writes to end a run (kernel/platform/power.ts).
const DEBUG_EXIT = "isa-debug-exit,iobase=0xf4,iosize=0x04";
export const QEMU_STATUS_SUCCESS = (0x10 << 1) | 1; // 33
export const QEMU_STATUS_FAILURE = (0x11 << 1) | 1; // 35

// The emulated machine's RAM (QEMU -m, Bochs megs): room for the hypervisor
// and a test guest; a kernel guest gets at least KERNEL_GUEST_MACHINE_MIB.
export const GUEST_RAM_MIB = 512;
export const KERNEL_GUEST_MACHINE_MIB = 1024;

// A kernel guest's machine: KERNEL_GUEST_MACHINE_MIB, and as much again as
// its disk, which GRUB loads into the machine's memory beside everything
// else (at most 1 GiB, tools/images/disk-file.ts: 2 GiB in all).
// A `guest_ram=MiB` on the hypervisor's command line asks for more: the
// guest's RAM is one run of the machine's memory (kernel/vm/ram-placement.ts)
// beside the hypervisor and the boot modules. Up to 2 GiB it fits below the
// PC's PCI hole; beyond, it needs a run above 4 GiB, where a PC puts what
// does not fit below 3 GiB — so the machine gets those 3 GiB and the guest's
// RAM again above them.
export function machineMiB(kernel?: KernelGuest, cmdline = ""): number {
  const diskMiB = kernel?.disk ? Math.ceil(fs.statSync(kernel.disk.file).size / (1024 * 1024)) : 0;
  const base = kernel ? Math.max(GUEST_RAM_MIB, KERNEL_GUEST_MACHINE_MIB + diskMiB) : GUEST_RAM_MIB;
  const asked = /(?:^|\s)guest_ram=(\d+)(?:\s|$)/.exec(cmdline);
  if (!asked) return base;
  const ram = Number(asked[1]);
  return Math.max(base, ram <= LOW_RAM_FIT_MIB ? ram + HYPERVISOR_ROOM_MIB + diskMiB : PC_LOW_RAM_MIB + ram + HYPERVISOR_ROOM_MIB);
}
// The hypervisor, GRUB and the boot modules (the kernel guest's kernel and
// initrd) beside the guest's RAM.
const HYPERVISOR_ROOM_MIB = 512;
// QEMU's pc machine keeps RAM below 4 GiB up to 3 GiB when it has more than
// that (hw/i386/pc_piix.c: the rest goes above 4 GiB).
const PC_LOW_RAM_MIB = 3072;
const LOW_RAM_FIT_MIB = 2048;

export interface LaunchOptions {
  memoryMiB?: number;
  // Bochs: read an MSR it does not model as 0 and ignore a write to one,
  // instead of raising #GP (bochsrc `ignore_bad_msrs`). Off for tsvisor,
  // whose MSR policy decides what a guest's unknown MSR does; a Linux booted
  // on Bochs directly needs it on: its 32-bit entry reads
  // IA32_MISC_ENABLE (0x1a0; arch/x86/kernel/verify_cpu.S) and its early
  // microcode check IA32_BIOS_SIGN_ID (0x8b), which Bochs 2.7 does not
  // model, and with no IDT yet the #GP is a triple fault.
  ignoreBadMsrs?: boolean;
  // The machine's firmware (QEMU only): "bios", SeaBIOS (the default), or
  // "uefi", Debian's OVMF. The ISO is the same: grub-mkrescue makes it for
  // both (tools/setup/ensure-deps.sh installs GRUB's x86_64-efi modules).
  firmware?: Firmware;
}

export const FIRMWARES = ["bios", "uefi"] as const;
export type Firmware = (typeof FIRMWARES)[number];
// Debian's ovmf package: the firmware's code, and the template of its
// variable store, which each launch copies (OVMF writes to it).
export const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE.fd";
const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS.fd";

function firmwareArgs(firmware: Firmware, dir: string): string[] {
  if (firmware === "bios") return [];
  for (const f of [OVMF_CODE, OVMF_VARS]) {
    if (!fs.existsSync(f)) throw new Error(`UEFI firmware not found: ${f} (install Debian's ovmf: bash tools/setup/ensure-deps.sh)`);
  }
  const vars = path.join(dir, "OVMF_VARS.fd");
  fs.copyFileSync(OVMF_VARS, vars);
  return ["-drive", `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, "-drive", `if=pflash,format=raw,file=${vars}`];
}

// The launch's own directory, and its cleanup: TSVISOR_KEEP_HOST_FILES=1
// keeps it (the control channel's capture, and Bochs's bochsrc, COM1
// capture and bochs.log) for debugging.
function hostDir(host: HostName): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tsvisor-${host}-`));
  return {
    dir,
    cleanup() {
      if (process.env.TSVISOR_KEEP_HOST_FILES === "1") process.stderr.write(`tsvisor: ${host} files kept in ${dir}\n`);
      else fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// What the machine boots: the ISO from its CD drive, or (QEMU only) a
// kernel loaded by QEMU itself, as `-kernel` does, with no firmware-side
// boot loader — the benchmark's direct boot (tools/bench/linux-boot.ts).
export type BootMedia =
  | { kind: "iso"; iso: string }
  | { kind: "kernel"; kernel: string; initrd?: string; append: string };

function qemuMedia(m: BootMedia): string[] {
  if (m.kind === "iso") return ["-boot", "d", "-cdrom", m.iso];
  return ["-kernel", m.kernel, ...(m.initrd ? ["-initrd", m.initrd] : []), "-append", m.append];
}

function qemu(media: BootMedia, accel: "tcg" | "kvm", cpu: string, memoryMiB: number, firmware: Firmware = "bios"): Launch {
  const host = accel === "kvm" ? "kvm" : "qemu";
  const { dir, cleanup } = hostDir(host);
  const fw = firmwareArgs(firmware, dir);
  const control = path.join(dir, "control.txt");
  return {
    host,
    command: "qemu-system-x86_64",
    args: [
      "-machine", `pc,accel=${accel}`, "-cpu", cpu, "-m", `${memoryMiB}M`,
      "-display", "none", "-monitor", "none",
      // The first -serial is COM1 (0x3f8), the second COM2 (0x2f8). `file:`
      // takes the rest of the word as the path, commas included; QEMU
      // creates the file at start-up and writes each byte as it is sent.
      "-serial", "stdio", "-serial", `file:${control}`,
      "-nic", "none",         // no network card, and so no option ROM to find
      "-no-reboot",           // a triple fault ends the run instead of looping
      "-device", DEBUG_EXIT,
      ...fw,
      ...qemuMedia(media),
    ],
    serial: { kind: "stdio" },
    control,
    cleanup,
  };
}

function bochs(iso: string, cpu: string, memoryMiB: number, ignoreBadMsrs: boolean): Launch {
  const { dir, cleanup } = hostDir("bochs");
  const capture = path.join(dir, "com1.txt");
  // Bochs opens a `file` port's file at its first byte and flushes each byte.
  const control = path.join(dir, "control.txt");
  const log = path.join(dir, "bochs.log");
  // Debian's Bochs is built with its debugger: it starts stopped, and the
  // rc file's `c` continues. Its only headless display is `term`, which
  // wants a terminal: the run goes under script(1) for a pseudo-terminal.
  const bochsrc = (port: number) => [
    `megs: ${memoryMiB}`,
    `cpu: model=${cpu}, count=1, ips=200000000, reset_on_triple_fault=0, ignore_bad_msrs=${ignoreBadMsrs ? 1 : 0}`,
    "romimage: file=/usr/share/bochs/BIOS-bochs-latest",
    "vgaromimage: file=/usr/share/vgabios/vgabios.bin",
    `ata0-master: type=cdrom, path="${iso}", status=inserted`,
    "boot: cdrom",
    `com1: enabled=1, mode=socket-client, dev=127.0.0.1:${port}`,
    `com2: enabled=1, mode=file, dev="${control}"`,
    "display_library: term",
    "clock: sync=none, time0=local",
    `log: ${log}`,
    "panic: action=fatal",
    "error: action=report",
    "info: action=report",
    "debug: action=ignore",
    "",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "debugger.rc"), "c\nquit\n");
  return {
    host: "bochs",
    command: "script",
    args: ["-qfec", "bochs -q -f bochsrc -rc debugger.rc", "/dev/null"],
    cwd: dir,
    serial: {
      kind: "socket",
      host: "127.0.0.1",
      connectTo: (port) => fs.writeFileSync(path.join(dir, "bochsrc"), bochsrc(port)),
      capture,
    },
    control,
    hostLog: log,
    cleanup,
  };
}

export function launchFor(host: HostName, iso: string, cpu?: string, opts: LaunchOptions = {}): Launch {
  return launchMedia(host, { kind: "iso", iso }, cpu, opts);
}

// The same machine as launchFor's, booting what `media` says: the
// benchmark's direct boot of a kernel with no hypervisor under it. Bochs has
// no `-kernel`: give it an ISO on which GRUB boots the kernel
// (tools/builder/stages.ts stageLinuxIso). The machine keeps its COM2 and
// debug-exit port, so nothing but the boot media differs from a tsvisor
// run; with no hypervisor nothing writes a verdict to COM2, and the run is
// the caller's to end.
export function launchMedia(host: HostName, media: BootMedia, cpu?: string, opts: LaunchOptions = {}): Launch {
  const files = media.kind === "iso" ? [media.iso] : [media.kernel, ...(media.initrd ? [media.initrd] : [])];
  for (const f of files) if (!fs.existsSync(f)) throw new Error(`${media.kind === "iso" ? "ISO" : "file"} not found: ${f}`);
  const mem = opts.memoryMiB ?? GUEST_RAM_MIB;
  switch (host) {
    case "qemu":
      // QEMU's TCG emulates SVM with nested paging, not VMX (shared/DESIGN.md).
      return qemu(media, "tcg", cpu ?? "qemu64,+svm,+npt,+rdrand,+pdpe1gb", mem, opts.firmware);
    case "kvm": {
      const flag = hostVirtFlag();
      return qemu(media, "kvm", cpu ?? (flag ? `host,+${flag}` : "host"), mem, opts.firmware);
    }
    case "bochs":
      if (media.kind !== "iso") throw new Error("Bochs boots an ISO only: put the kernel on one (stageLinuxIso)");
      if (opts.firmware === "uefi") throw new Error("Bochs has no UEFI firmware here: boot UEFI on QEMU (--host qemu --firmware uefi)");
      // corei7_skylake_x: VMX with EPT, VPID and unrestricted guest.
      return bochs(media.iso, cpu ?? "corei7_skylake_x", mem, opts.ignoreBadMsrs === true);
  }
}
