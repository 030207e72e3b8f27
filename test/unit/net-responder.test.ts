// The virtual switch's built-in host, 10.0.2.2 (drivers/net/responder.ts), on
// the shipped core.wasm through its probe (kernel/probes-net.ts): ARP
// (RFC 826), ICMP echo (RFC 792) and UDP echo (RFC 768, RFC 862) answered
// with the fields those RFCs give, every checksum checked here with this
// file's own RFC 1071 arithmetic; and hostile frames — truncated at every
// length, bad header lengths and checksums, lengths past the frame, random
// bytes — never answered wrongly, never answered from bytes past the frame,
// and never a trap.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { NetHost, BUFFER_BYTES } from "../sim/net-probe.js";

const root = path.resolve(__dirname, "../..");
// DropReason names in the order drivers/net/drop-reason.ts declares them.
const REASONS = /export enum DropReason \{([^}]*)\}/.exec(fs.readFileSync(path.join(root, "drivers/net/drop-reason.ts"), "utf8"))![1]
  .split("\n").map((l) => l.replace(/\/\/.*/, "").trim().replace(/,$/, "")).filter((l) => l !== "");
const reason = (name: string) => {
  const i = REASONS.indexOf(name);
  if (i < 0) throw new Error(`no DropReason ${name}`);
  return i;
};
const nameOf = (drop: number) => REASONS[drop];

const host = new NetHost();

type Bytes = number[];
const GUEST_MAC: Bytes = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const HOST_MAC: Bytes = [0x52, 0x55, 0x0a, 0x00, 0x02, 0x02];
const BROADCAST: Bytes = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const GUEST_IP: Bytes = [10, 0, 2, 15];
const HOST_IP: Bytes = [10, 0, 2, 2];

const be16 = (v: number): Bytes => [(v >> 8) & 0xff, v & 0xff];
const rd16 = (b: Uint8Array | Bytes, at: number) => (b[at] << 8) | b[at + 1];

// RFC 1071: the ones' complement sum of big-endian 16-bit words (an odd
// last byte padded with zero), folded; the checksum is its complement.
function onesSum(bytes: Uint8Array | Bytes, initial = 0): number {
  let sum = initial;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (i + 1 < bytes.length ? bytes[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}
const checksum = (bytes: Uint8Array | Bytes, initial = 0) => ~onesSum(bytes, initial) & 0xffff;
const verifies = (bytes: Uint8Array | Bytes, initial = 0) => onesSum(bytes, initial) === 0xffff;
// RFC 768's pseudo-header: source, destination, zero, protocol 17, UDP length.
const pseudo = (src: Bytes | Uint8Array, dst: Bytes | Uint8Array, len: number) =>
  onesSum([...src, ...dst, 0, 17, ...be16(len)]);

const eth = (dst: Bytes, src: Bytes, type: number, payload: Bytes): Bytes => [...dst, ...src, ...be16(type), ...payload];

interface ArpFields { op?: number; sha?: Bytes; spa?: Bytes; tha?: Bytes; tpa?: Bytes; hrd?: number; pro?: number; hln?: number; pln?: number }
const arp = (f: ArpFields = {}): Bytes => [
  ...be16(f.hrd ?? 1), ...be16(f.pro ?? 0x0800), f.hln ?? 6, f.pln ?? 4, ...be16(f.op ?? 1),
  ...(f.sha ?? GUEST_MAC), ...(f.spa ?? GUEST_IP), ...(f.tha ?? [0, 0, 0, 0, 0, 0]), ...(f.tpa ?? HOST_IP),
];

interface IpFields { src?: Bytes; dst?: Bytes; proto?: number; options?: Bytes; flags?: number; total?: number; version?: number; ihl?: number; sum?: number; ttl?: number }
function ipv4(payload: Bytes, f: IpFields = {}): Bytes {
  const options = f.options ?? [];
  const ihl = f.ihl ?? 5 + options.length / 4;
  const h: Bytes = [((f.version ?? 4) << 4) | ihl, 0, ...be16(f.total ?? 20 + options.length + payload.length), 0x12, 0x34,
    ...be16(f.flags ?? 0x4000), f.ttl ?? 64, f.proto ?? 1, 0, 0, ...(f.src ?? GUEST_IP), ...(f.dst ?? HOST_IP), ...options];
  const sum = f.sum ?? checksum(h);
  h[10] = sum >> 8;
  h[11] = sum & 0xff;
  return [...h, ...payload];
}

const icmp = (type: number, code: number, id: number, seq: number, data: Bytes, sum?: number): Bytes => {
  const m = [type, code, 0, 0, ...be16(id), ...be16(seq), ...data];
  const s = sum ?? checksum(m);
  m[2] = s >> 8;
  m[3] = s & 0xff;
  return m;
};

const udp = (sport: number, dport: number, data: Bytes, opts: { sum?: number | "none"; src?: Bytes; dst?: Bytes; len?: number } = {}): Bytes => {
  const len = opts.len ?? 8 + data.length;
  const d = [...be16(sport), ...be16(dport), ...be16(len), 0, 0, ...data];
  const s = opts.sum === "none" ? 0 : opts.sum ?? (checksum(d, pseudo(opts.src ?? GUEST_IP, opts.dst ?? HOST_IP, len)) || 0xffff);
  d[6] = s >> 8;
  d[7] = s & 0xff;
  return d;
};

const pattern = (n: number, seed = 1): Bytes => Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

const arpRequest = (f: ArpFields = {}, dst = BROADCAST) => eth(dst, GUEST_MAC, 0x0806, arp(f));
const ping = (data: Bytes = pattern(56), ip: IpFields = {}) => eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(icmp(8, 0, 0x0b0b, 1, data), ip));
const udpTo = (port: number, data: Bytes = [...Buffer.from("hi\n")], ip: IpFields = {}) =>
  eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(udp(40000, port, data), { proto: 17, ...ip }));

