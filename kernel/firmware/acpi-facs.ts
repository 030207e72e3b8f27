// The Firmware ACPI Control Structure (ACPI 6.4 §5.2.10), 64 bytes on a
// 64-byte boundary, in memory the OS may write. It has no header checksum.
//   0 Signature "FACS"    4 Length             8 Hardware Signature
//  12 Firmware Waking Vector                  16 Global Lock
//  20 Flags              24 X Firmware Waking Vector (8)
//  32 Version            33 reserved (3)      36 OSPM Flags   40 reserved (24)
// All zero but the signature, length and version: no S4BIOS, no 64-bit
// wake, no global lock owner; the hardware signature never changes, since
// nothing here sleeps and wakes.
import { putAscii } from "./acpi-header";

export const FACS_BYTES: u32 = 64;
export const FACS_ALIGN: u32 = 64;
const LENGTH: usize = 4;
const VERSION: usize = 32;
const FACS_VERSION: u32 = 2;   // the version ACPI 4.0 onwards define

export function writeFacs(t: usize): void {
  putAscii(t, "FACS", 4);
  store<u32>(t + LENGTH, FACS_BYTES);
  store<u8>(t + VERSION, FACS_VERSION);
}
