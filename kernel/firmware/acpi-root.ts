// Where an OS starts: the Root System Description Pointer and the root
// tables it points at, which list every other table but the DSDT and FACS
// (those hang off the FADT).
import { writeHeader, sealTable, putAscii, HEADER_BYTES, OEM_ID } from "./acpi-header";
import { setChecksum } from "./acpi-checksum";

// RSDP (ACPI 6.4 §5.2.5.3, Table 5.3), 36 bytes, revision 2:
//   0 Signature "RSD PTR "   8 Checksum (of bytes 0-19)   9 OEMID (6)
//  15 Revision              16 RsdtAddress (4)           20 Length (4)
//  24 XsdtAddress (8)       32 Extended Checksum (of all 36)   33 reserved (3)
// An OS finds it on a 16-byte boundary in the EBDA's first 1 KiB or in
// 0xE0000-0xFFFFF (§5.2.5.1), or where its boot loader says.
export const RSDP_BYTES: u32 = 36;
const RSDP_V1_BYTES: u32 = 20;
const RSDP_REVISION: u32 = 2;   // ACPI 2.0 and later: with Length and XsdtAddress

export function writeRsdp(p: usize, rsdt: u64, xsdt: u64): void {
  putAscii(p, "RSD PTR ", 8);
  putAscii(p + 9, OEM_ID, 6);
  store<u8>(p, RSDP_REVISION, 15);
  store<u32>(p, <u32>rsdt, 16);
  store<u32>(p, RSDP_BYTES, 20);
  store<u64>(p, xsdt, 24);
  setChecksum(p, RSDP_V1_BYTES, 8);
  setChecksum(p, RSDP_BYTES, 32);
}

// XSDT (§5.2.8): the header, then 64-bit table addresses; RSDT (§5.2.7):
// the same with 32-bit ones, for ACPI 1.0 OSes. Both revision 1.
const ROOT_TABLE_REVISION: u32 = 1;

export function xsdtBytes(entries: u32): u32 { return HEADER_BYTES + 8 * entries; }
export function rsdtBytes(entries: u32): u32 { return HEADER_BYTES + 4 * entries; }

export function writeXsdt(t: usize, tables: StaticArray<u64>): void {
  const n = <u32>tables.length;
  writeHeader(t, "XSDT", xsdtBytes(n), ROOT_TABLE_REVISION);
  for (let i: u32 = 0; i < n; i++) store<u64>(t + <usize>(HEADER_BYTES + 8 * i), tables[i]);
  sealTable(t);
}

export function writeRsdt(t: usize, tables: StaticArray<u64>): void {
  const n = <u32>tables.length;
  writeHeader(t, "RSDT", rsdtBytes(n), ROOT_TABLE_REVISION);
  for (let i: u32 = 0; i < n; i++) store<u32>(t + <usize>(HEADER_BYTES + 4 * i), <u32>tables[i]);
  sealTable(t);
}
