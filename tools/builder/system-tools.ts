// The system tools the pipeline and the run tool call, and how to get each.
import fs from "node:fs";
import path from "node:path";

export interface SystemTool {
  command: string;
  debianPackage: string;
  purpose: string;
  // Some tools are a directory of files rather than a command.
  path?: string;
}

export const TOOLS: Record<string, SystemTool> = {
  wasm2c: { command: "wasm2c", debianPackage: "wabt", purpose: "translate the core's wasm to C" },
  gcc: { command: "gcc", debianPackage: "gcc", purpose: "compile the native glue and the translated core" },
  ld: { command: "ld", debianPackage: "binutils", purpose: "link the multiboot2 ELF" },
  grubMkrescue: { command: "grub-mkrescue", debianPackage: "grub-common", purpose: "build the bootable ISO" },
  grubPc: { command: "", path: "/usr/lib/grub/i386-pc", debianPackage: "grub-pc-bin", purpose: "GRUB's BIOS boot files for the ISO" },
  xorriso: { command: "xorriso", debianPackage: "xorriso", purpose: "write the ISO image (used by grub-mkrescue)" },
  mformat: { command: "mformat", debianPackage: "mtools", purpose: "FAT images inside the ISO (used by grub-mkrescue)" },
  qemu: { command: "qemu-system-x86_64", debianPackage: "qemu-system-x86", purpose: "the QEMU test host" },
  bochs: { command: "bochs", debianPackage: "bochs bochsbios vgabios bochs-term", purpose: "the Bochs test host (VMX)" },
  script: { command: "script", debianPackage: "bsdutils", purpose: "give Bochs a pseudo-terminal" },
  // Fetching and building the Linux guest (tools/images/).
  aptGet: { command: "apt-get", debianPackage: "apt", purpose: "download Debian's kernel and busybox packages" },
  aptCache: { command: "apt-cache", debianPackage: "apt", purpose: "find the current Debian cloud kernel" },
  dpkgDeb: { command: "dpkg-deb", debianPackage: "dpkg", purpose: "unpack the downloaded packages" },
  modinfo: { command: "modinfo", debianPackage: "kmod", purpose: "read kernel modules' dependencies" },
  cpio: { command: "cpio", debianPackage: "cpio", purpose: "write the guest's initramfs" },
  mkfsExt4: { command: "mkfs.ext4", debianPackage: "e2fsprogs", purpose: "write the guest's default disk (ext4)" },
  debugfs: { command: "debugfs", debianPackage: "e2fsprogs", purpose: "fix and check the guest's default disk" },
};

// Where a command is: on $PATH, or in the sbin directories that a user's
// $PATH on Debian leaves out (kmod's modinfo is /usr/sbin/modinfo).
export function findCommand(command: string): string | null {
  if (command.includes("/")) return fs.existsSync(command) ? command : null;
  const dirs = [...(process.env.PATH ?? "").split(":").filter((d) => d !== ""), "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    const p = path.join(dir, command);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

export function hasCommand(command: string): boolean {
  return findCommand(command) !== null;
}

export function isAvailable(tool: SystemTool): boolean {
  if (tool.path) return fs.existsSync(tool.path);
  return hasCommand(tool.command);
}

export class MissingToolError extends Error {}

// Throw one error naming every missing tool and the packages that bring them.
export function requireTools(...names: (keyof typeof TOOLS)[]): void {
  const missing = names.map((n) => TOOLS[n]).filter((t) => !isAvailable(t));
  if (missing.length === 0) return;
  const lines = missing.map((t) => `  ${t.command || t.path} (${t.purpose}): Debian package ${t.debianPackage}`);
  const pkgs = [...new Set(missing.flatMap((t) => t.debianPackage.split(" ")))].join(" ");
  throw new MissingToolError(
    `missing system tools:\n${lines.join("\n")}\n` +
      `install them with:  sudo apt-get install -y ${pkgs}\n` +
      `or let tsvisor do it:  bash tools/setup/ensure-deps.sh`,
  );
}