function answer(frame: Bytes, after?: Bytes) {
  const a = host.answer(Uint8Array.from(frame), after ? Uint8Array.from(after) : undefined);
  expect(a.wrotePastReply, "wrote past the end of its reply").toBe(false);
  return a;
}
const reply = (frame: Bytes) => {
  const a = answer(frame);
  expect(nameOf(a.drop), "dropped").toBe("None");
  return a.reply!;
};
const dropOf = (frame: Bytes) => {
  const a = answer(frame);
  expect(a.reply).toBeNull();
  return nameOf(a.drop);
};

// An IPv4 reply's checks, with this file's arithmetic: Ethernet back to the
// guest from the host, a 20-byte header with a good checksum, from 10.0.2.2.
function checkIpv4Reply(r: Uint8Array, proto: number): Uint8Array {
  expect([...r.subarray(0, 6)]).toEqual(GUEST_MAC);
  expect([...r.subarray(6, 12)]).toEqual(HOST_MAC);
  expect(rd16(r, 12)).toBe(0x0800);
  const ip = r.subarray(14);
  expect(ip[0]).toBe(0x45);
  expect(rd16(ip, 2)).toBe(r.length - 14);
  expect(rd16(ip, 6) & 0x3fff, "no fragmentation").toBe(0);
  expect(ip[8]).toBe(64);
  expect(ip[9]).toBe(proto);
  expect(verifies(ip.subarray(0, 20)), "IPv4 header checksum").toBe(true);
  expect([...ip.subarray(12, 16)]).toEqual(HOST_IP);
  expect([...ip.subarray(16, 20)]).toEqual(GUEST_IP);
  return ip.subarray(20);
}

