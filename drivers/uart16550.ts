// The 16550 UART served to the guest (National/TI PC16550D datasheet, §8
// "Registers"), with its interrupts and a receiver: what the guest
// transmits goes to the output it is given (the hypervisor's guest
// console, kernel/console/guest-console.ts); what it receives comes in
// through receive() (typed on the hypervisor's console,
// kernel/console/guest-input.ts); its interrupt is the IrqLine it is handed
// (ISA IRQ 4 for COM1). The model touches no hardware.
//
// Implemented: the divisor latch, LCR, the 16-byte receiver FIFO and, with
// FIFOs off, the one-byte holding register (§8.5, §8.11), FCR (enable,
// clear RCVR/XMIT, trigger level 1/4/8/14), IER (ERBFI, ETBEI, ELSI,
// EDSSI, §8.7), IIR with the priorities of Table IV and the FIFO bits
// (§8.6), the THRE interrupt, the character time-out (four character times
// at the programmed rate and frame, on the VM clock), LSR (DR, OE, THRE,
// TEMT, §8.4), MCR with loopback (§8.8), MSR with its delta bits (§8.9),
// SCR. Transmission takes no time: THR and the transmitter are always
// empty again by the next access, and LSR reads THRE | TEMT. Not
// modelled: parity, framing and break errors (the input is bytes, never a
// line), and DMA mode (FCR bit 3 only steers the RXRDY/TXRDY pins).
//
// The PC's wiring: the IRQ output reaches the bus through a buffer enabled
// by OUT2 (IBM PC/AT serial adapter), so the line is high only while an
// interrupt is pending, MCR.OUT2 = 1 and loopback is off (§8.8: loopback
// forces the OUT pins inactive). It is a level: raised while IIR says an
// interrupt is pending, lowered when none is.
import { PortDevice } from "../kernel/vm/port-bus";
import { IrqLine } from "../kernel/vm/irq";
import { Clock, Timer, TimerClient } from "../kernel/vm/clock";
import { ByteSink, InputPump } from "./byte-sink";
import { ticksFor, tscHzOf } from "./time-scale";

// Register offsets (datasheet Table I, register summary), DLAB = LCR bit 7.
const RBR_THR_DLL: u32 = 0;
const IER_DLM: u32 = 1;
const IIR_FCR: u32 = 2;
const LCR: u32 = 3;
const MCR: u32 = 4;
const LSR: u32 = 5;
const MSR: u32 = 6;
const SCR: u32 = 7;

// LCR (§8.1): word length 5 + WLS1-WLS0, STB (1.5 stop bits for 5-bit
// words, else 2), PEN (a parity bit), DLAB.
const LCR_WLS: u32 = 0x03;
const LCR_STB: u32 = 0x04;
const LCR_PEN: u32 = 0x08;
const LCR_DLAB: u32 = 0x80;
// LSR (§8.4).
export const LSR_DR: u32 = 0x01;
export const LSR_OE: u32 = 0x02;
export const LSR_THRE: u32 = 0x20;
export const LSR_TEMT: u32 = 0x40;
// FCR (§8.5): FIFO enable, RCVR FIFO reset, XMIT FIFO reset (both
// self-clearing), DMA mode select, RCVR trigger in bits 7-6.
const FCR_FIFO_ENABLE: u32 = 0x01;
const FCR_RCVR_RESET: u32 = 0x02;
// IIR (§8.6, Table IV): bit 0 = 0 while an interrupt is pending, bits 3-1
// its identification; bits 7-6 set while FCR bit 0 is.
export const IIR_NO_INTERRUPT: u32 = 0x01;
export const IIR_LINE_STATUS: u32 = 0x06;      // highest: OE, PE, FE, BI; reset by reading LSR
export const IIR_RECEIVED_DATA: u32 = 0x04;    // second: trigger level reached; reset below it
export const IIR_CHAR_TIMEOUT: u32 = 0x0c;     // second: FIFO mode only; reset by reading RBR
export const IIR_THR_EMPTY: u32 = 0x02;        // third: reset by reading IIR (if the source) or writing THR
export const IIR_MODEM_STATUS: u32 = 0x00;     // fourth: reset by reading MSR
const IIR_FIFOS_ENABLED: u32 = 0xc0;
// IER (§8.7).
export const IER_ERBFI: u32 = 0x01;  // received data available (and the time-out in FIFO mode)
export const IER_ETBEI: u32 = 0x02;  // transmitter holding register empty
export const IER_ELSI: u32 = 0x04;   // receiver line status
export const IER_EDSSI: u32 = 0x08;  // modem status
// MCR (§8.8).
const MCR_DTR: u32 = 0x01;
const MCR_RTS: u32 = 0x02;
const MCR_OUT1: u32 = 0x04;
export const MCR_OUT2: u32 = 0x08;
export const MCR_LOOP: u32 = 0x10;
// MSR (§8.9): deltas in bits 3-0 (cleared by reading MSR), the inputs in
// bits 7-4, complemented from the pins: CTS, DSR, RI, DCD.
const MSR_DCTS: u32 = 0x01;
const MSR_DDSR: u32 = 0x02;
const MSR_TERI: u32 = 0x04;
const MSR_DDCD: u32 = 0x08;
const MSR_CTS: u32 = 0x10;
const MSR_DSR: u32 = 0x20;
const MSR_RI: u32 = 0x40;
const MSR_DCD: u32 = 0x80;
// Outside loopback the other end is always there: CTS, DSR and DCD
// asserted, no ring (as QEMU's 16550 reports too).
const MSR_CONNECTED: u32 = MSR_CTS | MSR_DSR | MSR_DCD;

