// The hypervisor's serial ports, physical 16550 UARTs driven by polling (no
// interrupts: the hypervisor runs with IF=0):
//   COM1  the console: the hypervisor's lines and its guest's output, and
//         what it receives is the user's typing, which
//         kernel/console/guest-input.ts hands to the guest;
//   COM2  the control channel: a copy of the hypervisor's own lines and
//         nothing of the guest's, so that whoever reads it (the run tool)
//         takes the run's verdict from text no guest can write — a guest's
//         port I/O never reaches these ports (kernel/exits/io.ts). On a
//         machine without COM2 the writes go nowhere (an absent UART's LSR
//         reads all-ones: THRE set, so nothing waits).
// Register offsets and bits from the PC16550D datasheet (National/TI, §8).
import { inb, outb } from "../../kernel/hal/imports";

const COM1: u32 = 0x3f8;
const COM2: u32 = 0x2f8;
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

function init(base: u32): void {
  outb(base + IER, 0);
  outb(base + LCR, LCR_DLAB);
  outb(base + DLL, DIVISOR_115200 & 0xff);
  outb(base + DLM, DIVISOR_115200 >> 8);
  outb(base + LCR, LCR_8N1);
  outb(base + FCR, FCR_ENABLE_CLEAR);
  outb(base + MCR, MCR_DTR_RTS);
}

export function com1Init(): void {
  init(COM1);
  init(COM2);
}

// Wait until every byte has left the UART, so that nothing is lost when the
// machine stops right after (emulators model the FIFO's transmit time).
function flush(base: u32): void {
  for (let spin = 0; spin < THRE_SPIN_LIMIT; spin++) {
    if (inb(base + LSR) & LSR_TEMT) return;
  }
}

export function com1Flush(): void {
  flush(COM1);
  flush(COM2);
}

function put(base: u32, byte: u32): void {
  for (let spin = 0; spin < THRE_SPIN_LIMIT; spin++) {
    if (inb(base + LSR) & LSR_THRE) break;
  }
  outb(base + THR, byte);
}

export function com1Put(byte: u32): void { put(COM1, byte); }

// A byte of the hypervisor's own output: on the console and the control channel.
export function hostLinePut(byte: u32): void {
  put(COM1, byte);
  put(COM2, byte);
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