describe("ARP (RFC 826)", () => {
  it("a broadcast request for 10.0.2.2 gets a reply to the requester: op 2, the host's MAC and address as sender, the requester as target", () => {
    const r = reply(arpRequest());
    expect(r.length).toBe(42);
    expect([...r.subarray(0, 6)]).toEqual(GUEST_MAC);
    expect([...r.subarray(6, 12)]).toEqual(HOST_MAC);
    expect(rd16(r, 12)).toBe(0x0806);
    const a = r.subarray(14);
    expect([rd16(a, 0), rd16(a, 2), a[4], a[5], rd16(a, 6)]).toEqual([1, 0x0800, 6, 4, 2]);
    expect([...a.subarray(8, 14)]).toEqual(HOST_MAC);
    expect([...a.subarray(14, 18)]).toEqual(HOST_IP);
    expect([...a.subarray(18, 24)]).toEqual(GUEST_MAC);
    expect([...a.subarray(24, 28)]).toEqual(GUEST_IP);
  });

  it("a unicast request (Linux's refresh of its entry) and one padded to 60 bytes are answered alike", () => {
    const plain = reply(arpRequest());
    expect(reply(arpRequest({}, HOST_MAC))).toEqual(plain);
    expect(reply([...arpRequest(), ...new Array(18).fill(0)])).toEqual(plain);
  });

  it("the reply goes to the sender hardware address of the request, not the frame's source", () => {
    const other = [0x02, 0, 0, 0, 0, 9];
    const r = reply(arpRequest({ sha: other }));
    expect([...r.subarray(0, 6)]).toEqual(other);
    expect([...r.subarray(14 + 18, 14 + 24)]).toEqual(other);
  });

  it.each<[string, string, Bytes]>([
    ["a request for another address", "ArpOtherTarget", arpRequest({ tpa: [10, 0, 2, 3] })],
    ["a reply (gratuitous or not)", "ArpNotRequest", arpRequest({ op: 2 })],
    ["hardware type not Ethernet", "ArpMalformed", arpRequest({ hrd: 6 })],
    ["protocol not IPv4", "ArpMalformed", arpRequest({ pro: 0x86dd })],
    ["hardware address length 8", "ArpMalformed", arpRequest({ hln: 8 })],
    ["protocol address length 16", "ArpMalformed", arpRequest({ pln: 16 })],
    ["a group sender hardware address", "ArpMalformed", arpRequest({ sha: BROADCAST })],
    ["to another station's MAC", "NotForHost", arpRequest({}, [0x02, 0, 0, 0, 0, 1])],
  ])("%s is dropped (%s)", (_, why, frame) => {
    expect(dropOf(frame)).toBe(why);
  });
});

describe("ICMP echo (RFC 792)", () => {
  it.each([0, 1, 56, 57, 1472])("an echo request with %i data bytes: type 0, same id, sequence and data, both checksums right", (n) => {
    const data = pattern(n, n);
    const r = reply(ping(data));
    expect(r.length).toBe(14 + 20 + 8 + n);
    const m = checkIpv4Reply(r, 1);
    expect([m[0], m[1]]).toEqual([0, 0]);
    expect(rd16(m, 4)).toBe(0x0b0b);
    expect(rd16(m, 6)).toBe(1);
    expect([...m.subarray(8)]).toEqual(data);
    expect(verifies(m), "ICMP checksum").toBe(true);
  });

  it("a request with IP options is answered with a plain 20-byte header and the same message", () => {
    const data = pattern(32);
    const r = reply(ping(data, { options: [0x01, 0x01, 0x01, 0x00] }));
    const m = checkIpv4Reply(r, 1);
    expect([...m.subarray(8)]).toEqual(data);
  });

  it("Ethernet padding past the IP total length is not echoed", () => {
    const frame = ping(pattern(4));
    const r = reply([...frame, ...new Array(60 - frame.length + 10).fill(0xee)]);
    expect(r.length).toBe(frame.length);
  });

  it.each<[string, string, Bytes]>([
    ["a bad ICMP checksum", "IcmpChecksum", eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(icmp(8, 0, 1, 1, pattern(8), 0x1234)))],
    ["an echo reply", "IcmpNotEcho", eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(icmp(0, 0, 1, 1, pattern(8))))],
    ["an echo request with code 1", "IcmpNotEcho", eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(icmp(8, 1, 1, 1, pattern(8))))],
    ["a destination unreachable", "IcmpNotEcho", eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(icmp(3, 3, 0, 0, pattern(28))))],
    ["a 4-byte ICMP message", "IcmpMalformed", eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4([0xf7, 0xff, 0, 0]))],
  ])("%s is dropped (%s)", (_, why, frame) => {
    expect(dropOf(frame)).toBe(why);
  });
});

