// Well-formed virtio-blk requests (virtio 1.2 §5.2.6) as a property draws
// them, laid out in guest RAM as a driver would, and what the driver must
// see come back — worked out from the request and a plain copy of the
// disk, independently of the reference model: the status byte, the used
// length, the data a read brings, the bytes a write leaves on the disk.
import fc from "fast-check";
import { BLK } from "./virtq-spec.js";
import type { Segment } from "./virtq-model.js";
import { Allocator, Chain, GuestRam, QueueLayout, Rng, Shape, below, layChain, slotsFor } from "./virtq-rings.js";

export type Kind = "in" | "out" | "flush" | "getid" | "unsupp";

export interface BlkRequest {
  kind: Kind;
  sector: bigint;
  sectors: number;     // data, in sectors (IN, OUT)
  partial: number;     // bytes more than whole sectors (not 0: IOERR)
  extra: number;       // writable bytes beyond the status (not IN), or GET_ID's beyond its 20
  shortId: boolean;    // GET_ID with less room than 20 bytes: UNSUPP
  unsuppType: number;
  readSegs: number;    // buffers the readable part is cut into
  writeSegs: number;
  zeros: number;       // zero-length buffers thrown in
  shape: Shape;
  direct: number;      // "mixed": buffers before the indirect descriptor
  spare: number;       // unused entries in an indirect table
  writeOnIndirect: boolean; // WRITE set on the indirect descriptor (§2.7.5.3.2: ignored)
}

const TYPES: Record<Exclude<Kind, "unsupp">, number> = { in: BLK.T_IN, out: BLK.T_OUT, flush: BLK.T_FLUSH, getid: BLK.T_GET_ID };

export function requestArb(diskSectors: number): fc.Arbitrary<BlkRequest> {
  return fc.record({
    kind: fc.constantFrom<Kind>("in", "in", "in", "out", "out", "out", "flush", "getid", "unsupp"),
    sector: fc.oneof(
      { weight: 8, arbitrary: fc.bigInt(0n, BigInt(diskSectors)) },
      { weight: 1, arbitrary: fc.bigInt(BigInt(diskSectors), BigInt(diskSectors) + 16n) },
      { weight: 1, arbitrary: fc.bigInt(0n, (1n << 64n) - 1n) }),
    sectors: fc.integer({ min: 0, max: 8 }),
    partial: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 511 }) }),
    extra: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 600 }) }),
    shortId: fc.boolean(),
    unsuppType: fc.constantFrom(2, 3, 11, 13, 0x10, 0xffffffff),
    readSegs: fc.integer({ min: 1, max: 4 }),
    writeSegs: fc.integer({ min: 1, max: 4 }),
    zeros: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
    shape: fc.constantFrom<Shape>("direct", "indirect", "mixed"),
    direct: fc.integer({ min: 1, max: 3 }),
    spare: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
    writeOnIndirect: fc.boolean(),
  });
}

// A request laid out: its chain, and what it asked.
export interface Placed {
  req: BlkRequest;
  type: number;
  chain: Chain;
  writable: number;     // bytes in the writable part; the status is the last
  dataLen: number;
  outData: Uint8Array;  // what an OUT writes
}

// `n` random bytes, four to a draw.
export function randomBytes(r: Rng, n: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(n / 4));
  for (let k = 0; k < words.length; k++) words[k] = below(r, 0x100000000);
  return new Uint8Array(words.buffer, 0, n);
}

// Cut `len` bytes into `n` pieces at random points (pieces may be empty).
function cuts(r: Rng, len: number, n: number): number[] {
  const points = Array.from({ length: n - 1 }, () => below(r, len + 1)).sort((a, b) => a - b);
  return [...points, len].map((p, i) => p - (i === 0 ? 0 : points[i - 1]));
}

// Somewhere a zero-length buffer may point: the device must never go there.
function nowhere(r: Rng, ramBytes: number): bigint {
  const at = [0n, 0xb0000n, BigInt(ramBytes), 0xfffffffffffffff0n, 1n << 40n, BigInt(below(r, ramBytes))];
  return at[below(r, at.length)];
}

