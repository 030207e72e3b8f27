// The hypervisor keeps the physical 8259 PICs fully masked: it runs with
// interrupts disabled, and an unacknowledged device interrupt would make
// every VM entry exit again at once (external-interrupt exiting).
// OCW1 (the interrupt mask) is at the data ports (Intel 8259A datasheet).
import { outb } from "../hal/imports";

const PIC1_DATA: u32 = 0x21;
const PIC2_DATA: u32 = 0xa1;

export function maskLegacyPics(): void {
  outb(PIC1_DATA, 0xff);
  outb(PIC2_DATA, 0xff);
}