describe("UDP echo (RFC 768, RFC 862)", () => {
  it.each([0, 1, 3, 100, 1472])("%i bytes to port 7 come back from port 7 to the sender's port, with a right checksum", (n) => {
    const data = pattern(n, 3);
    const r = reply(udpTo(7, data));
    expect(r.length).toBe(14 + 20 + 8 + n);
    const d = checkIpv4Reply(r, 17);
    expect(rd16(d, 0)).toBe(7);
    expect(rd16(d, 2)).toBe(40000);
    expect(rd16(d, 4)).toBe(8 + n);
    expect(rd16(d, 6), "a computed checksum, not 0").not.toBe(0);
    expect(verifies(d, pseudo(HOST_IP, GUEST_IP, 8 + n)), "UDP checksum").toBe(true);
    expect([...d.subarray(8)]).toEqual(data);
  });

  it("a datagram sent without a checksum (0) is echoed, with one", () => {
    const frame = eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(udp(5000, 7, pattern(10), { sum: "none" }), { proto: 17 }));
    const d = checkIpv4Reply(reply(frame), 17);
    expect(verifies(d, pseudo(HOST_IP, GUEST_IP, 18))).toBe(true);
  });

  it("a UDP length shorter than the IP payload: only the datagram is echoed", () => {
    const frame = eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4([...udp(5000, 7, pattern(4)), 0xde, 0xad], { proto: 17 }));
    const d = checkIpv4Reply(reply(frame), 17);
    expect(d.length).toBe(12);
    expect([...d.subarray(8)]).toEqual(pattern(4));
  });

  it.each<[string, string, Bytes]>([
    ["a bad UDP checksum", "UdpChecksum", eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(udp(5000, 7, pattern(6), { sum: 0x4242 }), { proto: 17 }))],
    ["port 9 (discard)", "UdpClosedPort", udpTo(9)],
    ["port 53", "UdpClosedPort", udpTo(53)],
    ["source port 0", "UdpNoSourcePort", eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(udp(0, 7, pattern(4)), { proto: 17 }))],
    ["a UDP length past the IP payload", "UdpMalformed", eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(udp(5000, 7, pattern(4), { len: 40 }), { proto: 17 }))],
    ["a UDP length under 8", "UdpMalformed", eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(udp(5000, 7, pattern(4), { len: 7, sum: "none" }), { proto: 17 }))],
    ["a 6-byte IP payload", "UdpMalformed", eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4([0, 1, 0, 7, 0, 6], { proto: 17 }))],
  ])("%s is dropped (%s)", (_, why, frame) => {
    expect(dropOf(frame)).toBe(why);
  });
});