// The buffers of `req`, in guest RAM, with the readable bytes written.
function segmentsOf(ram: GuestRam, alloc: Allocator, r: Rng, req: BlkRequest, type: number, maxBuffers: number): {
  segments: Segment[]; writable: number; dataLen: number; outData: Uint8Array;
} {
  const dataLen = req.kind === "in" || req.kind === "out" ? req.sectors * BLK.SECTOR_BYTES + req.partial : 0;
  const header = new Uint8Array(BLK.HEADER_BYTES);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, type, true);
  hv.setUint32(4, below(r, 0x100000000), true); // reserved (ioprio): the device ignores it
  hv.setBigUint64(8, req.sector, true);
  const outData = randomBytes(r, req.kind === "out" ? dataLen : 0);
  const readable = new Uint8Array(header.length + outData.length);
  readable.set(header);
  readable.set(outData, header.length);
  const writable = req.kind === "in" ? dataLen + 1 : req.kind === "getid" ? (req.shortId ? 1 + below(r, BLK.ID_BYTES) : BLK.ID_BYTES + 1 + req.extra) : 1 + req.extra;
  // No more buffers than the queue holds (§2.7.5.3.1).
  let nr = Math.min(req.readSegs, readable.length);
  let nw = Math.min(req.writeSegs, writable);
  let zeros = req.zeros;
  if (nr + nw + zeros > maxBuffers) zeros = 0;
  if (nr + nw > maxBuffers) nr = nw = 1;
  const segments: Segment[] = [];
  let from = 0;
  for (const len of cuts(r, readable.length, nr)) {
    if (len === 0) { segments.push({ addr: nowhere(r, ram.bytes.length), len: 0, write: false }); continue; }
    const a = alloc.take(len);
    ram.write(a, readable.subarray(from, from + len));
    segments.push({ addr: BigInt(a), len, write: false });
    from += len;
  }
  for (const len of cuts(r, writable, nw)) {
    segments.push({ addr: len === 0 ? nowhere(r, ram.bytes.length) : BigInt(alloc.take(len)), len, write: true });
  }
  for (let z = 0; z < zeros; z++) {
    // Anywhere in its part: before the first writable buffer if readable.
    const write = r() < 0.5;
    const firstW = segments.findIndex((s) => s.write);
    const at = write ? firstW + below(r, segments.length - firstW + 1) : below(r, firstW + 1);
    segments.splice(at, 0, { addr: nowhere(r, ram.bytes.length), len: 0, write });
  }
  return { segments, writable, dataLen, outData };
}

// Lay out `req` as a chain in queue `q` using main-table entries from
// `slots` (consumed). Null if it does not fit in what is left. `tweak` may
// change the buffers first (a test breaking a rule).
export function placeRequest(ram: GuestRam, alloc: Allocator, r: Rng, q: QueueLayout, req: BlkRequest, indirect: boolean, slots: number[],
  tweak: (segments: Segment[]) => Segment[] = (x) => x): Placed | null {
  const type = req.kind === "unsupp" ? req.unsuppType : TYPES[req.kind];
  const shape: Shape = indirect ? req.shape : "direct";
  const laid = segmentsOf(ram, alloc, r, req, type, q.size);
  const { writable, dataLen, outData } = laid;
  const segments = tweak(laid.segments);
  const need = slotsFor(shape, segments.length, req.direct);
  if (need > slots.length) return null;
  const mine = slots.splice(0, need);
  const chain = layChain(q, alloc, r, segments, shape, mine, { direct: req.direct, spare: req.spare, writeOnIndirect: req.writeOnIndirect });
  return { req, type, chain, writable, dataLen, outData };
}

// What the driver must find once the device used `p`, given the disk as
// it stood (which an OUT that succeeds then changes): the status byte and
// any data, read from the chain's own buffers.
export function expectedStatus(p: Placed, sectors: number, readOnly: boolean): number {
  if (p.req.kind === "in" || p.req.kind === "out") {
    const s = p.req.sector;
    const n = BigInt(p.req.sectors);
    if (p.req.partial !== 0 || s > BigInt(sectors) || n > BigInt(sectors) - s) return BLK.S_IOERR;
    if (p.req.kind === "out" && readOnly) return BLK.S_IOERR;
    return BLK.S_OK;
  }
  if (p.req.kind === "flush") return BLK.S_OK;
  if (p.req.kind === "getid") return p.writable >= BLK.ID_BYTES + 1 ? BLK.S_OK : BLK.S_UNSUPP;
  return BLK.S_UNSUPP;
}

// The writable part's bytes, as the device left them.
export function writablePart(ram: GuestRam, p: Placed): Uint8Array {
  const out = new Uint8Array(p.writable);
  let at = 0;
  for (const s of p.chain.segments) {
    if (!s.write || s.len === 0) continue;
    out.set(ram.bytes.subarray(Number(s.addr), Number(s.addr) + s.len), at);
    at += s.len;
  }
  return out;
}
