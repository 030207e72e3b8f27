// A test device on the MMIO bus, as the debug-exit port is one on the port
// bus: 4 KiB of byte registers that hold what is written and say, on the
// hypervisor's console, every access they see ("mmio-scratch: write 4 at
// 0x10: 0x12345678"). Until something is written there, byte k reads as
// k & 0xff, so a read's value tells which bytes it took. The VM has it at
// MMIO_SCRATCH_BASE only when the hypervisor's command line says
// `mmio_test=scratch` (kernel/run-guest.ts): the unit tests drive the MMIO
// instruction emulator (kernel/vm/mmio/) through it, by the real exit path.
// No guest OS expects it; nothing else registers it.
import { MmioDevice } from "../kernel/vm/mmio-bus";
import { begin, endl, puts, putDec, putHex } from "../kernel/console/console";

// Above the largest guest RAM (1 GiB), below the local and I/O APICs.
export const MMIO_SCRATCH_BASE: u64 = 0xd0000000;
export const MMIO_SCRATCH_BYTES: u64 = 4096;

export class MmioScratch extends MmioDevice {
  private regs: StaticArray<u8> = new StaticArray<u8>(<i32>MMIO_SCRATCH_BYTES);

  constructor() {
    super();
    for (let i = 0; i < this.regs.length; i++) this.regs[i] = <u8>i;
  }

  name(): string { return "mmio-scratch"; }

  // Bytes past the end of the page (an access straddling it) read as 0xff
  // and are not written.
  read(offset: u64, size: u32): u64 {
    let v: u64 = 0;
    for (let k: u32 = 0; k < size; k++) {
      const at = offset + k;
      const b: u64 = at < MMIO_SCRATCH_BYTES ? <u64>this.regs[<i32>at] : 0xff;
      v |= b << (<u64>k * 8);
    }
    this.log("read ", offset, size, v);
    return v;
  }

  write(offset: u64, size: u32, value: u64): void {
    for (let k: u32 = 0; k < size; k++) {
      const at = offset + k;
      if (at < MMIO_SCRATCH_BYTES) this.regs[<i32>at] = <u8>(value >> (<u64>k * 8));
    }
    this.log("write ", offset, size, value);
  }

  private log(what: string, offset: u64, size: u32, value: u64): void {
    begin("mmio-scratch: ");
    puts(what);
    putDec(size);
    puts(" at ");
    putHex(offset);
    puts(": ");
    putHex(value);
    endl();
  }
}
