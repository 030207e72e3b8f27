// The driver's side of a split virtqueue in simulated guest RAM (virtio 1.2
// §2.7), as a guest driver lays it out: rings and buffers placed in the
// guest's RAM ranges, descriptor chains (direct, indirect, or direct ones
// followed by an indirect one, §2.7.5.3.2) written little-endian, heads
// made available (§2.7.13), the used ring read back (§2.7.14). Chains are
// kept as records of where each descriptor lives, so that a test can break
// one rule in one of them before it writes them.
import { DESC_F, DESC_BYTES, USED_ELEM_BYTES, descBytes, availBytes, usedBytes, ALIGN } from "./virtq-spec.js";
import type { Range, Segment } from "./virtq-model.js";

// A small deterministic generator (mulberry32): placements and cut points
// follow from one seed a property draws.
export type Rng = () => number;
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const below = (r: Rng, n: number) => Math.floor(r() * n);

// The 4 KiB pages of guest RAM something wrote: the harness resyncs and
// compares only those (test/sim/virtq-harness.ts).
export class PageSet {
  private readonly marks: Uint8Array;
  readonly pages: number[] = [];
  constructor(bytes: number) { this.marks = new Uint8Array(Math.ceil(bytes / 4096)); }
  add(gpa: number, len: number): void {
    for (let p = gpa >>> 12, last = (gpa + Math.max(len, 1) - 1) >>> 12; p <= last; p++) {
      if (this.marks[p] === 0) { this.marks[p] = 1; this.pages.push(p); }
    }
  }
  addAll(o: PageSet): void { for (const p of o.pages) this.add(p << 12, 1); }
  clear(): void { for (const p of this.pages) this.marks[p] = 0; this.pages.length = 0; }
}

// Guest RAM as the driver writes it: every write goes through here, so
// that the pages it touched are known.
export class GuestRam {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly dirty: PageSet) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  set16(gpa: number, v: number) { this.dirty.add(gpa, 2); this.view.setUint16(gpa, v & 0xffff, true); }
  set32(gpa: number, v: number) { this.dirty.add(gpa, 4); this.view.setUint32(gpa, v >>> 0, true); }
  set64(gpa: number, v: bigint) { this.dirty.add(gpa, 8); this.view.setBigUint64(gpa, BigInt.asUintN(64, v), true); }
  write(gpa: number, src: Uint8Array) { this.dirty.add(gpa, src.length); this.bytes.set(src, gpa); }
  u16(gpa: number) { return this.view.getUint16(gpa, true); }
  u32(gpa: number) { return this.view.getUint32(gpa, true); }
}

// Free guest RAM, handed out at random places that overlap nothing taken.
export class Allocator {
  private readonly taken: Range[] = [];
  constructor(private readonly ranges: readonly Range[], private readonly r: Rng) {}

  // `len` bytes aligned to `align`, inside one RAM range; now and then
  // flush against a range's end or start, where off-by-ones live.
  take(len: number, align = 1): number {
    const fits = this.ranges.filter(([s, e]) => e - s >= len + align);
    for (let tries = 0; tries < 200 && fits.length > 0; tries++) {
      const [s, e] = fits[below(this.r, fits.length)];
      const how = this.r();
      let a = how < 0.15 ? e - len : how < 0.25 ? s : s + below(this.r, e - s - len + 1);
      a -= a % align;
      if (a < s || a + len > e || this.overlaps(a, a + len)) continue;
      this.taken.push([a, a + len]);
      return a;
    }
    throw new Error(`no free guest RAM for ${len} bytes`);
  }

  private overlaps(a: number, b: number): boolean {
    return this.taken.some(([s, e]) => a < e && s < b);
  }
}

export interface QueueLayout { size: number; desc: bigint; avail: bigint; used: bigint; eventIdx: boolean }

export function placeQueue(alloc: Allocator, size: number, eventIdx: boolean): QueueLayout {
  const desc = BigInt(alloc.take(descBytes(size), ALIGN.DESC));
  const avail = BigInt(alloc.take(availBytes(size, eventIdx), ALIGN.AVAIL));
  const used = BigInt(alloc.take(usedBytes(size, eventIdx), ALIGN.USED));
  return { size, desc, avail, used, eventIdx };
}

// A driver hands the device zeroed rings (Linux allocates them zeroed):
// avail idx and used idx start at 0 (§2.7.6, §2.7.8; §2.7.10.1: used flags 0).
export function clearQueue(ram: GuestRam, q: QueueLayout): void {
  ram.write(Number(q.desc), new Uint8Array(descBytes(q.size)));
  ram.write(Number(q.avail), new Uint8Array(availBytes(q.size, q.eventIdx)));
  ram.write(Number(q.used), new Uint8Array(usedBytes(q.size, q.eventIdx)));
}

export interface Desc { addr: bigint; len: number; flags: number; next: number }
// One descriptor of a chain, where it lives.
export interface Placed { table: bigint; index: number; desc: Desc }

export type Shape = "direct" | "indirect" | "mixed";

