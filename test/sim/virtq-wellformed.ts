// Well-formed traffic for the virtqueue properties: a device set up as a
// driver sets it up (§3.1.1), and rounds of random virtio-blk requests —
// reads, writes, flushes, GET_ID and types the device does not offer, of
// random sectors (some past the disk's end), cut into random buffers,
// direct, indirect, or direct then indirect — each round made available
// and notified at once, then checked against what the driver expects
// (test/sim/virtq-requests.ts) on top of the harness's own checks.
import fc from "fast-check";
import { Harness, DISK_SECTORS } from "./virtq-harness.js";
import { driverFeatures } from "./virtq-driver.js";
import { Allocator, Chain, QueueLayout, Rng, clearQueue, makeAvailable, placeQueue, readUsed, rng, setInterruptHints, shuffle, writeChain, below } from "./virtq-rings.js";
import { BlkRequest, Placed, expectedStatus, placeRequest, requestArb, writablePart } from "./virtq-requests.js";
import { BLK, STATUS } from "./virtq-spec.js";

export interface Setup {
  seed: number;
  sizeLog: number;     // queue size 2^sizeLog
  eventIdx: boolean;
  indirect: boolean;
  readOnly: boolean;
}

// Queue sizes up to 256; a blk request needs two buffers at least, and a
// chain may not be longer than the queue (§2.7.5.3.1), so no size 1 here.
export const setupArb: fc.Arbitrary<Setup> = fc.record({
  seed: fc.integer(),
  sizeLog: fc.integer({ min: 1, max: 8 }),
  eventIdx: fc.boolean(),
  indirect: fc.boolean(),
  readOnly: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

export const requestsArb = (max: number) => fc.array(requestArb(DISK_SECTORS), { minLength: 1, maxLength: max });

// A device in use: the queue as laid out, the driver's indices, and the
// disk as the driver expects it.
export class Session {
  readonly r: Rng;
  readonly alloc: Allocator;
  q!: QueueLayout;
  availIdx = 0;
  usedIdx = 0;
  readonly disk: Uint8Array;

  constructor(readonly h: Harness, readonly s: Setup) {
    this.r = rng(s.seed);
    h.begin(s.readOnly);
    this.alloc = new Allocator(h.ranges, this.r);
    this.disk = h.probe.disk.slice();
  }

  // Lay out a queue of 2^sizeLog and initialize the device (§3.1.1).
  setup(sizeLog = this.s.sizeLog): void {
    this.q = placeQueue(this.alloc, 1 << sizeLog, this.s.eventIdx);
    clearQueue(this.h.ram, this.q);
    this.availIdx = 0;
    this.usedIdx = 0;
    const res = this.h.round((d) => d.init(this.q, driverFeatures(this.s)));
    const want = STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK;
    if (res.report.status !== want) throw new Error(`device status ${res.report.status} after initialization, not ${want}`);
  }

  // Free main-table entries for one round, in a random order.
  slots(): number[] {
    return shuffle(this.r, Array.from({ length: this.q.size }, (_, i) => i));
  }

  // As many of `reqs` as fit in `slots` (and `room` ring entries), laid out
  // but not yet written; the rest.
  lay(reqs: BlkRequest[], slots: number[], room = this.q.size): { placed: Placed[]; rest: BlkRequest[] } {
    const placed: Placed[] = [];
    let k = 0;
    for (; k < reqs.length && placed.length < room; k++) {
      const p = placeRequest(this.h.ram, this.alloc, this.r, this.q, reqs[k], this.s.indirect, slots);
      if (p === null) break;
      placed.push(p);
    }
    return { placed, rest: reqs.slice(k) };
  }

  // Write the chains and make their heads available (§2.7.13), with random
  // interrupt hints.
  publish(placed: readonly { chain: Chain }[]): void {
    for (const p of placed) writeChain(this.h.ram, p.chain);
    this.availIdx = makeAvailable(this.h.ram, this.q, this.availIdx, placed.map((p) => p.chain.head));
    setInterruptHints(this.h.ram, this.q, this.r() < 0.3, below(this.r, 0x10000));
  }

  offer(reqs: BlkRequest[]): { placed: Placed[]; rest: BlkRequest[] } {
    const o = this.lay(reqs, this.slots());
    if (o.placed.length === 0) throw new Error("a request that fits in no queue of this size");
    this.publish(o.placed);
    return o;
  }

  // Check what the device gave back for `placed` (used in order, §2.7.8),
  // and follow the disk.
  collect(placed: Placed[]): void {
    const used = readUsed(this.h.ram, this.q, this.usedIdx);
    if (used.elems.length !== placed.length) throw new Error(`${used.elems.length} requests used of ${placed.length} made available`);
    placed.forEach((p, i) => this.check(p, used.elems[i], i));
    this.usedIdx = used.idx;
  }

  private check(p: Placed, e: { id: number; len: number }, i: number): void {
    const what = `request ${i} (${p.req.kind}, sector ${p.req.sector}, ${p.dataLen} bytes, ${p.chain.segments.length} buffers)`;
    if (e.id !== p.chain.head) throw new Error(`${what}: used id ${e.id}, its head is ${p.chain.head}`);
    // §2.7.8.2-3: the used length covers the status byte, the writable part's last.
    if (e.len !== p.writable) throw new Error(`${what}: used length ${e.len}, its writable part is ${p.writable} bytes`);
    const back = writablePart(this.h.ram, p);
    const status = expectedStatus(p, DISK_SECTORS, this.s.readOnly);
    if (back[p.writable - 1] !== status) throw new Error(`${what}: status ${back[p.writable - 1]}, expected ${status}`);
    if (status !== BLK.S_OK) return;
    const at = Number(p.req.sector) * BLK.SECTOR_BYTES;
    if (p.req.kind === "in") {
      const want = this.disk.subarray(at, at + p.dataLen);
      const got = back.subarray(0, p.dataLen);
      const bad = got.findIndex((b, k) => b !== want[k]);
      if (bad >= 0) throw new Error(`${what}: data byte ${bad} read ${got[bad]}, the disk holds ${want[bad]}`);
    } else if (p.req.kind === "out") this.disk.set(p.outData, at);
    else if (p.req.kind === "getid") {
      const id = String.fromCharCode(...back.subarray(0, BLK.ID_BYTES)).replace(/\0+$/, "");
      if (id !== "tsvisor-disk") throw new Error(`${what}: GET_ID gave ${JSON.stringify(id)}`);
    }
  }

  // After hostile rounds: a reset (§2.4) and the setup again (a queue of 2
  // at least, room for any request), then the device serves well-formed
  // requests. The disk as the hostile rounds left it (the model checked it).
  recover(reqs: BlkRequest[]): void {
    this.disk.set(this.h.probe.disk);
    this.setup(Math.max(1, this.s.sizeLog));
    this.serveAll(reqs);
  }

  // Every request, round after round as the queue takes them.
  serveAll(reqs: BlkRequest[]): void {
    let rest = reqs;
    while (rest.length > 0) {
      const o = this.offer(rest);
      const res = this.h.round((d) => d.notify());
      if (res.report.status & STATUS.NEEDS_RESET) throw new Error(`DEVICE_NEEDS_RESET on well-formed requests: ${JSON.stringify(res.report.errors)}`);
      this.collect(o.placed);
      rest = o.rest;
    }
    if (!Buffer.from(this.h.probe.disk).equals(Buffer.from(this.disk))) {
      const bad = this.h.probe.disk.findIndex((b, k) => b !== this.disk[k]);
      throw new Error(`disk byte ${bad} is ${this.h.probe.disk[bad]}, the driver wrote ${this.disk[bad]}`);
    }
  }
}

export function wellFormedProperty(h: Harness) {
  return fc.property(setupArb, fc.array(requestsArb(12), { minLength: 1, maxLength: 4 }), (s, rounds) => {
    const session = new Session(h, s);
    session.setup();
    for (const reqs of rounds) session.serveAll(reqs);
  });
}
