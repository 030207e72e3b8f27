// Hostile drivers for the virtqueue properties: a round of well-formed
// requests with one rule of virtio 1.2 broken in one of them (§2.7.4.2,
// §2.7.5, §2.7.5.3.1, §2.7.6). On top of the harness's checks (the
// reference model, the snapshot, every host access), the driver must see
// the requests before the broken one served, then DEVICE_NEEDS_RESET with
// that one RingError counted, and no more; after a reset (status 0, §2.4)
// and the setup again, well-formed requests work.
import fc from "fast-check";
import { Harness, DISK_SECTORS } from "./virtq-harness.js";
import { Session, Setup, setupArb, requestsArb } from "./virtq-wellformed.js";
import { BlkRequest, Placed, placeRequest, requestArb } from "./virtq-requests.js";
import { Chain, Placed as PlacedDesc, QueueLayout, Rng, below, layChain } from "./virtq-rings.js";
import type { Segment } from "./virtq-model.js";
import { DESC_F, DESC_BYTES, STATUS } from "./virtq-spec.js";
import { outsideRam } from "./virtq-outside.js";

export const DEFECTS = [
  "loop", "nextPastTable", "headPastTable", "bufferOutside", "nestedIndirect", "indirectNext", "indirectSize",
  "indirectOutside", "readAfterWrite", "tooLong", "availJump", "shortHeader", "noWritable",
] as const;
export type Defect = (typeof DEFECTS)[number];

// The RingError each defect must give.
const ERROR_OF: Record<Defect, string> = {
  loop: "Loop", nextPastTable: "HeadOutOfRange", headPastTable: "HeadOutOfRange", bufferOutside: "BufferOutsideRam",
  nestedIndirect: "NestedIndirect", indirectNext: "IndirectNext", indirectSize: "IndirectSize", indirectOutside: "BufferOutsideRam",
  readAfterWrite: "ReadAfterWrite", tooLong: "TooLong", availJump: "AvailIndex", shortHeader: "BadRequest", noWritable: "BadRequest",
};
const NEEDS_INDIRECT: ReadonlySet<Defect> = new Set(["nestedIndirect", "indirectNext", "indirectSize", "indirectOutside", "tooLong"]);

// The descriptors of `c` that name buffers (not the indirect one), in visit order.
const buffersOf = (c: Chain): PlacedDesc[] => c.visits.filter((v, i) => i !== c.indirect?.at && i < c.segments.length + (c.indirect ? 1 : 0));

// Break `kind` in the laid-out chain `p` (before it is written). The
// RingError it gives, if not the defect's own.
function breakChain(kind: Defect, p: Placed, q: QueueLayout, r: Rng): string | undefined {
  const c = p.chain;
  const bufs = buffersOf(c);
  const last = bufs[bufs.length - 1];
  const tableOf = (v: PlacedDesc) => (v.table === q.desc ? q.size : c.indirect!.entries);
  const ind = c.indirect ? c.visits[c.indirect.at].desc : null;
  switch (kind) {
    case "loop": {
      // Back to a writable buffer of the same table: a chain that never
      // ends (§2.7.5.2: "loops in the descriptor chain are forbidden").
      const targets = bufs.filter((v) => v.table === last.table && (v.desc.flags & DESC_F.WRITE));
      last.desc.flags |= DESC_F.NEXT;
      last.desc.next = targets[below(r, targets.length)].index;
      return;
    }
    case "nextPastTable": {
      const k = below(r, bufs.length);
      const v = bufs[k];
      v.desc.flags |= DESC_F.NEXT;
      v.desc.next = tableOf(v) + below(r, 0x10000 - tableOf(v));
      // A chain that already visited as many descriptors as its table has
      // and goes on loops, wherever `next` points.
      const steps = bufs.slice(0, k + 1).filter((b) => b.table === v.table).length;
      return steps >= tableOf(v) ? "Loop" : undefined;
    }
    case "bufferOutside": {
      const v = bufs[below(r, bufs.length)];
      Object.assign(v.desc, outsideRam(r));
      return;
    }
    case "nestedIndirect": {
      const v = bufs.filter((b) => b.table !== q.desc);
      v[below(r, v.length)].desc.flags |= DESC_F.INDIRECT;
      return;
    }
    case "indirectNext":
      ind!.flags |= DESC_F.NEXT;
      ind!.next = below(r, 0x10000);
      return;
    case "indirectSize":
      ind!.len = r() < 0.3 ? 0 : DESC_BYTES * below(r, 16) + 1 + below(r, DESC_BYTES - 1);
      return;
    case "indirectOutside":
      if (r() < 0.4) ind!.addr += BigInt(1 + below(r, DESC_BYTES - 1)); // misaligned (§2.7.5.3: a table of 16-byte descriptors)
      else Object.assign(ind!, outsideRam(r, DESC_BYTES));
      return;
  }
}

