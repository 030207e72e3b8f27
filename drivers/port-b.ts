// System control port B at 0x61 (the PC/AT's "port B"; the NMI Status and
// Control register, NMISC, in the Intel 82371AB PIIX4 datasheet): the
// chipset register that wires the 8254's channel 2 to software. It is its
// own device, not part of drivers/i8254.ts, because it is not a register
// of the 8254: it joins the timer's GATE2 and OUT2 pins to the speaker
// and the NMI sources, and the NMI bits will grow with an NMI model while
// the timer stays the datasheet's chip.
//   bit 0 (R/W) timer 2 gate (GATE2)       bit 4 (RO) refresh cycle toggle
//   bit 1 (R/W) speaker data enable        bit 5 (RO) timer 2 output (OUT2)
//   bit 2 (R/W) PCI SERR# NMI disable      bit 6 (RO) IOCHK# NMI source: 0
//   bit 3 (R/W) IOCHK# NMI disable         bit 7 (RO) SERR# NMI source: 0
// The refresh toggle follows DRAM refresh (about every 15 µs) on real
// hardware; here it flips on every read, so that a loop waiting for it to
// change always sees a change, however fast or slow the guest runs (QEMU's
// speaker port does the same). Nothing is connected to the speaker.
import { PortDevice } from "../kernel/vm/port-bus";
import { I8254 } from "./i8254";

export const PORT_B: u32 = 0x61;
const GATE2: u32 = 0x01;
const WRITABLE: u32 = 0x0f;
const REFRESH_TOGGLE: u32 = 0x10;
const OUT2: u32 = 0x20;

export class SystemControlPortB extends PortDevice {
  value: u32 = 0;        // bits 0-3 as written
  refresh: u32 = 0;

  constructor(public pit: I8254) {
    super();
    this.pit.setGate2(false);
  }

  name(): string { return "port-b"; }

  read(offset: u32, size: u32): u32 {
    this.refresh ^= REFRESH_TOGGLE;
    return this.value | this.refresh | (this.pit.out2() ? OUT2 : 0);
  }

  write(offset: u32, size: u32, value: u32): void {
    this.value = value & WRITABLE;
    this.pit.setGate2((value & GATE2) != 0);
  }
}
