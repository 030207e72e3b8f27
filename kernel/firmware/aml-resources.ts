// Resource descriptors, the bytes of a ResourceTemplate() buffer such as a
// _CRS (ACPI 6.4 §6.4, "Resource Data Types for ACPI"): the few a PCI host
// bridge's _CRS needs, written into an open Aml buffer.
import { Aml } from "./aml";

// Address space descriptors' Resource Type (§6.4.3.5.2, §6.4.3.5.3).
export const RESOURCE_MEMORY: u32 = 0;
export const RESOURCE_IO: u32 = 1;
export const RESOURCE_BUS_NUMBER: u32 = 2;
// General Flags (§6.4.3.5.2-3): bit 3 _MAF (maximum address fixed), bit 2
// _MIF (minimum fixed), bit 1 _DEC clear (positive decode), bit 0 clear
// (the device produces the resource: a bridge's window onto its bus).
const PRODUCER_FIXED_RANGE: u32 = 0x0c;
// Type Specific Flags (§6.4.3.5.5): for I/O, _RNG 3 in bits 1:0 — the
// window passes ISA and non-ISA ranges alike; for memory, bit 0 _RW
// (read-write) with _MEM 0 in bits 2:1 (non-cacheable).
export const IO_ENTIRE_RANGE: u32 = 0x03;
export const MEMORY_READ_WRITE_NONCACHEABLE: u32 = 0x01;

// Large resource tags (§6.4.3): bit 7 set, the item name in bits 6:0.
const WORD_ADDRESS_SPACE: u32 = 0x88;   // §6.4.3.5.3
const DWORD_ADDRESS_SPACE: u32 = 0x87;  // §6.4.3.5.2
const WORD_DESCRIPTOR_LENGTH: u32 = 13;  // the bytes after the 3-byte header
const DWORD_DESCRIPTOR_LENGTH: u32 = 23;
// Small resource tags (§6.4.2): item name in bits 6:3, length in bits 2:0.
const IO_PORT: u32 = 0x47;              // §6.4.2.5, 7 bytes after the tag
const IO_DECODE_16: u32 = 0x01;         // the device decodes 16 address bits
const END_TAG: u32 = 0x79;              // §6.4.2.9, 1 byte after the tag

// WordBusNumber / WordIO: a fixed 16-bit range [min, max] the device
// produces, no translation, granularity 0.
export function wordAddress(aml: Aml, type: u32, typeFlags: u32, min: u32, max: u32): void {
  aml.byte(WORD_ADDRESS_SPACE);
  aml.word(WORD_DESCRIPTOR_LENGTH);
  aml.byte(type);
  aml.byte(PRODUCER_FIXED_RANGE);
  aml.byte(typeFlags);
  aml.word(0);             // _GRA
  aml.word(min);           // _MIN
  aml.word(max);           // _MAX
  aml.word(0);             // _TRA
  aml.word(max - min + 1); // _LEN
}

// DWordMemory: a fixed 32-bit range [min, max] the device produces.
export function dwordAddress(aml: Aml, type: u32, typeFlags: u32, min: u32, max: u32): void {
  aml.byte(DWORD_ADDRESS_SPACE);
  aml.word(DWORD_DESCRIPTOR_LENGTH);
  aml.byte(type);
  aml.byte(PRODUCER_FIXED_RANGE);
  aml.byte(typeFlags);
  aml.dword(0);
  aml.dword(min);
  aml.dword(max);
  aml.dword(0);
  aml.dword(max - min + 1);
}

// IO(Decode16, base, base, 1, len): `len` ports at `base` the device itself
// decodes (consumes).
export function ioPorts(aml: Aml, base: u32, len: u32): void {
  aml.byte(IO_PORT);
  aml.byte(IO_DECODE_16);
  aml.word(base);   // _MIN
  aml.word(base);   // _MAX
  aml.byte(1);      // _ALN
  aml.byte(len);    // _LEN
}

// The End Tag, with a checksum byte of 0: "treated as if the checksum
// operation yielded zero" (§6.4.2.9).
export function endTag(aml: Aml): void {
  aml.byte(END_TAG);
  aml.byte(0);
}
