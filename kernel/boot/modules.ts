// The boot modules GRUB hands over (Multiboot2 spec §3.6.6), by role. The
// run tool names each module by what it is (tools/builder/stages.ts):
//   kernel   the guest image — a Linux bzImage, a multiboot kernel or a flat
//            binary, told apart by their headers (kernel/loader/load-guest.ts);
//   initrd   the initial RAM disk handed to a Linux kernel;
//   cmdline  a file holding the guest kernel's command line (a file, so that
//            no quoting of grub.cfg stands between the user and the kernel);
//   disk     the image behind the guest's virtio disk (`disk ro`: read-only;
//            kernel/virtio-devices.ts).
// A module with another name (a test guest: `hello.bin`) is the guest image
// when there is no `kernel`: the first such module.
import { Mb2Info } from "./multiboot2";

export const NO_MODULE: i32 = -1;

function nameIs(info: Mb2Info, i: u32, role: string): bool {
  const p = info.moduleNames[i];
  const len = info.moduleNameLens[i];
  const n = <u32>role.length;
  if (len < n) return false;
  for (let k: u32 = 0; k < n; k++) {
    if (<u32>load<u8>(p + k) != <u32>role.charCodeAt(k)) return false;
  }
  // The role is the module string's first word.
  return len == n || load<u8>(p + n) == 0x20;
}

// A word after the role in module `i`'s string (`disk ro`: the flag `ro`).
export function moduleHasFlag(info: Mb2Info, i: i32, flag: string): bool {
  const p = info.moduleNames[i];
  const len = info.moduleNameLens[i];
  const n = <u32>flag.length;
  let at: u32 = 0;
  while (at < len && load<u8>(p + at) != 0x20) at++; // past the role
  while (at < len) {
    while (at < len && load<u8>(p + at) == 0x20) at++;
    let k: u32 = 0;
    while (k < n && at + k < len && <u32>load<u8>(p + at + k) == <u32>flag.charCodeAt(k)) k++;
    if (k == n && (at + n == len || load<u8>(p + at + n) == 0x20)) return true;
    while (at < len && load<u8>(p + at) != 0x20) at++;
  }
  return false;
}

// The index of the first module whose string's first word is `role`, or NO_MODULE.
export function findModule(info: Mb2Info, role: string): i32 {
  for (let i: u32 = 0; i < info.moduleCount; i++) {
    if (nameIs(info, i, role)) return <i32>i;
  }
  return NO_MODULE;
}

// The guest image: the `kernel` module, else the first module that is
// neither an initrd, a command line nor a disk; NO_MODULE if none.
export function guestImageModule(info: Mb2Info): i32 {
  const k = findModule(info, "kernel");
  if (k != NO_MODULE) return k;
  for (let i: u32 = 0; i < info.moduleCount; i++) {
    if (!nameIs(info, i, "initrd") && !nameIs(info, i, "cmdline") && !nameIs(info, i, "disk")) return <i32>i;
  }
  return NO_MODULE;
}

@inline export function moduleStart(info: Mb2Info, i: i32): u64 { return <u64>info.moduleStarts[i]; }
@inline export function moduleEnd(info: Mb2Info, i: i32): u64 { return <u64>info.moduleEnds[i]; }
@inline export function moduleSize(info: Mb2Info, i: i32): u64 { return <u64>(info.moduleEnds[i] - info.moduleStarts[i]); }

// True if host-physical [base, base + len) overlaps any module.
export function overlapsModule(info: Mb2Info, base: u64, len: u64): bool {
  for (let i: u32 = 0; i < info.moduleCount; i++) {
    const s = <u64>info.moduleStarts[i];
    const e = <u64>info.moduleEnds[i];
    if (base < e && s < base + len) return true;
  }
  return false;
}
