// Random rings for the virtqueue properties: descriptor tables and
// available rings of random bytes, of almost-right descriptors, or of
// well-formed chains with fields changed at random. The device must end
// each doorbell having served what is well-formed and refused the first
// broken rule (virtio 1.2 §2.7), exactly as the reference model says, and
// touched nothing else; after a reset and the setup again, well-formed
// requests work.
import fc from "fast-check";
import { Harness, RAM_BYTES, DISK_SECTORS } from "./virtq-harness.js";
import { Session, Setup, setupArb, requestsArb } from "./virtq-wellformed.js";
import { BlkRequest, randomBytes } from "./virtq-requests.js";
import { Chain, Rng, below, writeChain } from "./virtq-rings.js";
import { DESC_BYTES, availBytes } from "./virtq-spec.js";
import { outsideRam } from "./virtq-outside.js";

// How a random case fills the rings: every byte of the descriptor table
// and available ring at random ("raw"), the same with an available index
// a queue's worth ahead at most ("rawIdx"), descriptors that look almost
// right ("plausible"), or well-formed chains with random fields changed
// ("mutated").
export const FLAVORS = ["raw", "rawIdx", "plausible", "mutated"] as const;
export interface RandomCase {
  setup: Setup; sizeLog: number; flavor: (typeof FLAVORS)[number]; rate: number; reqs: BlkRequest[]; notifies: number; recovery: BlkRequest[];
}
export const randomCaseArb: fc.Arbitrary<RandomCase> = fc.record({
  setup: setupArb, sizeLog: fc.integer({ min: 0, max: 8 }), flavor: fc.constantFrom(...FLAVORS),
  rate: fc.constantFrom(0.05, 0.2, 0.5), reqs: requestsArb(6), notifies: fc.integer({ min: 1, max: 3 }), recovery: requestsArb(2),
});

// Descriptors that look almost right: in-RAM buffers, blk headers, small
// tables, lengths near the edges, flags and next indices at random.
class Plausible {
  readonly buffers: bigint[] = [];
  readonly tables: { addr: bigint; entries: number }[] = [];
  constructor(readonly s: Session, readonly r: Rng) {
    for (let k = 0; k < 4; k++) {
      const a = s.alloc.take(16 + 512);
      const hdr = new Uint8Array(16);
      const v = new DataView(hdr.buffer);
      v.setUint32(0, [0, 1, 4, 8, below(r, 16)][below(r, 5)], true);
      v.setBigUint64(8, BigInt(below(r, DISK_SECTORS + 2)), true);
      s.h.ram.write(a, hdr);
      this.buffers.push(BigInt(a));
    }
  }
  addr(): bigint {
    const r = this.r;
    const x = below(r, 10);
    if (x < 4) return this.buffers[below(r, this.buffers.length)] + BigInt(r() < 0.7 ? 0 : below(r, 528));
    if (x < 6) return BigInt(below(r, RAM_BYTES));
    if (x < 7 && this.tables.length > 0) return this.tables[below(r, this.tables.length)].addr;
    if (x < 9) return outsideRam(r).addr;
    return BigInt.asUintN(64, BigInt(below(r, 0x100000000)) << 32n | BigInt(below(r, 0x100000000)));
  }
  len(): number {
    const r = this.r;
    const x = below(r, 10);
    if (x < 4) return below(r, 64);
    if (x < 6) return DESC_BYTES * (1 + below(r, 8));
    if (x < 8) return below(r, 4097);
    if (x < 9) return 0xffffffff;
    return below(r, 0x100000000);
  }
  desc(entries: number): [bigint, number, number, number] {
    const r = this.r;
    const flags = r() < 0.9 ? below(r, 8) : below(r, 0x10000);
    const next = r() < 0.8 ? below(r, entries) : r() < 0.5 ? below(r, 2 * entries) : below(r, 0x10000);
    return [this.addr(), this.len(), flags, next];
  }
}

function writeDescs(s: Session, table: bigint, descs: [bigint, number, number, number][]): void {
  const chain: Chain = { head: 0, indirect: null, segments: [], visits: descs.map(([addr, len, flags, next], index) => ({ table, index, desc: { addr, len, flags, next } })) };
  writeChain(s.h.ram, chain);
}

// One field of a descriptor changed at random.
function mutate(d: { addr: bigint; len: number; flags: number; next: number }, p: Plausible, entries: number): void {
  const r = p.r;
  switch (below(r, 5)) {
    case 0: d.flags ^= 1 << below(r, 3); break;
    case 1: d.flags = below(r, 0x10000); break;
    case 2: d.next = r() < 0.7 ? below(r, entries + 2) : below(r, 0x10000); break;
    case 3: d.addr = p.addr(); break;
    default: d.len = p.len(); break;
  }
}

// Random rings (FLAVORS): the device ends each doorbell having served what
// is well-formed and refused the first broken rule, as the model says,
// touching nothing else.
export function randomRingsProperty(h: Harness) {
  return fc.property(randomCaseArb, (c) => {
    const s = new Session(h, { ...c.setup, sizeLog: c.sizeLog, indirect: c.setup.indirect || c.flavor !== "mutated" });
    s.setup();
    const r = s.r;
    const q = s.q;
    const a = Number(q.avail);
    if (c.flavor === "raw" || c.flavor === "rawIdx") {
      s.h.ram.write(Number(q.desc), randomBytes(r, DESC_BYTES * q.size));
      s.h.ram.write(a, randomBytes(r, availBytes(q.size, q.eventIdx)));
      if (c.flavor === "rawIdx") s.h.ram.set16(a + 2, 1 + below(r, q.size));
    } else if (c.flavor === "plausible") {
      const p = new Plausible(s, r);
      for (let k = 0, n = below(r, 4); k < n; k++) {
        const entries = 1 + below(r, 8);
        p.tables.push({ addr: BigInt(s.alloc.take(entries * DESC_BYTES, DESC_BYTES)), entries });
      }
      for (const t of p.tables) writeDescs(s, t.addr, Array.from({ length: t.entries }, () => p.desc(t.entries)));
      writeDescs(s, q.desc, Array.from({ length: q.size }, () => p.desc(q.size)));
      s.h.ram.set16(a, below(r, 2));
      s.h.ram.set16(a + 2, r() < 0.8 ? 1 + below(r, q.size) : below(r, 0x10000));
      for (let k = 0; k < q.size; k++) s.h.ram.set16(a + 4 + 2 * k, r() < 0.9 ? below(r, q.size) : below(r, 0x10000));
      if (q.eventIdx) s.h.ram.set16(a + 4 + 2 * q.size, below(r, 0x10000));
    } else {
      // Requests the queue can take (a queue of 1 holds none: then noise).
      const p = new Plausible(s, r);
      const laid = q.size > 1 ? s.lay(c.reqs, s.slots()).placed : [];
      for (const x of laid) {
        for (const v of x.chain.visits) if (r() < c.rate) mutate(v.desc, p, v.table === q.desc ? q.size : x.chain.indirect!.entries);
      }
      s.publish(laid);
      if (r() < c.rate) s.h.ram.set16(a + 2, (s.availIdx + below(r, q.size + 4) - 2) & 0xffff);
      if (r() < c.rate) s.h.ram.set16(a + 4 + 2 * below(r, q.size), below(r, r() < 0.5 ? q.size : 0x10000));
    }
    h.round((d) => { for (let k = 0; k < c.notifies; k++) d.notify(); });
    s.recover(c.recovery);
  });
}
