// virtio-blk (drivers/virtio/virtio-blk.ts) over its split virtqueue
// (drivers/virtio/virtqueue.ts), driven through the virtio probe
// (kernel/probes-virtio.ts) by the driver model of test/sim/: requests laid
// out by hand, the device's answers checked against virtio 1.2 — and, in
// every round, against the reference model and the snapshot checks of
// test/sim/virtq-harness.ts. The cases are the counterexamples the
// property tests (virtqueue-properties.test.ts) found.
import { describe, expect, it } from "vitest";
import { coreModule } from "../sim/core.js";
import { Harness } from "../sim/virtq-harness.js";
import { Session } from "../sim/virtq-wellformed.js";
import { BlkRequest, writablePart } from "../sim/virtq-requests.js";
import { layChain, makeAvailable, readUsed, setInterruptHints, writeChain } from "../sim/virtq-rings.js";
import { BLK, STATUS } from "../sim/virtq-spec.js";

const h = new Harness(coreModule());

// A device with a queue of 8, INDIRECT_DESC negotiated.
function session(): Session {
  const s = new Session(h, { seed: 7, sizeLog: 3, eventIdx: false, indirect: true, readOnly: false });
  s.setup();
  return s;
}

// One request of `kind`, in one readable and one writable buffer, direct.
const request = (kind: BlkRequest["kind"], o: Partial<BlkRequest> = {}): BlkRequest => ({
  kind, sector: 0n, sectors: 0, partial: 0, extra: 0, shortId: false, unsuppType: 2,
  readSegs: 1, writeSegs: 1, zeros: 0, shape: "direct", direct: 1, spare: 0, writeOnIndirect: false, ...o,
});

describe("virtio-blk: the used length (§2.7.8.2, §2.7.8.3)", () => {
  it("covers the status byte when GET_ID is given more room than its 20 bytes; the rest is zeroed", () => {
    const s = session();
    const { placed } = s.offer([request("getid", { extra: 1 })]);
    h.round((d) => d.notify());
    const [e] = readUsed(h.ram, s.q, 0).elems;
    const back = writablePart(h.ram, placed[0]);
    expect(placed[0].writable).toBe(22);
    expect(e.len).toBe(22);
    expect(String.fromCharCode(...back.subarray(0, 12))).toBe("tsvisor-disk");
    expect([...back.subarray(12)]).toEqual([...new Array(9).fill(0), BLK.S_OK]);
  });

  it("covers the status byte of a refused read, and the data it did not bring is zeroed", () => {
    const s = session();
    // One sector, one past the disk's last.
    const { placed } = s.offer([request("in", { sector: 128n, sectors: 1 })]);
    h.round((d) => d.notify());
    const [e] = readUsed(h.ram, s.q, 0).elems;
    const back = writablePart(h.ram, placed[0]);
    expect(e.len).toBe(513);
    expect(back[512]).toBe(BLK.S_IOERR);
    expect(back.subarray(0, 512).every((b) => b === 0)).toBe(true);
  });

  it("covers a write's status byte when the driver gives it more room than one byte", () => {
    const s = session();
    const { placed } = s.offer([request("out", { sectors: 1, extra: 3 })]);
    h.round((d) => d.notify());
    const [e] = readUsed(h.ram, s.q, 0).elems;
    expect(e.len).toBe(4);
    expect([...writablePart(h.ram, placed[0])]).toEqual([0, 0, 0, BLK.S_OK]);
  });
});

describe("virtio-blk: a malformed request", () => {
  it("still notifies the requests used before it (§2.7.14), then needs a reset", () => {
    const s = session();
    const { placed } = s.offer([request("flush")]);
    // Then a request with no writable part: no room for a status (RingError.BadRequest).
    const header = BigInt(s.alloc.take(16));
    const taken = placed[0].chain.visits.map((v) => v.index);
    const free = [0, 1, 2, 3, 4, 5, 6, 7].filter((i) => !taken.includes(i));
    const bad = layChain(s.q, s.alloc, s.r, [{ addr: header, len: 16, write: false }], "direct", free);
    writeChain(h.ram, bad);
    s.availIdx = makeAvailable(h.ram, s.q, s.availIdx, [bad.head]);
    const { report } = h.round((d) => d.notify());
    expect(report.status & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET);
    expect(report.errors).toEqual({ BadRequest: 1 });
    expect(report.usedIdx).toBe(1);
    expect(report.queueInterrupts).toBe(1);
    s.collect(placed);
  });
});

