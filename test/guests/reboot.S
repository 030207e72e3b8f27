/* reboot: resets the machine and checks, on the boot that follows, what a
 * PC's reset keeps and what it clears (kernel/machine.ts).
 *   First boot (CMOS byte 0x40 is not MAGIC yet): writes MAGIC to CMOS
 *   0x40 — battery-backed RAM of the RTC (ports 0x70/0x71; the clock's
 *   registers end at 0x0d) — and a marker in RAM below 1 MiB and above it
 *   (FFFF:1010 is linear 0x101000), then resets through the reset control
 *   register at 0xCF9 (0x06: SYS_RST | RST_CPU, the FADT's reset value).
 *   Second boot (the hypervisor reboots the guest in place): CMOS 0x40
 *   still holds MAGIC, both markers read 0 (RAM zeroed for the new boot).
 * With reboot=no the VM stops at the reset, after the first line. */
#include "guest.inc"

#define CMOS_INDEX    0x70
#define CMOS_DATA     0x71
#define CMOS_BYTE     0x40
#define MAGIC         0x5a
#define RESET_CONTROL 0xcf9
#define SYS_RST_CPU   0x06
#define LOW_MARKER    0x9000      /* DS = 0: linear 0x9000 */
#define HIGH_SEGMENT  0xffff
#define HIGH_MARKER   0x1010      /* ES = 0xFFFF: linear 0x101000, past 1 MiB */
#define MARKER        0xdeadbeef

    .text
    .global _start
_start:
    cli
    xor ax, ax
    mov ds, ax
    mov ax, HIGH_SEGMENT
    mov es, ax
    mov al, CMOS_BYTE
    out CMOS_INDEX, al
    in al, CMOS_DATA
    cmp al, MAGIC
    je second_boot

    mov al, CMOS_BYTE
    out CMOS_INDEX, al
    mov al, MAGIC
    out CMOS_DATA, al
    mov dword ptr [LOW_MARKER], MARKER
    mov dword ptr es:[HIGH_MARKER], MARKER
    PRINT "first boot: CMOS byte 0x40 and RAM written, resetting through port 0xCF9"
    mov dx, RESET_CONTROL
    mov al, SYS_RST_CPU
    out dx, al
    PRINT "the reset did not take: WRONG"
    EXIT 1

second_boot:
    PRINT "check: CMOS byte 0x40 kept its value across the reset: ok"
    cmp dword ptr [LOW_MARKER], 0
    jne ram_bad
    cmp dword ptr es:[HIGH_MARKER], 0
    jne ram_bad
    PRINT "check: RAM written before the reset reads zero, below and above 1 MiB: ok"
    jmp done
ram_bad:
    PRINT "check: RAM written before the reset survived it: WRONG"
    mov byte ptr [failed], 1
done:
    VERDICT
