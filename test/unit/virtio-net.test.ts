// The network device (drivers/virtio/virtio-net.ts) on the transport's core,
// driven through its probe (kernel/probes-net.ts) by a mock driver writing
// split rings into guest RAM (test/sim/virtio-net-driver.ts): the features
// and configuration it offers (virtio 1.2 §5.1.3, §5.1.4), a frame's way to
// the built-in host and its reply's way back (§5.1.6.2, §5.1.6.4), and what
// it drops and counts — frames kept while no receive buffer is posted and
// beyond, buffers too small, transmit buffers it cannot take, a reset.
import { describe, expect, it } from "vitest";
import { NetDriver, RX, TX } from "../sim/virtio-net-driver.js";

const GUEST_MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const HOST_MAC = [0x52, 0x55, 0x0a, 0x00, 0x02, 0x02];
const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
function checksum(b: number[]): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}
// An ICMP echo request from the guest to 10.0.2.2 with sequence `seq`.
function ping(seq: number, data = 56): Uint8Array {
  const icmp = [8, 0, 0, 0, 0x12, 0x34, ...be16(seq), ...Array.from({ length: data }, (_, i) => i & 0xff)];
  const c = checksum(icmp);
  icmp[2] = c >> 8;
  icmp[3] = c & 0xff;
  const ip = [0x45, 0, ...be16(20 + icmp.length), 0, 0, 0x40, 0, 64, 1, 0, 0, 10, 0, 2, 15, 10, 0, 2, 2];
  const h = checksum(ip);
  ip[10] = h >> 8;
  ip[11] = h & 0xff;
  return Uint8Array.from([...HOST_MAC, ...GUEST_MAC, 0x08, 0x00, ...ip, ...icmp]);
}
const replyLen = (data = 56) => 14 + 20 + 8 + data;
const seqOf = (d: NetDriver, id: number, len: number) => {
  const b = d.bytes(RX, id, len);
  return (b[12 + 14 + 20 + 6] << 8) | b[12 + 14 + 20 + 7];
};

function ready(): NetDriver {
  const d = new NetDriver();
  d.init();
  return d;
}

describe("what the device offers", () => {
  it("MTU (3), MAC (5), STATUS (16) and the transport's INDIRECT_DESC (28), EVENT_IDX (29), VERSION_1 (32); no offloads, no MRG_RXBUF, no control queue", () => {
    const d = new NetDriver();
    expect(d.offered(0)).toBe((1 << 3 | 1 << 5 | 1 << 16 | 1 << 28 | 1 << 29) >>> 0);
    expect(d.offered(1)).toBe(1);
  });

  it("the configuration: MAC 52:54:00:12:34:56 byte by byte, status LINK_UP, mtu 1500", () => {
    const d = ready();
    expect([0, 1, 2, 3, 4, 5].map((i) => d.step("CONFIG", i, 1))).toEqual(GUEST_MAC);
    expect(d.step("CONFIG", 6, 2)).toBe(1);
    expect(d.step("CONFIG", 10, 2)).toBe(1500);
  });
});

