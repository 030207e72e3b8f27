// The IPv4 header (RFC 791 §3.1): checked on the way in, written on the
// way out. The host takes only whole datagrams addressed to it and
// answers with a 20-byte header of its own.
import { be16, be32, putBe16, putBe32 } from "./byte-order";
import { checksum, checksumOk } from "./checksum";
import { DropReason } from "./drop-reason";
import { putc, putDec } from "../../kernel/console/console";

// Field offsets (RFC 791 §3.1, "Internet Header Format").
const IP_VERSION_IHL: u32 = 0;
const IP_TOS: u32 = 1;
const IP_TOTAL_LENGTH: u32 = 2;
const IP_ID: u32 = 4;
const IP_FLAGS_FRAGMENT: u32 = 6;
const IP_TTL: u32 = 8;
const IP_PROTOCOL: u32 = 9;
const IP_CHECKSUM: u32 = 10;
const IP_SRC: u32 = 12;
const IP_DST: u32 = 16;
export const IPV4_MIN_HEADER: u32 = 20;   // IHL 5: "the minimum value for a correct header is 5"
const VERSION_4: u32 = 4;
// Flags (RFC 791 §3.1): bit 0 reserved ("must be zero"), DF, MF; then a
// 13-bit fragment offset.
const FLAG_RESERVED: u32 = 0x8000;
const FLAG_MF: u32 = 0x2000;
const FRAGMENT_OFFSET: u32 = 0x1fff;
// A fresh datagram's TTL: 64, the default Assigned Numbers gives (RFC
// 1700, "IP TTL"; RFC 1122 §3.2.1.7 asks for the published value).
const DEFAULT_TTL: u32 = 64;

// Protocol numbers (RFC 790, IANA Assigned Internet Protocol Numbers).
export const PROTO_ICMP: u32 = 1;
export const PROTO_UDP: u32 = 17;

// What the check learned of a datagram; one record, refilled per frame.
export class Ipv4Header {
  headerBytes: u32 = 0;
  totalBytes: u32 = 0;
  protocol: u32 = 0;
  src: u32 = 0;
  dst: u32 = 0;
}

// Check the header at `p`, `avail` bytes of frame from there on, for
// datagrams to `host`. Bytes past the total length (Ethernet padding)
// are not the datagram's and are ignored.
export function checkIpv4(p: usize, avail: u32, host: u32, h: Ipv4Header): DropReason {
  if (avail < IPV4_MIN_HEADER) return DropReason.Ipv4Malformed;
  const vi = <u32>load<u8>(p + IP_VERSION_IHL);
  const ihl = (vi & 0xf) * 4;
  if (vi >> 4 != VERSION_4 || ihl < IPV4_MIN_HEADER || ihl > avail) return DropReason.Ipv4Malformed;
  // "The checksum field is the 16 bit one's complement of the one's
  // complement sum of all 16 bit words in the header", options included.
  if (!checksumOk(p, ihl)) return DropReason.Ipv4Checksum;
  const total = be16(p + IP_TOTAL_LENGTH);
  if (total < ihl || total > avail) return DropReason.Ipv4Malformed;
  const frag = be16(p + IP_FLAGS_FRAGMENT);
  if ((frag & FLAG_RESERVED) != 0) return DropReason.Ipv4Malformed;
  if ((frag & (FLAG_MF | FRAGMENT_OFFSET)) != 0) return DropReason.Ipv4Fragment;
  h.headerBytes = ihl;
  h.totalBytes = total;
  h.protocol = <u32>load<u8>(p + IP_PROTOCOL);
  h.src = be32(p + IP_SRC);
  h.dst = be32(p + IP_DST);
  if (h.dst != host) return DropReason.Ipv4OtherHost;
  if (!usableSource(h.src) || h.src == host) return DropReason.Ipv4BadSource;
  return DropReason.None;
}

// RFC 1122 §3.2.1.3: 0.0.0.0/8 ("this network", only while a host
// learns its address), 127.0.0.0/8 (loopback, "MUST NOT appear outside a
// host"), and 224.0.0.0 and above (class D multicast, class E reserved,
// the limited broadcast 255.255.255.255) are never a datagram's source
// that can be answered.
function usableSource(a: u32): bool {
  const first = a >> 24;
  return first != 0 && first != 127 && first < 224;
}

// A 20-byte header at `p` for a datagram of `total` bytes; no options, no
// fragmentation, TOS 0.
export function writeIpv4(p: usize, total: u32, protocol: u32, src: u32, dst: u32, id: u32): void {
  store<u8>(p + IP_VERSION_IHL, <u8>(VERSION_4 << 4 | IPV4_MIN_HEADER / 4));
  store<u8>(p + IP_TOS, 0);
  putBe16(p + IP_TOTAL_LENGTH, total);
  putBe16(p + IP_ID, id & 0xffff);
  putBe16(p + IP_FLAGS_FRAGMENT, 0);
  store<u8>(p + IP_TTL, <u8>DEFAULT_TTL);
  store<u8>(p + IP_PROTOCOL, <u8>protocol);
  putBe16(p + IP_CHECKSUM, 0);
  putBe32(p + IP_SRC, src);
  putBe32(p + IP_DST, dst);
  putBe16(p + IP_CHECKSUM, checksum(p, IPV4_MIN_HEADER));
}

// Dotted decimal, for the report.
export function putIpv4(a: u32): void {
  for (let i = 3; i >= 0; i--) {
    putDec((a >> (<u32>i * 8)) & 0xff);
    if (i != 0) putc(0x2e);
  }
}