export const RX_FIFO_BYTES: u32 = 16;
// The baud generator's input: 1.8432 MHz on a PC (§8.3); one bit lasts 16
// of its clocks times the divisor.
const XTAL_HZ: u64 = 1843200;

// The time-out Timer calls back here.
class UartTimeout extends TimerClient {
  uart: Uart16550 | null = null;
  expire(timer: Timer, now: u64): void {
    const uart = this.uart;
    if (uart !== null) uart.timeoutExpired();
  }
}

export class Uart16550 extends PortDevice {
  ier: u32 = 0;
  lcr: u32 = 0x03;
  mcr: u32 = 0;
  scr: u32 = 0;
  dll: u32 = 1;
  dlm: u32 = 0;
  fcr: u32 = 0;             // as last programmed (bit 0 and the trigger bits)
  // The receiver: a ring of RX_FIFO_BYTES; with FIFOs off only one slot is
  // used (the holding register).
  rx: StaticArray<u8> = new StaticArray<u8>(<i32>RX_FIFO_BYTES);
  rxHead: u32 = 0;
  rxCount: u32 = 0;
  // Pulled from before RBR, IIR and LSR reads (null: no input attached).
  input: InputPump | null = null;
  lastRead: u32 = 0;        // RBR reads this again while the receiver is empty
  lineErrors: u32 = 0;      // LSR bits 4-1 until LSR is read (OE only: see above)
  thrInterrupt: bool = false; // THRE interrupt pending (§8.6)
  timedOut: bool = false;     // character time-out indication pending (§8.11)
  msrDeltas: u32 = 0;
  irqHigh: bool = false;
  timer: Timer;
  // Counts, for the report at the end of a run.
  transmitted: u64 = 0;
  received: u64 = 0;        // bytes taken into the receiver
  overruns: u64 = 0;        // bytes lost: the receiver was full (LSR.OE)

  constructor(public output: ByteSink, public irq: IrqLine, public clock: Clock) {
    super();
    const client = new UartTimeout();
    this.timer = clock.add(new Timer(client));
    client.uart = this;
  }

  name(): string { return "uart16550"; }

  @inline private fifoOn(): bool { return (this.fcr & FCR_FIFO_ENABLE) != 0; }
  @inline private capacity(): u32 { return this.fifoOn() ? RX_FIFO_BYTES : 1; }

  // The RCVR FIFO trigger level (§8.5, FCR bits 7-6: 1, 4, 8, 14 bytes);
  // with FIFOs off one byte in the holding register is "data available".
  private trigger(): u32 {
    if (!this.fifoOn()) return 1;
    const t = this.fcr >> 6;
    return t == 0 ? 1 : t == 1 ? 4 : t == 2 ? 8 : 14;
  }

  // ---- the receiver's side, for whoever delivers input ----

  // Room for one more byte without an overrun.
  room(): bool { return this.rxCount < this.capacity(); }

