#!/usr/bin/env bash
# Install what tsvisor needs on a Debian (12+) or Ubuntu machine, and only
# what is missing: the build toolchain (wabt, gcc, binutils, GRUB for BIOS
# and UEFI, xorriso, mtools), the test hosts (QEMU with OVMF, Bochs), what builds the Linux guest's
# initramfs (cpio, kmod's modinfo) and its default disk (e2fsprogs's
# mkfs.ext4 and debugfs), iasl (the unit tests disassemble the
# ACPI tables with it), and the npm packages.
# Runs before `npm start` and `npm test`; safe to run again at any time.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
need_cmd()  { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_file() { [ -e "$1" ] || missing+=("$2"); }
# A command a user's $PATH may leave out: Debian keeps it in /usr/sbin.
need_sbin() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] || missing+=("$2"); }

need_cmd  wasm2c                wabt
need_file /usr/include/wasm-rt.h wabt
need_cmd  gcc                   gcc
need_file /usr/include/string.h libc6-dev
need_cmd  ld                    binutils
need_cmd  grub-mkrescue         grub-common
need_file /usr/lib/grub/i386-pc grub-pc-bin
# UEFI: with GRUB's x86_64-efi modules grub-mkrescue makes one ISO that
# boots on BIOS and UEFI machines; OVMF is the UEFI firmware QEMU boots it
# with (tsvisor run --firmware uefi, the UEFI boot tests).
need_file /usr/lib/grub/x86_64-efi grub-efi-amd64-bin
need_file /usr/share/OVMF/OVMF_CODE.fd ovmf
need_cmd  xorriso               xorriso
need_cmd  mformat               mtools
need_cmd  qemu-system-x86_64    qemu-system-x86
need_cmd  bochs                 bochs
need_file /usr/share/bochs/BIOS-bochs-latest bochsbios
need_file /usr/share/vgabios/vgabios.bin     vgabios
need_file /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so bochs-term
need_cmd  script                bsdutils
need_cmd  iasl                  acpica-tools
need_cmd  git                   git
need_cmd  cpio                  cpio
need_sbin modinfo               kmod
need_sbin mkfs.ext4             e2fsprogs
need_sbin debugfs               e2fsprogs

if [ ${#missing[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  echo "tsvisor: installing missing system packages: $pkgs"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "tsvisor: no apt-get here; install these packages (or your system's equivalents) by hand: $pkgs" >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "tsvisor: need root to install: $pkgs — run as root or install sudo" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  # shellcheck disable=SC2086
  "${sudo[@]}" apt-get install -y -qq $pkgs >/dev/null
fi

# npm packages: install when absent or when the lock file changed since.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "tsvisor: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi
