// A reference model of tsvisor's virtio-blk on a split virtqueue, in
// JavaScript, written from virtio 1.2: what the device must do with a
// driver's register writes and rings (§2.1, §2.7, §3.1.1, §5.2.6), and,
// where the spec leaves the device a choice, the choice tsvisor documents
// (drivers/virtio/ring-error.ts: refuse, count the RingError, set
// DEVICE_NEEDS_RESET, take no more requests). It runs on its own copy of
// guest RAM and of the disk, byte for byte as the device would, so a test
// can compare the device's memory, used ring and counters with it after
// every doorbell, and it records which guest bytes a well-behaved device may
// write at all: the device-writable buffers of the chains it served, and
// the used ring.
import { ringError } from "./virtio-probe.js";
import type { PageSet } from "./virtq-rings.js";
import {
  STATUS, FEATURE, bit, DESC_F, AVAIL_F_NO_INTERRUPT, DESC_BYTES, USED_ELEM_BYTES, ALIGN, descBytes, availBytes, usedBytes, BLK,
} from "./virtq-spec.js";

const MAX_QUEUE_SIZE = 256;   // what the device offers in queue_size (§4.1.4.3)
const MAX_SEGMENTS = 256;     // the most buffers one request may name (drivers/virtio/desc-chain.ts)
const DISK_ID = "tsvisor-disk";

export class ModelMemory {
  readonly view: DataView;
  // `dirty` learns every page the model writes.
  constructor(readonly bytes: Uint8Array, readonly ranges: readonly [number, number][], readonly dirty: PageSet) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  // [gpa, gpa + len) lies in one RAM range (§2.7.5: buffers are guest-physical).
  contains(gpa: bigint, len: number): boolean {
    if (gpa >= 1n << 32n) return false;
    const g = Number(gpa);
    for (const [s, e] of this.ranges) if (g >= s && g < e) return len <= e - g;
    return false;
  }
  u16(gpa: number) { return this.view.getUint16(gpa, true); }
  u32(gpa: number) { return this.view.getUint32(gpa, true); }
  u64(gpa: number) { return this.view.getBigUint64(gpa, true); }
  set16(gpa: number, v: number) { this.dirty.add(gpa, 2); this.view.setUint16(gpa, v & 0xffff, true); }
  set32(gpa: number, v: number) { this.dirty.add(gpa, 4); this.view.setUint32(gpa, v >>> 0, true); }
  write(gpa: number, src: Uint8Array) { this.dirty.add(gpa, src.length); this.bytes.set(src, gpa); }
}

export interface Segment { addr: bigint; len: number; write: boolean }
export type Range = readonly [start: number, end: number];

// A request the device served: its head, the used length, the status byte.
export interface Served { head: number; len: number; status: number; type: number; segments: Segment[] }

interface Queue {
  size: number; desc: bigint; avail: bigint; used: bigint;
  enabled: boolean; eventIdx: boolean;
  lastAvail: number; usedIdx: number; signalled: number;
  error: number; requests: number; interrupts: number; suppressed: number;
}

const freshQueue = (): Queue => ({
  size: MAX_QUEUE_SIZE, desc: 0n, avail: 0n, used: 0n, enabled: false, eventIdx: false,
  lastAvail: 0, usedIdx: 0, signalled: 0, error: 0, requests: 0, interrupts: 0, suppressed: 0,
});

type Walk = { ok: true; segments: Segment[] } | { ok: false; error: number };

export class BlkModel {
  status = 0;
  generation = 0;
  resets = 0;
  driverFeatures = 0n;
  q: Queue = freshQueue();
  readonly errors: number[];
  queueInterrupts = 0;
  configInterrupts = 0;
  reads = 0; writes = 0; flushes = 0; bytesRead = 0; bytesWritten = 0; refused = 0;
  // Effects since the last take(): guest ranges the device may have
  // written, disk ranges written, requests served.
  allowed: Range[] = [];
  diskWritten: Range[] = [];
  served: Served[] = [];

  constructor(readonly mem: ModelMemory, readonly disk: Uint8Array, readonly readOnly: boolean, kinds: number) {
    this.errors = new Array<number>(kinds).fill(0);
  }

  sectors(): number { return Math.floor(this.disk.length / BLK.SECTOR_BYTES); }

  // Transport features and virtio-blk's (§6, §5.2.3).
  offered(): bigint {
    let f = bit(FEATURE.VERSION_1) | bit(FEATURE.INDIRECT_DESC) | bit(FEATURE.EVENT_IDX) |
      bit(FEATURE.BLK_SEG_MAX) | bit(FEATURE.BLK_BLK_SIZE) | bit(FEATURE.BLK_FLUSH);
    if (this.readOnly) f |= bit(FEATURE.BLK_RO);
    return f;
  }