describe("what the host does not answer, by reason", () => {
  it.each<[string, string, Bytes]>([
    ["an empty frame", "Runt", []],
    ["13 bytes", "Runt", pattern(13)],
    ["1515 bytes", "Oversize", [...ping(pattern(1472)), 0]],
    ["a frame from a group MAC", "GroupSource", eth(HOST_MAC, BROADCAST, 0x0800, ipv4(icmp(8, 0, 1, 1, [])))],
    ["IPv6 to a multicast MAC", "Ipv6", eth([0x33, 0x33, 0, 0, 0, 2], GUEST_MAC, 0x86dd, pattern(40))],
    ["IPv6 to the host", "Ipv6", eth(HOST_MAC, GUEST_MAC, 0x86dd, pattern(40))],
    ["IPv4 multicast (IGMP to 224.0.0.22)", "NotForHost", eth([0x01, 0, 0x5e, 0, 0, 0x16], GUEST_MAC, 0x0800, ipv4(pattern(8), { proto: 2, dst: [224, 0, 0, 22] }))],
    ["a ping to the broadcast MAC", "Broadcast", eth(BROADCAST, GUEST_MAC, 0x0800, ipv4(icmp(8, 0, 1, 1, [])))],
    ["a VLAN-tagged frame", "OtherEtherType", eth(HOST_MAC, GUEST_MAC, 0x8100, [0, 1, 8, 0, ...ipv4(icmp(8, 0, 1, 1, []))])],
    ["an 802.3 length field", "OtherEtherType", eth(HOST_MAC, GUEST_MAC, 46, pattern(46))],
    ["IP version 6 in an IPv4 frame", "Ipv4Malformed", ping(pattern(8), { version: 6 })],
    ["IHL 4", "Ipv4Malformed", ping(pattern(8), { ihl: 4 })],
    ["IHL 15 in a 28-byte datagram", "Ipv4Malformed", ping([], { ihl: 15 })],
    ["a wrong header checksum", "Ipv4Checksum", ping(pattern(8), { sum: 0xbeef })],
    ["a total length past the frame", "Ipv4Malformed", ping(pattern(8), { total: 100 })],
    ["a total length under the header", "Ipv4Malformed", ping(pattern(8), { total: 19 })],
    ["the reserved flag set", "Ipv4Malformed", ping(pattern(8), { flags: 0x8000 })],
    ["a first fragment (MF)", "Ipv4Fragment", ping(pattern(8), { flags: 0x2000 })],
    ["a later fragment (offset 185)", "Ipv4Fragment", ping(pattern(8), { flags: 185 })],
    ["a ping to 10.0.2.3", "Ipv4OtherHost", ping(pattern(8), { dst: [10, 0, 2, 3] })],
    ["a ping from 0.0.0.0", "Ipv4BadSource", ping(pattern(8), { src: [0, 0, 0, 0] })],
    ["a ping from 127.0.0.1", "Ipv4BadSource", ping(pattern(8), { src: [127, 0, 0, 1] })],
    ["a ping from 255.255.255.255", "Ipv4BadSource", ping(pattern(8), { src: [255, 255, 255, 255] })],
    ["a ping from 10.0.2.2 itself", "Ipv4BadSource", ping(pattern(8), { src: HOST_IP })],
    ["TCP (a SYN to port 80)", "OtherProtocol", eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4([0x9c, 0x40, 0, 80, ...pattern(16)], { proto: 6 }))],
  ])("%s: %s", (_, why, frame) => {
    expect(dropOf(frame)).toBe(why);
  });

  it("counts each frame under its reason, and answers under 0", () => {
    host.reset();
    dropOf(ping(pattern(8), { sum: 1 }));
    dropOf(ping(pattern(8), { sum: 1 }));
    dropOf(udpTo(9));
    reply(arpRequest());
    reply(ping());
    reply(udpTo(7));
    expect(host.count(reason("Ipv4Checksum"))).toBe(2);
    expect(host.count(reason("UdpClosedPort"))).toBe(1);
    expect(host.count(reason("Runt"))).toBe(0);
    expect(host.count(0)).toBe(3);
  });
});

// The replies the host gives, as frames; each must be refused when cut short.
const WHOLE: [string, Bytes][] = [
  ["an ARP request", arpRequest()],
  ["an ICMP echo request", ping(pattern(56))],
  ["a UDP echo datagram", udpTo(7, pattern(20))],
];

