// The hypervisor's own console: the physical 16550 UART at COM1, driven by
// polling (no interrupts: the hypervisor runs with IF=0). What it receives
// is the user's typing, which kernel/console/guest-input.ts hands to the
// guest.
// Register offsets and bits from the PC16550D datasheet (National/TI, §8).
import { inb, outb } from "../../kernel/hal/imports";

const COM1: u32 = 0x3f8;
const THR: u32 = 0; // transmit holding register (DLAB=0, write)
const RBR: u32 = 0; // receiver buffer register (DLAB=0, read)
const DLL: u32 = 0; // divisor latch low (DLAB=1)
const IER: u32 = 1; // interrupt enable (DLAB=0)
const DLM: u32 = 1; // divisor latch high (DLAB=1)
const FCR: u32 = 2; // FIFO control
const LCR: u32 = 3; // line control
const MCR: u32 = 4; // modem control
const LSR: u32 = 5; // line status

const LCR_DLAB: u32 = 0x80;
const LCR_8N1: u32 = 0x03; // 8 data bits, no parity, 1 stop bit
const FCR_ENABLE_CLEAR: u32 = 0x07; // enable FIFOs, clear RX and TX FIFOs
const MCR_DTR_RTS: u32 = 0x03;
const LSR_DR: u32 = 0x01;   // data ready: a byte waits in RBR (or the RCVR FIFO)
const LSR_THRE: u32 = 0x20; // transmitter holding register empty
const LSR_TEMT: u32 = 0x40; // transmitter empty: FIFO and shift register drained
// 115200 baud = 1.8432 MHz / 16 / divisor 1 (datasheet Table 2).
const DIVISOR_115200: u32 = 1;
// Bound the wait for THRE so a missing UART cannot hang the hypervisor.
const THRE_SPIN_LIMIT: i32 = 100000;

export function com1Init(): void {
  outb(COM1 + IER, 0);
  outb(COM1 + LCR, LCR_DLAB);
  outb(COM1 + DLL, DIVISOR_115200 & 0xff);
  outb(COM1 + DLM, DIVISOR_115200 >> 8);
  outb(COM1 + LCR, LCR_8N1);
  outb(COM1 + FCR, FCR_ENABLE_CLEAR);
  outb(COM1 + MCR, MCR_DTR_RTS);
}

// Wait until every byte has left the UART, so that nothing is lost when the
// machine stops right after (emulators model the FIFO's transmit time).
export function com1Flush(): void {
  for (let spin = 0; spin < THRE_SPIN_LIMIT; spin++) {
    if (inb(COM1 + LSR) & LSR_TEMT) return;
  }
}

export function com1Put(byte: u32): void {
  for (let spin = 0; spin < THRE_SPIN_LIMIT; spin++) {
    if (inb(COM1 + LSR) & LSR_THRE) break;
  }
  outb(COM1 + THR, byte);
}

// A received byte waits (LSR.DR, datasheet §8.4): one port read.
export function com1Received(): bool {
  return (inb(COM1 + LSR) & LSR_DR) != 0;
}

// The oldest received byte (RBR; in FIFO mode the head of the RCVR FIFO).
// Only after com1Received() said one waits.
export function com1Read(): u32 {
  return inb(COM1 + RBR) & 0xff;
}
