// The Fixed ACPI Description Table, "FACP" (ACPI 6.4 §5.2.9, Table 5.9):
// revision 6, 276 bytes. It locates the DSDT and FACS and describes the
// fixed hardware (kernel/firmware/acpi-platform.ts, served by
// drivers/acpi-pm.ts): a full PC platform, not hardware-reduced, always in
// ACPI mode (SMI_CMD 0: there is no SMM to hand the hardware over from, so
// PM1_CNT.SCI_EN reads 1 from the start, §4.8.4.2.1).
import { writeHeader, sealTable, putAscii } from "./acpi-header";
import { ACPI_PM_BASE, PM1_EVT_OFFSET, PM1_EVT_LEN, PM1_CNT_OFFSET, PM1_CNT_LEN, PM_TMR_OFFSET, PM_TMR_LEN,
  PM_TIMER_32BIT, SCI_IRQ } from "./acpi-platform";

export const FADT_BYTES: u32 = 276;
const FADT_REVISION: u32 = 6;
const FADT_MINOR_VERSION: u32 = 4;  // ACPI 6.4: bits 3:0 minor, errata 0

// Field offsets (Table 5.9).
const FIRMWARE_CTRL: usize = 36;
const DSDT: usize = 40;
const SCI_INT: usize = 46;
const PM1A_EVT_BLK: usize = 56;
const PM1A_CNT_BLK: usize = 64;
const PM_TMR_BLK: usize = 76;
const PM1_EVT_LEN_AT: usize = 88;
const PM1_CNT_LEN_AT: usize = 89;
const PM_TMR_LEN_AT: usize = 91;
const P_LVL2_LAT: usize = 96;
const P_LVL3_LAT: usize = 98;
const CENTURY: usize = 108;
const IAPC_BOOT_ARCH: usize = 109;
const FLAGS: usize = 112;
const RESET_REG: usize = 116;
const RESET_VALUE: usize = 128;
const MINOR_VERSION: usize = 131;
const X_FIRMWARE_CTRL: usize = 132;
const X_DSDT: usize = 140;
const X_PM1A_EVT_BLK: usize = 148;
const X_PM1A_CNT_BLK: usize = 172;
const X_PM_TMR_BLK: usize = 208;
const HYPERVISOR_VENDOR_IDENTITY: usize = 268;
// What that field holds (Table 5.9: the hypervisor's vendor, 8 bytes).
const HYPERVISOR_ID = "TSVISOR";

// C2 and C3 are not supported: P_LVL2_LAT above 100 µs and P_LVL3_LAT
// above 1000 µs say so (Table 5.9); C1 is HLT (PROC_C1 below).
const C2_NOT_SUPPORTED: u32 = 101;
const C3_NOT_SUPPORTED: u32 = 1001;
// The CMOS index of the century byte (drivers/rtc-cmos.ts keeps it at 0x32).
const RTC_CENTURY_INDEX: u32 = 0x32;

// Fixed Feature Flags (Table 5.10).
const WBINVD: u32 = 1 << 0;          // WBINVD flushes and invalidates the caches
const PROC_C1: u32 = 1 << 2;         // C1 on every processor
const SLP_BUTTON: u32 = 1 << 5;      // set: no fixed-feature sleep button
const FIX_RTC: u32 = 1 << 6;         // set: no RTC wake status in PM1_STS
const TMR_VAL_EXT: u32 = 1 << 8;     // the PM timer has 32 bits
const RESET_REG_SUP: u32 = 1 << 10;  // RESET_REG resets the machine
// PWR_BUTTON (bit 4) is clear: the power button is the fixed feature in
// PM1_STS/PM1_EN (drivers/acpi-pm.ts pressPowerButton).

// IA-PC Boot Architecture Flags (§5.2.9.3, Table 5.11).
const LEGACY_DEVICES: u32 = 1 << 0;  // ISA-style devices needing drivers: COM1, the PIT, the RTC
const I8042: u32 = 1 << 1;           // an 8042 at ports 0x60/0x64

// The reset register: port 0xCF9, the Reset Control Register of Intel's
// PC chipsets (served by the PCI host bridge device), written with 0x06:
// bit 2 RST_CPU (reset now) with bit 1 SYS_RST (a full, hard reset).
const RESET_PORT: u64 = 0xcf9;
const RESET_VALUE_HARD: u32 = 0x06;