describe("hostile frames", () => {
  it.each(WHOLE)("%s cut at every length from 0 up gets no reply, even with the missing bytes right after it in memory", (_, frame) => {
    for (let n = 0; n < frame.length; n++) {
      const a = answer(frame.slice(0, n), frame.slice(n));
      expect(a.reply, `cut at ${n}`).toBeNull();
      expect(a.drop, `cut at ${n}`).not.toBe(0);
    }
    expect(answer(frame).reply).not.toBeNull();
  });

  // Whatever the frame, the answer is a function of its bytes alone, written
  // only inside the reply, no longer than the frame, and — for IPv4 — with
  // checksums that verify.
  function checkAnswer(frame: Uint8Array, tailA: Uint8Array, tailB: Uint8Array) {
    const a = host.answer(frame, tailA);
    const b = host.answer(frame, tailB);
    expect(a.wrotePastReply || b.wrotePastReply).toBe(false);
    expect(b.drop).toBe(a.drop);
    // The same but for the IPv4 Identification, a counter, and so the header checksum.
    const masked = (r: Uint8Array | null) => r && rd16(r, 12) === 0x0800 ? r.map((v, i) => ([18, 19, 24, 25].includes(i) ? 0 : v)) : r;
    expect(masked(b.reply)).toEqual(masked(a.reply));
    if (a.reply === null) {
      expect(a.drop).toBeGreaterThan(0);
      expect(a.drop).toBeLessThan(REASONS.length - 1);
      return;
    }
    const r = a.reply;
    expect(r.length).toBeLessThanOrEqual(frame.length);
    expect(r.length).toBeLessThanOrEqual(1514);
    expect([...r.subarray(6, 12)]).toEqual(HOST_MAC);
    if (rd16(r, 12) === 0x0800) {
      const ip = r.subarray(14);
      expect(verifies(ip.subarray(0, 20))).toBe(true);
      const body = ip.subarray(20, rd16(ip, 2));
      if (ip[9] === 1) expect(verifies(body)).toBe(true);
      else expect(verifies(body, pseudo(ip.subarray(12, 16), ip.subarray(16, 20), body.length))).toBe(true);
    } else expect(rd16(r, 12)).toBe(0x0806);
  }

  const tail = fc.uint8Array({ minLength: 0, maxLength: 64 });

  it("random bytes of any length up to 1600: never a trap, never a read past the frame", () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 1600 }), tail, tail, checkAnswer), { numRuns: 200 });
  });

  it("random bytes after a header addressed to the host, as IPv4 or ARP", () => {
    const framed = fc.tuple(fc.constantFrom(0x0800, 0x0806), fc.uint8Array({ minLength: 0, maxLength: 1500 }))
      .map(([type, body]) => Uint8Array.from(eth(HOST_MAC, GUEST_MAC, type, [...body])));
    fc.assert(fc.property(framed, tail, tail, checkAnswer), { numRuns: 200 });
  });

  it("valid requests with random bytes changed and cut at a random length", () => {
    const mutated = fc.tuple(
      fc.constantFrom(...WHOLE.map(([, f]) => f)),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 0, maxLength: 4 }),
      fc.oneof(fc.constant(0), fc.nat()),
    ).map(([frame, changes, cut]) => {
      const f = Uint8Array.from(frame);
      for (const [at, v] of changes) f[at % f.length] = v;
      return f.subarray(0, f.length - (cut % (f.length + 1)));
    });
    fc.assert(fc.property(mutated, tail, tail, checkAnswer), { numRuns: 200 });
  });

  it("IPv4 headers with every IHL and any total length, checksums made right", () => {
    const headers = fc.tuple(fc.integer({ min: 0, max: 15 }), fc.option(fc.integer({ min: 0, max: 0xffff })), fc.integer({ min: 0, max: 80 }), fc.constantFrom(1, 17))
      .map(([ihl, total, n, proto]) => {
        const body = proto === 1 ? icmp(8, 0, 1, 1, pattern(n)) : udp(1234, 7, pattern(n));
        const options = new Array(Math.max(0, ihl - 5) * 4).fill(1);
        return Uint8Array.from(eth(HOST_MAC, GUEST_MAC, 0x0800, ipv4(body, { ihl, total: total ?? undefined, proto, options })));
      });
    fc.assert(fc.property(headers, tail, tail, checkAnswer), { numRuns: 200 });
  });

  it("the probe's buffers are larger than any frame the host takes", () => {
    expect(BUFFER_BYTES).toBeGreaterThan(1514 + 64);
  });
});