  // Would received data interrupt the vCPU (as far as the UART knows: the
  // interrupt controller may still mask it)? Lets a HLT wait for input.
  interruptsOnInput(): bool {
    return (this.ier & IER_ERBFI) != 0 && (this.mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
  }

  // A byte arrives at the receiver. False if one was lost: an overrun
  // (§8.4 bit 1) — in FIFO mode the new byte (the FIFO keeps its bytes; the
  // one in the shift register is overwritten), with FIFOs off the unread
  // byte in the holding register, which the new one replaces.
  receive(c: u32): bool {
    let kept = true;
    if (this.rxCount == this.capacity()) {
      this.lineErrors |= LSR_OE;
      this.overruns++;
      if (!this.fifoOn()) unchecked(this.rx[this.rxHead] = <u8>c);
      kept = false;
    } else {
      unchecked(this.rx[(this.rxHead + this.rxCount) % RX_FIFO_BYTES] = <u8>c);
      this.rxCount++;
      this.received++;
    }
    this.restartTimeout();
    this.update();
    return kept;
  }

  // ---- the guest's side ----

  read(offset: u32, size: u32): u32 {
    const dlab = (this.lcr & LCR_DLAB) != 0;
    // What is typed arrives when the guest looks for it: RBR, IIR, LSR.
    const input = this.input;
    if (input !== null && (offset == IIR_FCR || offset == LSR || (offset == RBR_THR_DLL && !dlab))) input.pump();
    if (offset == RBR_THR_DLL) return dlab ? this.dll : this.readRbr();
    if (offset == IER_DLM) return dlab ? this.dlm : this.ier;
    if (offset == IIR_FCR) return this.readIir();
    if (offset == LCR) return this.lcr;
    if (offset == MCR) return this.mcr;
    if (offset == LSR) return this.readLsr();
    if (offset == MSR) return this.readMsr();
    return this.scr;
  }

  write(offset: u32, size: u32, value: u32): void {
    value &= 0xff;
    const dlab = (this.lcr & LCR_DLAB) != 0;
    if (offset == RBR_THR_DLL) {
      if (dlab) this.dll = value;
      else this.writeThr(value);
    } else if (offset == IER_DLM) {
      if (dlab) this.dlm = value;
      else this.writeIer(value);
    } else if (offset == IIR_FCR) this.writeFcr(value);
    else if (offset == LCR) this.lcr = value;
    else if (offset == MCR) this.writeMcr(value);
    else if (offset == SCR) this.scr = value;
  }

  // RBR: the oldest byte. Any read ends a time-out indication and restarts
  // the time-out (§8.11); data available ends once the FIFO is below its
  // trigger level.
  private readRbr(): u32 {
    if (this.rxCount > 0) {
      this.lastRead = <u32>unchecked(this.rx[this.rxHead]);
      this.rxHead = (this.rxHead + 1) % RX_FIFO_BYTES;
      this.rxCount--;
    }
    this.timedOut = false;
    this.restartTimeout();
    this.update();
    return this.lastRead;
  }

  // IIR: the highest-priority pending interrupt; reading it ends a THRE
  // interrupt that it reports (§8.6).
  private readIir(): u32 {
    const id = this.identify();
    if (id == IIR_THR_EMPTY) {
      this.thrInterrupt = false;
      this.update();
    }
    return id | (this.fifoOn() ? IIR_FIFOS_ENABLED : 0);
  }

  // LSR: reading it clears the error bits and with them the line status
  // interrupt (§8.4). Bit 7 (an error in the RCVR FIFO) stays 0: no
  // parity, framing or break errors are received.
  private readLsr(): u32 {
    const v = (this.rxCount > 0 ? LSR_DR : 0) | this.lineErrors | LSR_THRE | LSR_TEMT;
    if (this.lineErrors != 0) {
      this.lineErrors = 0;
      this.update();
    }
    return v;
  }

  private readMsr(): u32 {
    const v = this.msrDeltas | this.modemInputs();
    if (this.msrDeltas != 0) {
      this.msrDeltas = 0;
      this.update();
    }
    return v;
  }

  // THR: the byte goes out at once — to the output, or in loopback to the
  // receiver (§8.8) — and the THR is empty again: writing it ended a THRE
  // interrupt, and its emptying raises a new one (§8.6).
  private writeThr(c: u32): void {
    this.transmitted++;
    if ((this.mcr & MCR_LOOP) != 0) this.receive(c);
    else this.output.putc(c);
    this.thrInterrupt = true;
    this.update();
  }

  // IER: enabling ETBEI with the THR empty (it always is) raises the THRE
  // interrupt; disabling it drops a pending one.
  private writeIer(value: u32): void {
    const was = this.ier;
    this.ier = value & 0x0f;
    if ((this.ier & IER_ETBEI) == 0) this.thrInterrupt = false;
    else if ((was & IER_ETBEI) == 0) this.thrInterrupt = true;
    this.update();
  }

  // FCR (§8.5): bit 0 enables both FIFOs, and the other bits are taken only
  // with it set; a change between FIFO and character mode empties the
  // FIFOs, as does RCVR FIFO reset (the shift register and LSR's error bits
  // are not cleared). The XMIT FIFO is always empty: its reset does nothing.
  private writeFcr(value: u32): void {
    const wasOn = this.fifoOn();
    const on = (value & FCR_FIFO_ENABLE) != 0;
    if (on != wasOn || (on && (value & FCR_RCVR_RESET) != 0)) {
      this.rxCount = 0;
      this.rxHead = 0;
      this.timedOut = false;
    }
    this.fcr = on ? value & 0xc9 : 0;
    this.restartTimeout();
    this.update();
  }

  // MCR: in loopback the modem control outputs drive the modem status
  // inputs (DTR → DSR, RTS → CTS, OUT1 → RI, OUT2 → DCD, §8.8), so a
  // write can change them and set their deltas; entering or leaving
  // loopback switches the inputs between those and the connected line.
  private writeMcr(value: u32): void {
    const before = this.modemInputs();
    this.mcr = value & 0x1f;
    const after = this.modemInputs();
    const changed = before ^ after;
    if ((changed & MSR_CTS) != 0) this.msrDeltas |= MSR_DCTS;
    if ((changed & MSR_DSR) != 0) this.msrDeltas |= MSR_DDSR;
    if ((before & ~after & MSR_RI) != 0) this.msrDeltas |= MSR_TERI; // trailing edge only
    if ((changed & MSR_DCD) != 0) this.msrDeltas |= MSR_DDCD;
    this.update();
  }

  private modemInputs(): u32 {
    const m = this.mcr;
    if ((m & MCR_LOOP) == 0) return MSR_CONNECTED;
    return ((m & MCR_RTS) != 0 ? MSR_CTS : 0) | ((m & MCR_DTR) != 0 ? MSR_DSR : 0) |
      ((m & MCR_OUT1) != 0 ? MSR_RI : 0) | ((m & MCR_OUT2) != 0 ? MSR_DCD : 0);
  }

  // ---- interrupts ----

  // The highest-priority enabled interrupt (Table IV), or IIR_NO_INTERRUPT.
  // Received data and the time-out share the second level; data at the
  // trigger level is reported first.
  identify(): u32 {
    const ier = this.ier;
    if ((ier & IER_ELSI) != 0 && this.lineErrors != 0) return IIR_LINE_STATUS;
    if ((ier & IER_ERBFI) != 0) {
      if (this.rxCount >= this.trigger()) return IIR_RECEIVED_DATA;
      if (this.timedOut) return IIR_CHAR_TIMEOUT;
    }
    if ((ier & IER_ETBEI) != 0 && this.thrInterrupt) return IIR_THR_EMPTY;
    if ((ier & IER_EDSSI) != 0 && this.msrDeltas != 0) return IIR_MODEM_STATUS;
    return IIR_NO_INTERRUPT;
  }

  // Drive the IRQ line after any change: high while an interrupt is pending
  // and OUT2 connects it (see the head of this file).
  private update(): void {
    const high = this.identify() != IIR_NO_INTERRUPT && (this.mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
    if (high == this.irqHigh) return;
    this.irqHigh = high;
    if (high) this.irq.raise();
    else this.irq.lower();
  }

  // The character time-out (§8.11): in FIFO mode, with at least one byte
  // in the FIFO, four character times after the last byte came in or was
  // read. Each arrival and each read restarts it.
  private restartTimeout(): void {
    if (!this.fifoOn() || this.rxCount == 0) {
      this.clock.cancel(this.timer);
      return;
    }
    this.clock.arm(this.timer, this.clock.now() + ticksFor(this.fourCharacterClocks(), XTAL_HZ, tscHzOf(this.clock.tscKhz)));
  }

  timeoutExpired(): void {
    if (!this.fifoOn() || this.rxCount == 0) return;
    this.timedOut = true;
    this.update();
  }

  // Four character times in clocks of the 1.8432 MHz crystal: a frame of a
  // start bit, 5-8 data bits, parity if enabled and 1, 1.5 or 2 stop bits,
  // counted in half bits; a bit is 16 × divisor clocks (a divisor of 0
  // counts as 1).
  fourCharacterClocks(): u64 {
    const lcr = this.lcr;
    const wls = lcr & LCR_WLS;
    const stopHalfBits: u32 = (lcr & LCR_STB) == 0 ? 2 : wls == 0 ? 3 : 4;
    const halfBits = 2 * (1 + 5 + wls + ((lcr & LCR_PEN) != 0 ? 1 : 0)) + stopHalfBits;
    let divisor = this.dll | this.dlm << 8;
    if (divisor == 0) divisor = 1;
    return <u64>4 * <u64>halfBits * 8 * <u64>divisor;
  }
}
