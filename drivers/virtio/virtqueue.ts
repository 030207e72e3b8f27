// A split virtqueue, the device's side (virtio 1.2 §2.7): the descriptor
// table, the available ring the driver fills and the used ring the device
// fills, all in guest RAM at the guest-physical addresses the driver wrote
// into the common configuration (./common-config.ts). Everything read from
// the guest is checked before it is followed — a ring wholly inside guest
// RAM, indices inside their tables, buffers inside RAM, chains no longer
// than their table — and a broken rule is reported as a RingError, never
// followed (./ring-error.ts). Addresses are guest-physical and checked
// against the guest's RAM ranges (kernel/vm/guest-memory.ts), so no ring
// or buffer can name the hypervisor's own memory.
//
// One vCPU, and the device works inside the exit that notified it: the
// driver does not run while the device reads its rings, so the memory
// barriers of §2.7.13 have nothing to order against.
import { GuestMemory } from "../../kernel/vm/guest-memory";
import { DescChain, MAX_SEGMENTS } from "./desc-chain";
import { RingError } from "./ring-error";

// The largest queue a device here offers (§4.1.4.3: queue_size is read as
// the maximum, and the driver may write a smaller power of 2).
export const MAX_QUEUE_SIZE: u32 = 256;
// The queue_msix_vector value for "none" (§4.1.5.1.2).
export const NO_VECTOR: u32 = 0xffff;

// Descriptor layout (§2.7.5): addr le64, len le32, flags le16, next le16.
const DESC_BYTES: u32 = 16;
const DESC_F_NEXT: u32 = 1;
const DESC_F_WRITE: u32 = 2;
const DESC_F_INDIRECT: u32 = 4;
// Available ring (§2.7.6): flags, idx, ring[size], used_event (EVENT_IDX).
const AVAIL_F_NO_INTERRUPT: u32 = 1;
// Used ring (§2.7.8): flags, idx, ring[size] of {id le32, len le32}, avail_event.
const USED_ELEM_BYTES: u32 = 8;
// Alignment of the three parts (§2.7, Table 2.3).
const DESC_ALIGN: u64 = 16;
const AVAIL_ALIGN: u64 = 2;
const USED_ALIGN: u64 = 4;

export enum Pop { Empty, Ready, Broken }

const buf = memory.data(16);

export class Virtqueue {
  size: u32 = MAX_QUEUE_SIZE;
  msixVector: u32 = NO_VECTOR;
  enabled: bool = false;
  desc: u64 = 0;
  avail: u64 = 0;
  used: u64 = 0;
  // VIRTIO_F_RING_EVENT_IDX was negotiated (§2.7.7.2, §2.7.10).
  eventIdx: bool = false;
  lastAvail: u16 = 0;   // the next available entry the device takes
  usedIdx: u16 = 0;     // the next used entry the device fills
  signalled: u16 = 0;   // usedIdx when the driver was last interrupted
  error: RingError = RingError.None;
  // Where the last error was met (a descriptor index or an address).
  errorAt: u64 = 0;
  requests: u64 = 0;    // chains taken
  interrupts: u64 = 0;  // interrupts asked for
  suppressed: u64 = 0;  // used batches the driver asked not to be told of

  constructor(public mem: GuestMemory) {}

  reset(): void {
    this.size = MAX_QUEUE_SIZE;
    this.msixVector = NO_VECTOR;
    this.enabled = false;
    this.desc = 0;
    this.avail = 0;
    this.used = 0;
    this.eventIdx = false;
    this.lastAvail = 0;
    this.usedIdx = 0;
    this.signalled = 0;
    this.error = RingError.None;
  }

  // queue_enable = 1 (§4.1.4.3.2): check the size and the three parts'
  // placement once, so that every later access inside them stays in RAM.
  enable(eventIdx: bool): RingError {
    const n = <u64>this.size;
    if (n == 0 || n > <u64>MAX_QUEUE_SIZE || (n & (n - 1)) != 0) return this.fail(RingError.QueueSize, n);
    const extra: u64 = eventIdx ? 2 : 0;
    if (!this.placed(this.desc, n * DESC_BYTES, DESC_ALIGN)) return this.fail(RingError.RingOutsideRam, this.desc);
    if (!this.placed(this.avail, 4 + 2 * n + extra, AVAIL_ALIGN)) return this.fail(RingError.RingOutsideRam, this.avail);
    if (!this.placed(this.used, 4 + <u64>USED_ELEM_BYTES * n + extra, USED_ALIGN)) return this.fail(RingError.RingOutsideRam, this.used);
    this.eventIdx = eventIdx;
    this.enabled = true;
    return RingError.None;
  }

  private placed(gpa: u64, len: u64, align: u64): bool {
    return (gpa & (align - 1)) == 0 && this.mem.contains(gpa, len);
  }

  private fail(e: RingError, at: u64): RingError {
    if (this.error == RingError.None) {
      this.error = e;
      this.errorAt = at;
    }
    return e;
  }