describe("a frame out and its answer back", () => {
  it("a ping: the transmit buffer is used with length 0, the reply lands in a receive buffer after a header of zeros with num_buffers 1", () => {
    const d = ready();
    const rx = d.postRx();
    const tx = d.postTx(ping(1));
    d.step("NOTIFY", TX);
    expect(d.takeUsed(TX)).toEqual([{ id: tx, len: 0 }]);
    expect(d.takeUsed(RX)).toEqual([{ id: rx, len: 12 + replyLen() }]);
    const b = d.bytes(RX, rx, 12 + replyLen());
    expect([...b.subarray(0, 12)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect([...b.subarray(12, 18)]).toEqual(GUEST_MAC);
    expect(b[12 + 34]).toBe(0); // echo reply
    expect(d.count("TX_FRAMES")).toBe(1);
    expect(d.count("RX_FRAMES")).toBe(1);
    expect(d.count("INTERRUPTS")).toBe(2);
  });

  it("the header in a buffer of its own, and a full 1514-byte frame, are taken alike", () => {
    const d = ready();
    d.postRx();
    d.postTx(ping(1, 1472), { split: true });
    d.step("NOTIFY", TX);
    expect(d.takeUsed(RX).map((u) => u.len)).toEqual([12 + 1514]);
  });

  it("with no receive buffer posted, answers wait (in order) until the driver posts some and notifies the receive queue", () => {
    const d = ready();
    for (const s of [1, 2, 3]) d.postTx(ping(s));
    d.step("NOTIFY", TX);
    expect(d.takeUsed(RX)).toEqual([]);
    expect(d.count("PENDING")).toBe(3);
    for (let i = 0; i < 4; i++) d.postRx();
    d.step("NOTIFY", RX);
    const used = d.takeUsed(RX);
    expect(used.map((u) => seqOf(d, u.id, u.len))).toEqual([1, 2, 3]);
    expect(d.count("PENDING")).toBe(0);
  });

  it("at most 8 answers wait; the rest are dropped and counted", () => {
    const d = ready();
    for (let s = 1; s <= 10; s++) d.postTx(ping(s));
    d.step("NOTIFY", TX);
    expect(d.count("PENDING")).toBe(8);
    expect(d.count("RX_OVERFLOW")).toBe(2);
    for (let i = 0; i < 10; i++) d.postRx();
    d.step("NOTIFY", RX);
    expect(d.takeUsed(RX).map((u) => seqOf(d, u.id, u.len))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("a receive buffer too small for header and frame is given back empty; the frame is dropped and the next one uses the next buffer", () => {
    const d = ready();
    const small = d.postRx(100);
    const big = d.postRx();
    d.postTx(ping(1));
    d.postTx(ping(2));
    d.step("NOTIFY", TX);
    const used = d.takeUsed(RX);
    expect(used[0]).toEqual({ id: small, len: 0 });
    expect(used[1].id).toBe(big);
    expect(seqOf(d, big, used[1].len)).toBe(2);
    expect(d.count("RX_TOO_SMALL")).toBe(1);
  });
});

describe("transmit buffers the device does not take: used, counted, never a ring error", () => {
  it.each<[string, () => [Uint8Array, number[]?], string]>([
    ["shorter than the 12-byte header", () => [new Uint8Array(0), [0, 0, 0, 0, 0, 0, 0, 0]], "TX_NO_HEADER"],
    ["longer than header + 1514 bytes", () => [new Uint8Array(1515)], "TX_TOO_LONG"],
    ["NEEDS_CSUM without VIRTIO_NET_F_CSUM", () => [ping(1), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]], "TX_OFFLOAD"],
    ["gso_type TCPV4 without HOST_TSO4", () => [ping(1), [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]], "TX_OFFLOAD"],
  ])("%s (%s)", (_, make, counter) => {
    const d = ready();
    d.postRx();
    const [frame, hdr] = make();
    const tx = d.postTx(frame, { hdr });
    d.step("NOTIFY", TX);
    expect(d.takeUsed(TX)).toEqual([{ id: tx, len: 0 }]);
    expect(d.takeUsed(RX)).toEqual([]);
    expect(d.count(counter)).toBe(1);
    expect(d.count("TX_FRAMES")).toBe(0);
    expect(d.count("STATUS") & 64, "DEVICE_NEEDS_RESET").toBe(0);
  });
});

describe("reset", () => {
  it("drops the answers still waiting, and counts them", () => {
    const d = ready();
    d.postTx(ping(1));
    d.postTx(ping(2));
    d.step("NOTIFY", TX);
    expect(d.count("PENDING")).toBe(2);
    d.step("STATUS", 0);
    expect(d.count("PENDING")).toBe(0);
    expect(d.count("RX_RESET")).toBe(2);
  });
});