describe("virtqueue: direct descriptors, then an indirect one (§2.7.5.3.2)", () => {
  it("is a chain the device serves", () => {
    const s = session();
    const data = BigInt(s.alloc.take(512));
    const status = BigInt(s.alloc.take(1));
    const header = BigInt(s.alloc.take(16));
    h.ram.write(Number(header), Uint8Array.of(BLK.T_IN, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0));
    // The header in the main table, then an indirect table with the data and the status.
    const chain = layChain(s.q, s.alloc, s.r, [
      { addr: header, len: 16, write: false }, { addr: data, len: 512, write: true }, { addr: status, len: 1, write: true },
    ], "mixed", [2, 6], { direct: 1 });
    writeChain(h.ram, chain);
    s.availIdx = makeAvailable(h.ram, s.q, s.availIdx, [chain.head]);
    const { report } = h.round((d) => d.notify());
    expect(report.status & STATUS.NEEDS_RESET).toBe(0);
    expect(report.errors).toEqual({});
    expect(readUsed(h.ram, s.q, 0).elems).toEqual([{ id: 2, len: 513 }]);
    expect(h.ram.bytes[Number(status)]).toBe(BLK.S_OK);
    expect([...h.ram.bytes.subarray(Number(data), Number(data) + 512)]).toEqual([...h.probe.disk.subarray(5 * 512, 6 * 512)]);
  });

  it("but an indirect descriptor inside an indirect table is refused (§2.7.5.3.1)", () => {
    const s = session();
    const header = BigInt(s.alloc.take(16));
    const chain = layChain(s.q, s.alloc, s.r, [
      { addr: header, len: 16, write: false }, { addr: BigInt(s.alloc.take(1)), len: 1, write: true },
    ], "indirect", [0]);
    chain.visits[1].desc.flags |= 4; // VIRTQ_DESC_F_INDIRECT on the table's first entry
    writeChain(h.ram, chain);
    s.availIdx = makeAvailable(h.ram, s.q, s.availIdx, [chain.head]);
    const { report } = h.round((d) => d.notify());
    expect(report.errors).toEqual({ NestedIndirect: 1 });
    expect(report.status & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET);
  });
});

describe("virtqueue: the 16-bit indices", () => {
  it("wrap past 65535 (§2.7.6, §2.7.8), with EVENT_IDX's used_event across the wrap (§2.7.10)", () => {
    const s = new Session(h, { seed: 3, sizeLog: 8, eventIdx: true, indirect: true, readOnly: false });
    s.setup();
    // 256 flushes, each one indirect descriptor, all naming the same header
    // and status byte; made available again and again.
    const header = s.alloc.take(16);
    const status = s.alloc.take(1);
    h.ram.write(header, Uint8Array.of(BLK.T_FLUSH, ...new Array(15).fill(0)));
    const heads = Array.from({ length: 256 }, (_, slot) => {
      const c = layChain(s.q, s.alloc, s.r, [{ addr: BigInt(header), len: 16, write: false }, { addr: BigInt(status), len: 1, write: true }], "indirect", [slot]);
      writeChain(h.ram, c);
      return c.head;
    });
    let interrupts = 0;
    for (let round = 0; round < 257; round++) {
      s.availIdx = makeAvailable(h.ram, s.q, s.availIdx, heads);
      setInterruptHints(h.ram, s.q, false, (s.availIdx - 1 - (round % 3) * 100) & 0xffff);
      h.ram.set16(status, 0xff);
      const { report } = h.round((d) => d.notify());
      expect(report.status & STATUS.NEEDS_RESET).toBe(0);
      const used = readUsed(h.ram, s.q, s.usedIdx);
      expect(used.elems).toEqual(heads.map((id) => ({ id, len: 1 })));
      expect(h.ram.bytes[status]).toBe(BLK.S_OK);
      s.usedIdx = used.idx;
      interrupts = report.queueInterrupts;
    }
    expect(s.usedIdx).toBe((257 * 256) & 0xffff);
    // used_event lay inside each batch (0, 100 or 200 before its end): every batch interrupts.
    expect(interrupts).toBe(257);
  });
});
