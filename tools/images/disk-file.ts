// What a disk image given to `tsvisor run --disk` must be, checked before
// anything is built or booted. The guest sees it as a virtio-blk device
// (virtio 1.2 §5.2), whose capacity is counted in 512-byte sectors, and the
// hypervisor serves it from the copy GRUB loads into host memory.
import fs from "node:fs";
import { GuestFileError, openGuestFile } from "./kernel-file.js";

// virtio-blk's `capacity` is in 512-byte sectors whatever the guest's block
// size (virtio 1.2 §5.2.4): a disk of a part sector has no whole last sector.
export const SECTOR_BYTES = 512;

// The hypervisor holds the whole disk in host memory, loaded by GRUB as a
// boot module below 4 GiB, beside the guest's RAM, the kernel and initrd;
// the emulated machines have 512 MiB to 2 GiB (tools/run/launch.ts
// machineMiB gives a kernel guest 1 GiB more than its disk), so a disk
// past 1 GiB would not fit.
export const MAX_DISK_BYTES = 1024 * 1024 * 1024;

const MIB = 1024 * 1024;

export interface DiskInfo { size: number }

// A readable, regular, non-empty file, a whole number of sectors, at most
// MAX_DISK_BYTES; throws GuestFileError saying what is wrong.
export function checkDisk(file: string): DiskInfo {
  const { fd, size } = openGuestFile(file, "disk");
  fs.closeSync(fd);
  if (size % SECTOR_BYTES !== 0) {
    throw new GuestFileError(`disk ${file}: ${size} bytes, not a whole number of ${SECTOR_BYTES}-byte sectors ` +
      `(virtio-blk counts its capacity in sectors; pad it, e.g. truncate -s %${SECTOR_BYTES} FILE)`);
  }
  if (size > MAX_DISK_BYTES) {
    throw new GuestFileError(`disk ${file}: ${describeSize(size)}, over the ${describeSize(MAX_DISK_BYTES)} a disk may have ` +
      "(the hypervisor holds it in the emulated machine's memory)");
  }
  return { size };
}

// 8388608 → "8 MiB"; sizes of a part MiB in bytes, as nothing is rounded away.
export function describeSize(bytes: number): string {
  if (bytes >= 1024 * MIB && bytes % (1024 * MIB) === 0) return `${bytes / (1024 * MIB)} GiB`;
  return bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}

// The run's note: "disk: FILE (8 MiB, read-write)".
export function describeDisk(file: string, size: number, readOnly: boolean): string {
  return `disk: ${file} (${describeSize(size)}, ${readOnly ? "read-only" : "read-write"})`;
}
