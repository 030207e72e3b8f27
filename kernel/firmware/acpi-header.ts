// The System Description Table Header that opens every ACPI table but the
// RSDP and the FACS (ACPI 6.4 §5.2.6, Table 5.4), 36 bytes:
//   0 Signature (4)    4 Length (4)        8 Revision (1)   9 Checksum (1)
//  10 OEMID (6)       16 OEM Table ID (8) 24 OEM Revision (4)
//  28 Creator ID (4)  32 Creator Revision (4)
// and the ASCII fields tsvisor fills in it.
import { setChecksum } from "./acpi-checksum";

export const HEADER_BYTES: u32 = 36;
export const OEM_ID = "TSVISR";        // 6 bytes: the OEM, also in the RSDP
const OEM_TABLE_ID = "TSVISOR ";       // 8 bytes: the OEM's name for this table set
const OEM_REVISION: u32 = 1;
const CREATOR_ID = "TSVR";             // 4 bytes: the tool that made the tables
const CREATOR_REVISION: u32 = 1;

const LENGTH: usize = 4;
const REVISION: usize = 8;
const CHECKSUM: u32 = 9;
const OEMID: usize = 10;
const OEM_TABLE: usize = 16;
const OEM_REV: usize = 24;
const CREATOR: usize = 28;
const CREATOR_REV: usize = 32;

// `width` bytes of ASCII `s` at `p`, padded with spaces.
export function putAscii(p: usize, s: string, width: u32): void {
  for (let i: i32 = 0; i < <i32>width; i++) store<u8>(p + <usize>i, i < s.length ? s.charCodeAt(i) : 0x20);
}

export function writeHeader(t: usize, signature: string, length: u32, revision: u32): void {
  putAscii(t, signature, 4);
  store<u32>(t + LENGTH, length);
  store<u8>(t + REVISION, revision);
  putAscii(t + OEMID, OEM_ID, 6);
  putAscii(t + OEM_TABLE, OEM_TABLE_ID, 8);
  store<u32>(t + OEM_REV, OEM_REVISION);
  putAscii(t + CREATOR, CREATOR_ID, 4);
  store<u32>(t + CREATOR_REV, CREATOR_REVISION);
}

// Once the table's bytes are final: its checksum over the Length it declares.
export function sealTable(t: usize): void {
  setChecksum(t, load<u32>(t + LENGTH), CHECKSUM);
}
