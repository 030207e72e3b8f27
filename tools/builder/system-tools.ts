// The system tools the pipeline and the run tool call, and how to get each.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

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
};

export function hasCommand(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
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