// Generic Address Structure (§5.2.3.2), 12 bytes: Address Space
// ID, Register Bit Width, Register Bit Offset, Access Size, Address (8).
const GAS_SYSTEM_IO: u32 = 1;
const ACCESS_BYTE: u32 = 1;
const ACCESS_WORD: u32 = 2;
const ACCESS_DWORD: u32 = 3;

function putGas(p: usize, space: u32, bitWidth: u32, accessSize: u32, address: u64): void {
  store<u8>(p, space);
  store<u8>(p, bitWidth, 1);
  store<u8>(p, 0, 2);
  store<u8>(p, accessSize, 3);
  store<u64>(p, address, 4);
}

// Write the FADT at `t` (FADT_BYTES, zeroed beforehand). The 32-bit and
// 64-bit pointers to the FACS and the DSDT are both given and equal (the
// tables lie below 4 GiB).
export function writeFadt(t: usize, facs: u64, dsdt: u64): void {
  writeHeader(t, "FACP", FADT_BYTES, FADT_REVISION);
  store<u32>(t + FIRMWARE_CTRL, <u32>facs);
  store<u32>(t + DSDT, <u32>dsdt);
  store<u16>(t + SCI_INT, <u16>SCI_IRQ);
  // SMI_CMD, ACPI_ENABLE, ACPI_DISABLE, S4BIOS_REQ, PSTATE_CNT: 0.
  const evt = ACPI_PM_BASE + PM1_EVT_OFFSET;
  const cnt = ACPI_PM_BASE + PM1_CNT_OFFSET;
  const tmr = ACPI_PM_BASE + PM_TMR_OFFSET;
  store<u32>(t + PM1A_EVT_BLK, evt);
  store<u32>(t + PM1A_CNT_BLK, cnt);
  store<u32>(t + PM_TMR_BLK, tmr);
  store<u8>(t + PM1_EVT_LEN_AT, PM1_EVT_LEN);
  store<u8>(t + PM1_CNT_LEN_AT, PM1_CNT_LEN);
  store<u8>(t + PM_TMR_LEN_AT, PM_TMR_LEN);
  store<u16>(t + P_LVL2_LAT, <u16>C2_NOT_SUPPORTED);
  store<u16>(t + P_LVL3_LAT, <u16>C3_NOT_SUPPORTED);
  store<u8>(t + CENTURY, RTC_CENTURY_INDEX);
  store<u16>(t + IAPC_BOOT_ARCH, <u16>(LEGACY_DEVICES | I8042));
  store<u32>(t + FLAGS, WBINVD | PROC_C1 | SLP_BUTTON | FIX_RTC | RESET_REG_SUP | (PM_TIMER_32BIT ? TMR_VAL_EXT : 0));
  putGas(t + RESET_REG, GAS_SYSTEM_IO, 8, ACCESS_BYTE, RESET_PORT);
  store<u8>(t + RESET_VALUE, RESET_VALUE_HARD);
  store<u8>(t + MINOR_VERSION, FADT_MINOR_VERSION);
  store<u64>(t + X_FIRMWARE_CTRL, facs);
  store<u64>(t + X_DSDT, dsdt);
  // The X_ blocks repeat the 32-bit ones with their widths: PM1_STS and
  // PM1_EN are 16-bit registers, PM1_CNT too, the PM timer is read as 32 bits.
  putGas(t + X_PM1A_EVT_BLK, GAS_SYSTEM_IO, PM1_EVT_LEN * 8, ACCESS_WORD, evt);
  putGas(t + X_PM1A_CNT_BLK, GAS_SYSTEM_IO, PM1_CNT_LEN * 8, ACCESS_WORD, cnt);
  putGas(t + X_PM_TMR_BLK, GAS_SYSTEM_IO, PM_TMR_LEN * 8, ACCESS_DWORD, tmr);
  // PM1b, PM2, GPE0, GPE1, SLEEP_CONTROL_REG, SLEEP_STATUS_REG: none (0).
  putAscii(t + HYPERVISOR_VENDOR_IDENTITY, HYPERVISOR_ID, 8);
  sealTable(t);
}

