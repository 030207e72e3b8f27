// The Linux guest's initramfs: a gzip-compressed newc cpio archive (the
// format the kernel unpacks, Documentation/driver-api/early-userspace/
// buffer-format.rst) written by Debian's cpio from a staging directory
// holding a static busybox, the virtio modules and an /init script.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { requireTools } from "../builder/system-tools.js";
import { exec } from "./exec.js";

// The line /init prints once the modules are loaded, just before the shell.
export const READY_MARKER = "tsvisor-guest: ready";

// /init: busybox's applets as links in /bin, the kernel's pseudo file
// systems, the modules in dependency order (a module that fails to load is
// reported and skipped: the boot goes on), the ready marker, then busybox's
// init (/etc/inittab below), so that `poweroff` and `reboot` work as on any
// busybox system: they signal PID 1, which ends its processes and asks the
// kernel (ACPI S5, or the reset register).
export function initScript(modules: string[]): string {
  return [
    "#!/bin/busybox sh",
    "# Written by tsvisor (tools/images/initramfs.ts).",
    "/bin/busybox --install -s /bin",
    "export PATH=/bin",
    "mount -t proc proc /proc",
    "mount -t sysfs sysfs /sys",
    "mount -t devtmpfs devtmpfs /dev",
    "load() {",
    '  if ! err=$(insmod "$1" 2>&1); then echo "tsvisor-guest: warning: could not load ${1##*/}: $err"; fi',
    "}",
    ...modules.map((m) => `load /${m}`),
    // A second shell on the virtio console, hvc0, once its driver has made
    // the tty (sysfs at once; the /dev node follows from devtmpfs).
    "if [ -e /sys/class/tty/hvc0 ]; then",
    "  for i in 1 2 3 4 5; do [ -c /dev/hvc0 ] && break; sleep 1; done",
    `  echo "${HVC_INITTAB}" >> /etc/inittab`,
    "fi",
    `echo "${READY_MARKER}"`,
    "exec /bin/init",
    "",
  ].join("\n");
}

// busybox init's table (busybox examples/inittab): a shell on the console
// in its own session with the console as its controlling terminal
// (cttyhack), so that Ctrl-C reaches what it runs, started again when it
// exits; file systems unmounted on the way down. /init appends a shell on
// the virtio console (HVC_INITTAB) when there is one.
export const INITTAB = [
  "::respawn:/bin/cttyhack /bin/sh",
  "::ctrlaltdel:/bin/reboot",
  "::shutdown:/bin/umount -a -r",
  "",
].join("\n");

// The virtio console's entry, added by /init when the guest has one: a
// login shell on hvc0, in its own session with hvc0 as its terminal.
export const HVC_INITTAB = "hvc0::respawn:-/bin/sh";

export interface InitramfsInput {
  busybox: string;        // the static busybox binary
  moduleRoot: string;     // the unpacked kernel package's root (holding lib/modules/...)
  modules: string[];      // in load order, relative to moduleRoot (lib/modules/<ver>/kernel/...)
}

// Fill a staging directory with the initramfs's files.
export function stageInitramfs(dir: string, input: InitramfsInput): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const d of ["bin", "etc", "proc", "sys", "dev", "tmp", "root"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.copyFileSync(input.busybox, path.join(dir, "bin", "busybox"));
  fs.chmodSync(path.join(dir, "bin", "busybox"), 0o755);
  for (const m of input.modules) {
    fs.mkdirSync(path.join(dir, path.dirname(m)), { recursive: true });
    fs.copyFileSync(path.join(input.moduleRoot, m), path.join(dir, m));
  }
  fs.writeFileSync(path.join(dir, "init"), initScript(input.modules), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "etc", "inittab"), INITTAB);
}

// `find . | cpio -o -H newc`, files owned by root, gzip'd: the archive's bytes.
export function packInitramfs(dir: string): Buffer {
  requireTools("cpio");
  const list = exec("find", ["."], "listing the initramfs staging directory", { cwd: dir })
    .toString("utf8").split("\n").filter((l) => l !== "").sort().join("\n") + "\n";
  const cpio = exec("cpio", ["--quiet", "-o", "-H", "newc", "-R", "0:0", "--reproducible"], "cpio (writing the initramfs)",
    { cwd: dir, input: list });
  return zlib.gzipSync(cpio, { level: 9 });
}
