// One request as a split virtqueue hands it over (virtio 1.2 §2.7.5): the
// head descriptor's index, to give back in the used ring, and the guest
// buffers the chain names, in order — the device-readable ones first, then
// the device-writable ones (§2.7.4.2: "The driver MUST place any
// device-writable descriptor elements after any device-readable descriptor
// elements"). Every segment was checked to lie inside guest RAM when the
// chain was read (./virtqueue.ts), so the copies below only move bytes.
// Made once per queue and refilled for each request: nothing allocates on
// the exit path.
import { GuestMemory } from "../../kernel/vm/guest-memory";
import { physCopy, physClear } from "../../kernel/hal/imports";

// The most buffers one request may name: the largest queue (./virtqueue.ts
// MAX_QUEUE_SIZE) — a chain cannot be longer than its table without a
// loop (§2.7.5.3.1 bounds an indirect table alike).
export const MAX_SEGMENTS: i32 = 256;

export class DescChain {
  head: u32 = 0;
  count: i32 = 0;
  // The first device-writable segment (count if none).
  firstWritable: i32 = 0;
  readableBytes: u64 = 0;
  writableBytes: u64 = 0;
  addr: StaticArray<u64> = new StaticArray<u64>(MAX_SEGMENTS);
  len: StaticArray<u32> = new StaticArray<u32>(MAX_SEGMENTS);

  clear(head: u32): void {
    this.head = head;
    this.count = 0;
    this.firstWritable = 0;
    this.readableBytes = 0;
    this.writableBytes = 0;
  }

  // A checked segment; the caller keeps readable ones before writable ones.
  add(addr: u64, len: u32, writable: bool): void {
    const i = this.count;
    unchecked(this.addr[i] = addr);
    unchecked(this.len[i] = len);
    this.count = i + 1;
    if (writable) this.writableBytes += len;
    else {
      this.readableBytes += len;
      this.firstWritable = this.count;
    }
  }

  // Copy `len` bytes of the readable part, from byte `offset` of it, into
  // linear memory at `dst`; false if the readable part is shorter.
  read(mem: GuestMemory, offset: u64, dst: usize, len: u32): bool {
    if (offset + len > this.readableBytes) return false;
    this.move(mem, 0, this.firstWritable, offset, dst, len, false);
    return true;
  }

  // Copy `len` bytes from linear memory at `src` into the writable part,
  // from byte `offset` of it; false if the writable part is shorter.
  write(mem: GuestMemory, offset: u64, src: usize, len: u32): bool {
    if (offset + len > this.writableBytes) return false;
    this.move(mem, this.firstWritable, this.count, offset, src, len, true);
    return true;
  }

  // Host-physical copies between the chain and host memory outside the
  // core (a disk image in a boot module): `toGuest` fills the writable
  // part from `phys`, otherwise the readable part goes to `phys`. False if
  // that part is shorter than offset + len.
  copyPhys(mem: GuestMemory, offset: u64, phys: u64, len: u64, toGuest: bool): bool {
    const from = toGuest ? this.firstWritable : 0;
    const to = toGuest ? this.count : this.firstWritable;
    if (offset + len > (toGuest ? this.writableBytes : this.readableBytes)) return false;
    let skip = offset;
    let done: u64 = 0;
    for (let i = from; i < to && done < len; i++) {
      const segLen = <u64>unchecked(this.len[i]);
      if (skip >= segLen) { skip -= segLen; continue; }
      let n = segLen - skip;
      if (n > len - done) n = len - done;
      const guestHost = mem.hostOf(unchecked(this.addr[i]) + skip);
      if (toGuest) physCopy(guestHost, phys + done, n);
      else physCopy(phys + done, guestHost, n);
      done += n;
      skip = 0;
    }
    return true;
  }

  // Zero `len` bytes of the writable part from byte `offset` of it, in
  // place (host-physical, as copyPhys); false if that part is shorter.
  zero(mem: GuestMemory, offset: u64, len: u64): bool {
    if (offset + len > this.writableBytes) return false;
    let skip = offset;
    let done: u64 = 0;
    for (let i = this.firstWritable; i < this.count && done < len; i++) {
      const segLen = <u64>unchecked(this.len[i]);
      if (skip >= segLen) { skip -= segLen; continue; }
      let n = segLen - skip;
      if (n > len - done) n = len - done;
      physClear(mem.hostOf(unchecked(this.addr[i]) + skip), n);
      done += n;
      skip = 0;
    }
    return true;
  }

  private move(mem: GuestMemory, from: i32, to: i32, offset: u64, linear: usize, len: u32, toGuest: bool): void {
    let skip = offset;
    let done: u32 = 0;
    for (let i = from; i < to && done < len; i++) {
      const segLen = <u64>unchecked(this.len[i]);
      if (skip >= segLen) { skip -= segLen; continue; }
      let n = <u32>(segLen - skip);
      if (n > len - done) n = len - done;
      const gpa = unchecked(this.addr[i]) + skip;
      if (toGuest) mem.write(gpa, linear + done, n);
      else mem.read(gpa, linear + done, n);
      done += n;
      skip = 0;
    }
  }
}