  // Take the next available chain into `chain`: Ready, Empty, or Broken
  // (the queue's `error` says why; the caller stops the device).
  pop(chain: DescChain): Pop {
    if (!this.enabled || this.error != RingError.None) return Pop.Empty;
    const availIdx = <u16>this.read16(this.avail + 2);
    if (availIdx == this.lastAvail) {
      // Tell the driver to notify at the next entry it adds (§2.7.10).
      if (this.eventIdx) this.write16(this.used + 4 + <u64>USED_ELEM_BYTES * this.size, this.lastAvail);
      return Pop.Empty;
    }
    if (<u32><u16>(availIdx - this.lastAvail) > this.size) {
      this.fail(RingError.AvailIndex, availIdx);
      return Pop.Broken;
    }
    const head = this.read16(this.avail + 4 + 2 * <u64>(this.lastAvail & <u16>(this.size - 1)));
    this.lastAvail++;
    this.requests++;
    const e = this.walk(head, chain);
    if (e != RingError.None) {
      this.fail(e, this.errorAt);
      return Pop.Broken;
    }
    return Pop.Ready;
  }

  // Follow the chain from descriptor `head` (§2.7.5), checking every rule.
  // Its last main-table descriptor may name one indirect table, whose
  // chain ends the request: at the head, or after direct descriptors
  // (§2.7.5.3.2: "The device MUST handle the case of zero or more normal
  // chained descriptors followed by a single descriptor with
  // flags&VIRTQ_DESC_F_INDIRECT"); no chain in that table may name
  // another (§2.7.5.3.1). A loop is a walk longer than the table it is in.
  private walk(head: u32, chain: DescChain): RingError {
    chain.clear(head);
    let table = this.desc;
    let entries = this.size;
    let indirect = false;
    let i = head;
    let steps: u32 = 0;
    if (i >= entries) return this.at(RingError.HeadOutOfRange, i);
    while (true) {
      const d = table + <u64>i * DESC_BYTES;
      this.mem.read(d, buf, DESC_BYTES);
      const addr = load<u64>(buf);
      const len = load<u32>(buf, 8);
      const flags = <u32>load<u16>(buf, 12);
      const next = <u32>load<u16>(buf, 14);
      if ((flags & DESC_F_INDIRECT) != 0) {
        if (indirect) return this.at(RingError.NestedIndirect, i);
        if ((flags & DESC_F_NEXT) != 0) return this.at(RingError.IndirectNext, i);
        if (len == 0 || len % DESC_BYTES != 0) return this.at(RingError.IndirectSize, len);
        if ((addr & (DESC_ALIGN - 1)) != 0 || !this.mem.contains(addr, len)) return this.at(RingError.BufferOutsideRam, addr);
        table = addr;
        entries = len / DESC_BYTES;
        indirect = true;
        i = 0;
        steps = 0;
        continue;
      }
      // A zero-length buffer names no memory; any other must lie in RAM.
      if (len != 0 && !this.mem.contains(addr, len)) return this.at(RingError.BufferOutsideRam, addr);
      const writable = (flags & DESC_F_WRITE) != 0;
      // A writable buffer already taken (even an empty one) leaves firstWritable behind count.
      if (!writable && chain.firstWritable != chain.count) return this.at(RingError.ReadAfterWrite, i);
      if (chain.count == MAX_SEGMENTS) return this.at(RingError.TooLong, i);
      chain.add(addr, len, writable);
      steps++;
      if ((flags & DESC_F_NEXT) == 0) return RingError.None;
      if (steps >= entries) return this.at(RingError.Loop, i);
      i = next;
      if (i >= entries) return this.at(RingError.HeadOutOfRange, i);
    }
  }

  private at(e: RingError, where: u64): RingError {
    this.errorAt = where;
    return e;
  }

  // Give chain `head` back with `written` bytes put in its writable part (§2.7.8).
  push(head: u32, written: u32): void {
    const at = this.used + 4 + <u64>USED_ELEM_BYTES * <u64>(this.usedIdx & <u16>(this.size - 1));
    store<u32>(buf, head);
    store<u32>(buf, written, 4);
    this.mem.write(at, buf, USED_ELEM_BYTES);
    this.usedIdx++;
    this.write16(this.used + 2, this.usedIdx);
  }

  // After a batch of push(): should the driver be interrupted? With
  // EVENT_IDX, when the used index passed used_event since the last
  // interrupt (§2.7.10, vring_need_event); without, unless the driver set
  // VIRTQ_AVAIL_F_NO_INTERRUPT (§2.7.7.1).
  needsInterrupt(): bool {
    const now = this.usedIdx;
    const old = this.signalled;
    if (now == old) return false;
    this.signalled = now;
    let yes: bool;
    if (this.eventIdx) {
      const event = <u16>this.read16(this.avail + 4 + 2 * <u64>this.size);
      yes = <u16>(now - event - 1) < <u16>(now - old);
    } else yes = (this.read16(this.avail) & AVAIL_F_NO_INTERRUPT) == 0;
    if (yes) this.interrupts++;
    else this.suppressed++;
    return yes;
  }

  private read16(gpa: u64): u32 {
    this.mem.read(gpa, buf, 2);
    return <u32>load<u16>(buf);
  }
  private write16(gpa: u64, v: u32): void {
    store<u16>(buf, <u16>v);
    this.mem.write(gpa, buf, 2);
  }
}