// Buffers laid out against a rule, before the chain is made.
function breakBuffers(kind: Defect, r: Rng, segs: Segment[]): Segment[] {
  const firstW = segs.findIndex((s) => s.write);
  switch (kind) {
    case "readAfterWrite": {
      // A writable buffer moved in front of a readable one (§2.7.4.2).
      const w = firstW + below(r, segs.length - firstW);
      const [moved] = segs.splice(w, 1);
      segs.splice(below(r, firstW), 0, moved);
      return segs;
    }
    case "shortHeader": {
      const rest = segs.slice(firstW);
      const n = below(r, 16);
      return n === 0 ? rest : [{ addr: segs[0].addr, len: Math.min(n, segs[0].len), write: false }, ...rest];
    }
    case "noWritable":
      return r() < 0.5 ? segs.slice(0, firstW) : segs.map((s) => (s.write ? { ...s, len: 0 } : s));
    default:
      return segs;
  }
}

// An indirect table of more buffers than one request may have (drivers/virtio/desc-chain.ts MAX_SEGMENTS).
function tooLongChain(s: Session, slots: number[]): Chain {
  const a = BigInt(s.alloc.take(16));
  const w = BigInt(s.alloc.take(1));
  const segs: Segment[] = [{ addr: a, len: 16, write: false }];
  for (let k = 0, n = 256 + below(s.r, 40); k < n; k++) segs.push({ addr: a + BigInt(below(s.r, 16)), len: 1, write: false });
  segs.push({ addr: w, len: 1, write: true });
  return layChain(s.q, s.alloc, s.r, segs, "indirect", slots.splice(0, 1));
}

export interface ChainCase { setup: Setup; before: BlkRequest[]; victim: BlkRequest; defect: Defect; after: BlkRequest[]; recovery: BlkRequest[] }

export const chainCaseArb: fc.Arbitrary<ChainCase> = fc.record({
  setup: setupArb,
  before: fc.array(requestArb(DISK_SECTORS), { maxLength: 4 }),
  victim: requestArb(DISK_SECTORS),
  defect: fc.constantFrom(...DEFECTS),
  after: fc.array(requestArb(DISK_SECTORS), { maxLength: 2 }),
  recovery: requestsArb(3),
});

// One round: `before`, the broken request, `after`, made available at once.
export function brokenChainProperty(h: Harness) {
  return fc.property(chainCaseArb, (c) => {
    const needsIndirect = NEEDS_INDIRECT.has(c.defect);
    const s = new Session(h, { ...c.setup, indirect: c.setup.indirect || needsIndirect });
    s.setup();
    const slots = s.slots();
    // The broken request first, so that it has room; it goes after `before` in the ring.
    const victim = c.defect === "tooLong" ? tooLongVictim(s, slots) : layVictim(s, c, slots);
    if (victim === null) return; // no room for it in so small a queue
    const room = s.q.size - 1;
    const before = s.lay(c.before, slots, room);
    const after = s.lay(c.after, slots, room - before.placed.length);
    const all = [...before.placed, victim, ...after.placed];
    const startIdx = s.availIdx;
    s.publish(all);
    if (c.defect === "headPastTable") {
      s.h.ram.set16(Number(s.q.avail) + 4 + 2 * ((startIdx + before.placed.length) % s.q.size), s.q.size + below(s.r, 0x10000 - s.q.size));
    }
    if (c.defect === "availJump") {
      s.h.ram.set16(Number(s.q.avail) + 2, (startIdx + s.q.size + 1 + below(s.r, 0x10000 - s.q.size - 1)) & 0xffff);
    }
    const res = h.round((d) => { d.notify(); d.notify(); });
    const r = res.report;
    const want = victim.expect ?? ERROR_OF[c.defect];
    if (!(r.status & STATUS.NEEDS_RESET)) throw new Error(`${c.defect}: no DEVICE_NEEDS_RESET (status ${r.status})`);
    if (JSON.stringify(r.errors) !== JSON.stringify({ [want]: 1 })) throw new Error(`${c.defect}: errors ${JSON.stringify(r.errors)}, expected one ${want}`);
    if (r.configInterrupts !== 1) throw new Error(`${c.defect}: ${r.configInterrupts} configuration interrupts, expected 1`);
    s.collect(c.defect === "availJump" ? [] : before.placed);
    s.recover(c.recovery);
  });
}

function layVictim(s: Session, c: ChainCase, slots: number[]): { chain: Chain; expect?: string } | null {
  // Shapes the defect needs: an indirect table, or (for a loop among writable buffers) any.
  const req: BlkRequest = NEEDS_INDIRECT.has(c.defect) && c.victim.shape === "direct" ? { ...c.victim, shape: "indirect" } : c.victim;
  const p = placeRequest(s.h.ram, s.alloc, s.r, s.q, req, s.s.indirect, slots, (segs) => breakBuffers(c.defect, s.r, segs));
  if (p === null) return null;
  if (c.defect === "nestedIndirect" && p.chain.indirect === null) return null;
  return { chain: p.chain, expect: breakChain(c.defect, p, s.q, s.r) };
}

function tooLongVictim(s: Session, slots: number[]): { chain: Chain; expect?: string } {
  return { chain: tooLongChain(s, slots) };
}