// A chain as laid out: its head, every descriptor in the order the device
// visits them, and the buffers it names.
export interface Chain {
  head: number;
  visits: Placed[];
  indirect: { at: number; table: bigint; entries: number } | null; // `at`: the INDIRECT descriptor's place in visits
  segments: Segment[];
}

// Lay out `segments` as one chain: `slots` are the free descriptor-table
// entries it may use (direct descriptors take one each, an indirect one
// one for the whole table); `direct`: how many buffers go in the main
// table before the indirect descriptor (shape "mixed"). Indirect tables get
// `spare` unused entries; their chains start at entry 0 (§2.7.5.3) and then
// visit the others in a random order.
export function layChain(q: QueueLayout, alloc: Allocator, r: Rng, segments: Segment[], shape: Shape, slots: number[],
  opts: { direct?: number; spare?: number; writeOnIndirect?: boolean } = {}): Chain {
  const inMain = shape === "direct" ? segments.length : shape === "indirect" ? 0 : Math.min(opts.direct ?? 1, segments.length - 1);
  const visits: Placed[] = [];
  const flagsOf = (s: Segment) => (s.write ? DESC_F.WRITE : 0);
  segments.slice(0, inMain).forEach((seg, k) => {
    visits.push({ table: q.desc, index: slots[k], desc: { addr: seg.addr, len: seg.len, flags: flagsOf(seg) | DESC_F.NEXT, next: slots[k + 1] ?? 0 } });
  });
  let indirect: Chain["indirect"] = null;
  if (shape !== "direct") {
    const rest = segments.slice(inMain);
    const entries = rest.length + (opts.spare ?? 0);
    const table = BigInt(alloc.take(entries * DESC_BYTES, DESC_BYTES));
    const order = [0, ...shuffle(r, Array.from({ length: entries - 1 }, (_, i) => i + 1))];
    const slot = slots[inMain];
    indirect = { at: visits.length, table, entries };
    visits.push({ table: q.desc, index: slot, desc: {
      addr: table, len: entries * DESC_BYTES, flags: DESC_F.INDIRECT | (opts.writeOnIndirect ? DESC_F.WRITE : 0), next: 0 } });
    rest.forEach((seg, k) => {
      visits.push({ table, index: order[k], desc: { addr: seg.addr, len: seg.len, flags: flagsOf(seg) | DESC_F.NEXT, next: order[k + 1] ?? 0 } });
    });
    // Spare entries hold whatever was there; zero them, as a driver's kmalloc'd table would not be.
    for (let k = rest.length; k < entries; k++) {
      visits.push({ table, index: order[k], desc: { addr: 0n, len: 0, flags: 0, next: 0 } });
    }
  }
  // The last buffer ends the chain.
  const last = shape === "direct" ? visits[visits.length - 1] : visits[indirect!.at + segments.length - inMain];
  last.desc.flags &= ~DESC_F.NEXT;
  last.desc.next = 0;
  return { head: visits[0].index, visits, indirect, segments };
}

// How many main-table entries a chain of `n` buffers takes.
export function slotsFor(shape: Shape, n: number, direct = 1): number {
  return shape === "direct" ? n : shape === "indirect" ? 1 : Math.min(direct, n - 1) + 1;
}

export function writeChain(ram: GuestRam, c: Chain): void {
  for (const v of c.visits) {
    const at = Number(v.table) + v.index * DESC_BYTES;
    ram.set64(at, v.desc.addr);
    ram.set32(at + 8, v.desc.len);
    ram.set16(at + 12, v.desc.flags);
    ram.set16(at + 14, v.desc.next);
  }
}

// Make heads available (§2.7.13.2-3): ring entries, then the index.
export function makeAvailable(ram: GuestRam, q: QueueLayout, idx: number, heads: number[]): number {
  const a = Number(q.avail);
  heads.forEach((h, k) => ram.set16(a + 4 + 2 * ((idx + k) % q.size), h));
  const next = (idx + heads.length) & 0xffff;
  ram.set16(a + 2, next);
  return next;
}

// avail.flags (§2.7.7) and used_event (§2.7.10), which the driver sets.
export function setInterruptHints(ram: GuestRam, q: QueueLayout, noInterrupt: boolean, usedEvent: number): void {
  const a = Number(q.avail);
  ram.set16(a, noInterrupt ? 1 : 0);
  if (q.eventIdx) ram.set16(a + 4 + 2 * q.size, usedEvent);
}

// The used ring's index and elements from `from` (§2.7.8).
export function readUsed(ram: GuestRam, q: QueueLayout, from: number): { idx: number; elems: { id: number; len: number }[] } {
  const u = Number(q.used);
  const idx = ram.u16(u + 2);
  const elems = [];
  for (let i = from; i !== idx; i = (i + 1) & 0xffff) {
    const at = u + 4 + USED_ELEM_BYTES * (i % q.size);
    elems.push({ id: ram.u32(at), len: ram.u32(at + 4) });
  }
  return { idx, elems };
}

export function shuffle<T>(r: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = below(r, i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
