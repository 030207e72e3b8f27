// The ACPI fixed hardware of tsvisor's PC machine, in one place: where the
// power-management registers sit in I/O space, the SCI's line and the
// sleep type of soft-off. The tables describe it (the FADT's register
// blocks, the MADT's SCI override, the DSDT's \_S5) and the device serves
// it (drivers/acpi-pm.ts); both read these constants, so they cannot
// disagree.
//
// One 16-port block at 0x600 holds the three register blocks back to back
// (ACPI 6.4 §4.8: the platform places each register block, and the FADT
// says where):
//   0x600  PM1a_EVT_BLK, 4 bytes: PM1_STS (2), then PM1_EN (2) (§4.8.4.1)
//   0x604  PM1a_CNT_BLK, 2 bytes: PM1_CNT (§4.8.4.2)
//   0x606  reserved, 2 bytes (reads 0)
//   0x608  PM_TMR_BLK, 4 bytes: the 32-bit PM timer (§4.8.4.3)
//   0x60C  reserved, 4 bytes (reads 0)
// There is no PM1b block, no PM2 block and no GPE block: FADT fields 0.

export const ACPI_PM_BASE: u32 = 0x600;
export const ACPI_PM_BYTES: u32 = 0x10;

// Offsets into the block, and each register block's length as the FADT's
// PM1_EVT_LEN, PM1_CNT_LEN and PM_TMR_LEN give it (ACPI 6.4 §5.2.9: PM1_EVT_LEN
// at least 4, PM1_CNT_LEN at least 2, PM_TMR_LEN 4).
export const PM1_EVT_OFFSET: u32 = 0;
export const PM1_EVT_LEN: u32 = 4;
export const PM1_CNT_OFFSET: u32 = 4;
export const PM1_CNT_LEN: u32 = 2;
export const PM_TMR_OFFSET: u32 = 8;
export const PM_TMR_LEN: u32 = 4;

// The PM timer counts at 3.579545 MHz (ACPI 6.4 §4.8.3.1), a quarter of the
// PC's 14.31818 MHz crystal. Ours is 32 bits wide (the FADT's TMR_VAL_EXT
// set): it wraps every 20 minutes instead of every 4.7 seconds.
export const PM_TIMER_HZ: u64 = 3579545;
export const PM_TIMER_32BIT: bool = true;

// The SCI on ISA IRQ 9, as on PIIX4-era PCs and QEMU's: the FADT's SCI_INT.
// OSPM treats the SCI as shareable, level-triggered, active low unless told
// otherwise (ACPI 6.4 §5.2.9, SCI_INT); the MADT's override of IRQ 9 tells
// it active high, the sense our IrqLine drives (§5.2.12.5).
export const SCI_IRQ: u32 = 9;

// The SLP_TYPx value of the soft-off state S5: the DSDT's \_S5 package
// holds it (ACPI 6.4 §7.4.2), the OS copies it into PM1_CNT.SLP_TYP with
// SLP_EN, and the device powers the VM off when it sees it there.
export const SLP_TYP_S5: u32 = 5;
