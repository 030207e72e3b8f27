// The MMIO bus: devices claim guest-physical ranges that are not RAM; a
// nested page fault there (EPT violation / #NPF) is decoded into an access
// (kernel/vm/mmio/) and goes to the one device whose range holds it, with
// the offset into its range. Registration refuses overlaps.
export abstract class MmioDevice {
  abstract name(): string;
  // `size` is 1, 2, 4 or 8 bytes; the result is zero-extended.
  abstract read(offset: u64, size: u32): u64;
  abstract write(offset: u64, size: u32, value: u64): void;
}

const CAPACITY: i32 = 32;

export class MmioBus {
  private bases: StaticArray<u64> = new StaticArray<u64>(CAPACITY);
  private ends: StaticArray<u64> = new StaticArray<u64>(CAPACITY);
  private devices: StaticArray<MmioDevice | null> = new StaticArray<MmioDevice | null>(CAPACITY);
  private count: i32 = 0;

  // False if [base, base + len) is empty, wraps, overlaps a registered
  // range, or the bus is full.
  register(base: u64, len: u64, device: MmioDevice): bool {
    const end = base + len;
    if (len == 0 || end < base || this.count == CAPACITY) return false;
    for (let i = 0; i < this.count; i++) {
      if (base < this.ends[i] && this.bases[i] < end) return false;
    }
    this.bases[this.count] = base;
    this.ends[this.count] = end;
    this.devices[this.count] = device;
    this.count++;
    return true;
  }

  // The index of the device claiming `gpa`, or -1.
  find(gpa: u64): i32 {
    for (let i = 0; i < this.count; i++) {
      if (gpa >= unchecked(this.bases[i]) && gpa < unchecked(this.ends[i])) return i;
    }
    return -1;
  }

  claims(gpa: u64): bool { return this.find(gpa) >= 0; }

  // An access at `gpa` that the caller checked is claimed (find >= 0).
  read(index: i32, gpa: u64, size: u32): u64 {
    return this.devices[index]!.read(gpa - this.bases[index], size);
  }
  write(index: i32, gpa: u64, size: u32, value: u64): void {
    this.devices[index]!.write(gpa - this.bases[index], size, value);
  }
  deviceName(index: i32): string { return this.devices[index]!.name(); }

  // Take `device` off the bus (a PCI function whose BAR stops decoding);
  // false if it was not on it.
  remove(device: MmioDevice): bool {
    for (let i = 0; i < this.count; i++) {
      if (this.devices[i] !== device) continue;
      for (let k = i + 1; k < this.count; k++) {
        this.bases[k - 1] = this.bases[k];
        this.ends[k - 1] = this.ends[k];
        this.devices[k - 1] = this.devices[k];
      }
      this.count--;
      this.devices[this.count] = null;
      return true;
    }
    return false;
  }

  // Move `device`'s range to start at `base`, keeping its length (a local
  // APIC whose IA32_APIC_BASE moves). False, and nothing moved, if the
  // device is not on the bus or the new range would wrap or overlap another.
  relocate(device: MmioDevice, base: u64): bool {
    let at = -1;
    for (let i = 0; i < this.count; i++) if (this.devices[i] === device) at = i;
    if (at < 0) return false;
    const end = base + (this.ends[at] - this.bases[at]);
    if (end < base) return false;
    for (let i = 0; i < this.count; i++) {
      if (i != at && base < this.ends[i] && this.bases[i] < end) return false;
    }
    this.bases[at] = base;
    this.ends[at] = end;
    return true;
  }
}
