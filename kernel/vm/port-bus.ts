// The port-I/O bus: devices claim port ranges; an access goes to the one
// device whose range holds the port, with the offset into its range.
// Registration refuses overlaps. Unclaimed reads return all-ones (as an
// ISA bus with nothing on it does) and unclaimed writes are dropped; both
// are counted.
export abstract class PortDevice {
  abstract name(): string;
  abstract read(offset: u32, size: u32): u32;
  abstract write(offset: u32, size: u32, value: u32): void;
}

// The bus answers each exit's lookup in one step: a byte per port, the
// index + 1 of the range that holds it (0: none), filled at registration —
// 64 KiB, once per VM — instead of a scan of every range on every exit.
const PORTS: i32 = 0x10000;

export class PortBus {
  private bases: StaticArray<u32> = new StaticArray<u32>(32);
  private ends: StaticArray<u32> = new StaticArray<u32>(32);
  private devices: StaticArray<PortDevice | null> = new StaticArray<PortDevice | null>(32);
  private owner: StaticArray<u8> = new StaticArray<u8>(PORTS);
  private count: i32 = 0;
  unclaimedReads: u64 = 0;
  unclaimedWrites: u64 = 0;

  // False if [base, base + len) is empty, reaches past port 0xFFFF, overlaps
  // a registered range, or the bus is full. The bound is checked as
  // len > 0x10000 - base, so that base + len cannot wrap in 32 bits.
  register(base: u32, len: u32, device: PortDevice): bool {
    if (len == 0 || base >= 0x10000 || len > 0x10000 - base || this.count == this.bases.length) return false;
    const end = base + len;
    for (let i = 0; i < this.count; i++) {
      if (base < this.ends[i] && this.bases[i] < end) return false;
    }
    this.bases[this.count] = base;
    this.ends[this.count] = end;
    this.devices[this.count] = device;
    this.count++;
    for (let p = base; p < end; p++) unchecked(this.owner[p] = <u8>this.count);
    return true;
  }

  private find(port: u32): i32 {
    return port < <u32>PORTS ? <i32>unchecked(this.owner[port]) - 1 : -1;
  }

  read(port: u32, size: u32): u32 {
    const i = this.find(port);
    if (i < 0) {
      this.unclaimedReads++;
      return size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffff;
    }
    return this.devices[i]!.read(port - this.bases[i], size);
  }

  write(port: u32, size: u32, value: u32): void {
    const i = this.find(port);
    if (i < 0) {
      this.unclaimedWrites++;
      return;
    }
    this.devices[i]!.write(port - this.bases[i], size, value);
  }
}