  // Writing 0 resets the device (§2.4, §4.1.4.3.1): status, features and the queue.
  reset(): void {
    this.status = 0;
    this.driverFeatures = 0n;
    const { requests, interrupts, suppressed } = this.q;
    this.q = { ...freshQueue(), requests, interrupts, suppressed };
    this.resets++;
  }

  // device_status (§3.1.1): FEATURES_OK stays set only for an acceptable
  // subset with VERSION_1 (§6.1); NEEDS_RESET is the device's own bit.
  writeStatus(v: number): void {
    v &= 0xff;
    if (v === 0) return this.reset();
    let next = (v & ~STATUS.NEEDS_RESET) | (this.status & STATUS.NEEDS_RESET);
    const f = this.driverFeatures;
    const acceptable = (f & ~this.offered()) === 0n && (f & bit(FEATURE.VERSION_1)) !== 0n;
    if ((next & STATUS.FEATURES_OK) && !(this.status & STATUS.FEATURES_OK) && !acceptable) next &= ~STATUS.FEATURES_OK;
    this.status = next;
  }

  // driver_feature, one 32-bit word at a time; fixed once FEATURES_OK is set (§3.1.1).
  writeFeatures(select: number, word: number): void {
    if (this.status & STATUS.FEATURES_OK || select > 1) return;
    const shift = BigInt(select * 32);
    this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << shift)) | (BigInt(word >>> 0) << shift);
  }

  negotiated(b: number): boolean { return (this.driverFeatures & bit(b)) !== 0n; }

  // The queue's fields are fixed once it is enabled (§4.1.4.3.2).
  configure(size: number, desc: bigint, avail: bigint, used: bigint): void {
    if (this.q.enabled) return;
    Object.assign(this.q, { size: size & 0xffff, desc, avail, used });
  }

  // queue_enable = 1: the size a power of 2 up to the maximum (§2.7), each
  // part aligned and wholly in RAM (§2.7, Table 2.3).
  enable(): void {
    const q = this.q;
    if (q.enabled) return;
    const n = q.size;
    const ev = this.negotiated(FEATURE.EVENT_IDX);
    const placed = (gpa: bigint, len: number, align: number) => gpa % BigInt(align) === 0n && this.mem.contains(gpa, len);
    let e = 0;
    if (n === 0 || n > MAX_QUEUE_SIZE || (n & (n - 1)) !== 0) e = ringError("QueueSize");
    else if (!placed(q.desc, descBytes(n), ALIGN.DESC)) e = ringError("RingOutsideRam");
    else if (!placed(q.avail, availBytes(n, ev), ALIGN.AVAIL)) e = ringError("RingOutsideRam");
    else if (!placed(q.used, usedBytes(n, ev), ALIGN.USED)) e = ringError("RingOutsideRam");
    if (e !== 0) {
      if (q.error === 0) q.error = e;
      return this.broken(e);
    }
    q.eventIdx = ev;
    q.enabled = true;
  }

  // A broken rule: counted; the first sets DEVICE_NEEDS_RESET and tells the
  // driver by a configuration change (§2.1.2, §4.1.4.3: config_generation).
  private broken(e: number): void {
    this.errors[e]++;
    if (this.status & STATUS.NEEDS_RESET) return;
    this.status |= STATUS.NEEDS_RESET;
    this.generation = (this.generation + 1) & 0xff;
    this.configInterrupts++;
  }

  // The doorbell (§4.1.5.2): no buffers are taken before DRIVER_OK
  // (§3.1.1; counted, not fatal) or once the device needs a reset.
  notify(queue = 0): void {
    if (queue !== 0) return; // no such queue: ignored
    if (!(this.status & STATUS.DRIVER_OK)) {
      this.errors[ringError("NotifyEarly")]++;
      return;
    }
    if (this.status & STATUS.NEEDS_RESET) return;
    if (this.q.enabled) this.allowed.push(this.usedRange());
    let used = false;
    for (;;) {
      const r = this.pop();
      if (r === null) break;
      if (!r.ok) {
        this.broken(r.error);
        break;
      }
      const len = this.serve(r.segments, r.head);
      if (len < 0) break;
      this.push(r.head, len);
      used = true;
    }
    // §2.7.14: used buffers are notified (as §2.7.7 and §2.7.10 allow),
    // those before a broken request too.
    if (used) this.usedBuffers();
  }

  private ringAt(base: bigint, off: number): number { return Number(base) + off; }

  // The next chain (§2.7.6, §2.7.13): null when none is available.
  private pop(): (Walk & { head: number }) | null {
    const q = this.q;
    if (!q.enabled || q.error !== 0) return null;
    const availIdx = this.mem.u16(this.ringAt(q.avail, 2));
    if (availIdx === q.lastAvail) {
      // §2.7.10: with EVENT_IDX, ask to be notified at the next entry.
      if (q.eventIdx) this.write16(this.ringAt(q.used, 4 + USED_ELEM_BYTES * q.size), q.lastAvail);
      return null;
    }
    if (((availIdx - q.lastAvail) & 0xffff) > q.size) {
      q.error = ringError("AvailIndex");
      return { ok: false, error: q.error, head: 0 };
    }
    const head = this.mem.u16(this.ringAt(q.avail, 4 + 2 * (q.lastAvail & (q.size - 1))));
    q.lastAvail = (q.lastAvail + 1) & 0xffff;
    q.requests++;
    const w = this.walk(head);
    if (!w.ok) q.error = w.error;
    return { ...w, head };
  }

  // Follow a chain (§2.7.5, §2.7.5.3), checking in this order what the
  // device checks: indices inside their table, an indirect descriptor not
  // inside an indirect table (§2.7.5.3.1; after direct ones it is allowed,
  // §2.7.5.3.2), without NEXT, its table a non-zero multiple of 16 bytes,
  // aligned and in RAM; buffers in RAM; readable before writable
  // (§2.7.4.2); no more buffers than the device takes; no loop.
  private walk(head: number): Walk {
    const fail = (name: string): Walk => ({ ok: false, error: ringError(name) });
    let table = this.q.desc;
    let entries = this.q.size;
    let indirect = false;
    let i = head;
    let steps = 0;
    const segments: Segment[] = [];
    let writable = 0;
    let firstWritable = 0;
    if (i >= entries) return fail("HeadOutOfRange");
    for (;;) {
      const d = Number(table) + i * DESC_BYTES;
      const addr = this.mem.u64(d);
      const len = this.mem.u32(d + 8);
      const flags = this.mem.u16(d + 12);
      const next = this.mem.u16(d + 14);
      if (flags & DESC_F.INDIRECT) {
        if (indirect) return fail("NestedIndirect");
        if (flags & DESC_F.NEXT) return fail("IndirectNext");
        if (len === 0 || len % DESC_BYTES !== 0) return fail("IndirectSize");
        if (addr % BigInt(ALIGN.DESC) !== 0n || !this.mem.contains(addr, len)) return fail("BufferOutsideRam");
        table = addr;
        entries = len / DESC_BYTES;
        indirect = true;
        i = 0;
        steps = 0;
        continue;
      }
      if (len !== 0 && !this.mem.contains(addr, len)) return fail("BufferOutsideRam");
      const write = (flags & DESC_F.WRITE) !== 0;
      if (!write && (writable !== 0 || firstWritable !== segments.length)) return fail("ReadAfterWrite");
      if (segments.length === MAX_SEGMENTS) return fail("TooLong");
      segments.push({ addr, len, write });
      if (write) writable += len;
      else firstWritable = segments.length;
      steps++;
      if (!(flags & DESC_F.NEXT)) return { ok: true, segments };
      if (steps >= entries) return fail("Loop");
      i = next;
      if (i >= entries) return fail("HeadOutOfRange");
    }
  }

  // The bytes of one part of a chain, as guest ranges in order.
  private spans(segs: Segment[], write: boolean, offset: number, len: number): Range[] {
    const out: Range[] = [];
    let skip = offset;
    let left = len;
    for (const s of segs) {
      if (s.write !== write || left === 0) continue;
      if (skip >= s.len) { skip -= s.len; continue; }
      const n = Math.min(s.len - skip, left);
      const a = Number(s.addr) + skip;
      out.push([a, a + n]);
      left -= n;
      skip = 0;
    }
    return out;
  }

  private readPart(segs: Segment[], offset: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let at = 0;
    for (const [a, b] of this.spans(segs, false, offset, len)) {
      out.set(this.mem.bytes.subarray(a, b), at);
      at += b - a;
    }
    return out;
  }

  private writePart(segs: Segment[], offset: number, src: Uint8Array): void {
    let at = 0;
    for (const [a, b] of this.spans(segs, true, offset, src.length)) {
      this.mem.write(a, src.subarray(at, at + b - a));
      at += b - a;
    }
  }

  // One virtio-blk request (§5.2.6): the used length, or -1 for a request
  // that cannot take a status (a broken ring, RingError.BadRequest). The
  // status byte is the writable part's last; the used length covers the
  // whole writable part, so that the status lies inside it (§2.7.8.3: the
  // driver must not look past `len`), and the device writes every byte of
  // it (§2.7.8.2: "at least len bytes ... beginning at the first
  // device-writable buffer"): data, zeros where it has none, the status.
  private serve(segs: Segment[], head: number): number {
    const readable = segs.filter((s) => !s.write).reduce((n, s) => n + s.len, 0);
    const writable = segs.filter((s) => s.write).reduce((n, s) => n + s.len, 0);
    if (writable === 0 || readable < BLK.HEADER_BYTES) {
      this.broken(ringError("BadRequest"));
      return -1;
    }
    for (const s of segs) if (s.write && s.len > 0) this.allowed.push([Number(s.addr), Number(s.addr) + s.len]);
    const header = new DataView(this.readPart(segs, 0, BLK.HEADER_BYTES).buffer);
    const type = header.getUint32(0, true);
    const sector = header.getBigUint64(8, true);
    const statusAt = writable - 1;
    let status: number = BLK.S_OK;
    let written = 0;
    if (type === BLK.T_IN || type === BLK.T_OUT) {
      const len = type === BLK.T_IN ? writable - 1 : readable - BLK.HEADER_BYTES;
      const n = BigInt(Math.floor(len / BLK.SECTOR_BYTES));
      const total = BigInt(this.sectors());
      const inRange = len % BLK.SECTOR_BYTES === 0 && sector <= total && n <= total - sector;
      if (!inRange || (type === BLK.T_OUT && this.readOnly)) status = BLK.S_IOERR;
      else {
        const at = Number(sector) * BLK.SECTOR_BYTES;
        if (type === BLK.T_IN) {
          this.writePart(segs, 0, this.disk.slice(at, at + len));
          this.reads++;
          this.bytesRead += len;
          written = len;
        } else {
          this.disk.set(this.readPart(segs, BLK.HEADER_BYTES, len), at);
          if (len > 0) this.diskWritten.push([at, at + len]);
          this.writes++;
          this.bytesWritten += len;
        }
      }
    } else if (type === BLK.T_FLUSH) this.flushes++;
    else if (type === BLK.T_GET_ID && writable >= BLK.ID_BYTES + 1) {
      const id = new Uint8Array(BLK.ID_BYTES);
      for (let k = 0; k < DISK_ID.length; k++) id[k] = DISK_ID.charCodeAt(k);
      this.writePart(segs, 0, id);
      written = BLK.ID_BYTES;
    } else status = BLK.S_UNSUPP;
    if (status !== BLK.S_OK) this.refused++;
    if (statusAt > written) this.writePart(segs, written, new Uint8Array(statusAt - written));
    this.writePart(segs, statusAt, Uint8Array.of(status));
    this.served.push({ head, len: writable, status, type, segments: segs });
    return writable;
  }

  private write16(gpa: number, v: number): void {
    this.mem.set16(gpa, v);
  }

  // The used ring (§2.7.8): the element, then the index.
  private push(head: number, len: number): void {
    const q = this.q;
    const at = this.ringAt(q.used, 4 + USED_ELEM_BYTES * (q.usedIdx & (q.size - 1)));
    this.mem.set32(at, head);
    this.mem.set32(at + 4, len);
    q.usedIdx = (q.usedIdx + 1) & 0xffff;
    this.write16(this.ringAt(q.used, 2), q.usedIdx);
  }

  // Interrupt the driver? With EVENT_IDX when the used index passed
  // used_event since the last interrupt (§2.7.10, vring_need_event);
  // without, unless VIRTQ_AVAIL_F_NO_INTERRUPT is set (§2.7.7.1).
  private usedBuffers(): void {
    const q = this.q;
    const now = q.usedIdx;
    const old = q.signalled;
    if (now === old) return;
    q.signalled = now;
    let yes: boolean;
    if (q.eventIdx) {
      const event = this.mem.u16(this.ringAt(q.avail, 4 + 2 * q.size));
      yes = ((now - event - 1) & 0xffff) < ((now - old) & 0xffff);
    } else yes = (this.mem.u16(this.ringAt(q.avail, 0)) & AVAIL_F_NO_INTERRUPT) === 0;
    if (yes) {
      q.interrupts++;
      this.queueInterrupts++;
    } else q.suppressed++;
  }

  // Where the used ring lies (the device writes its index, elements and avail_event).
  usedRange(): Range {
    const q = this.q;
    const start = Number(q.used);
    return [start, start + usedBytes(q.size, q.eventIdx)];
  }

  // The effects since the last call, and a fresh record.
  take(): { allowed: Range[]; diskWritten: Range[]; served: Served[] } {
    const out = { allowed: this.allowed, diskWritten: this.diskWritten, served: this.served };
    this.allowed = [];
    this.diskWritten = [];
    this.served = [];
    return out;
  }
}
