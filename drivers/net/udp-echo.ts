// UDP (RFC 768) to the echo port (RFC 862, "UDP Based Echo Service":
// "When a datagram is received, the data from it is sent back in an
// answering datagram"). Any other port is dropped; the host sends no ICMP
// port unreachable (it sends no ICMP of its own at all), so a guest's
// datagram to another port just goes unanswered.
//
// The reply's checksum is computed, not left 0: RFC 768 allows 0 ("no
// checksum") over IPv4, but a computed one lets the guest's stack check
// the echo end to end, and costs one pass over at most 1480 bytes.
import { be16, putBe16 } from "./byte-order";
import { checksum, fold, onesSum } from "./checksum";
import { PROTO_UDP } from "./ipv4";
import { DropReason, dropped } from "./drop-reason";

// The header (RFC 768, "Format"): source port, destination port, length
// (header and data), checksum.
const UDP_SRC_PORT: u32 = 0;
const UDP_DST_PORT: u32 = 2;
const UDP_LENGTH: u32 = 4;
const UDP_CHECKSUM: u32 = 6;
const UDP_HEADER: u32 = 8;
export const ECHO_PORT: u32 = 7;

// The pseudo-header's sum (RFC 768: source address, destination address,
// zero, protocol, UDP length), added before the datagram's own bytes.
function pseudoSum(src: u32, dst: u32, udpLen: u32): u64 {
  return <u64>(src >> 16) + <u64>(src & 0xffff) + <u64>(dst >> 16) + <u64>(dst & 0xffff) + <u64>PROTO_UDP + <u64>udpLen;
}

// The datagram at `msg` (`len` bytes of IP payload, from `src` to `dst`)
// → the echo at `out`, its length; or why there is none.
export function answerUdp(msg: usize, len: u32, src: u32, dst: u32, out: usize): i32 {
  if (len < UDP_HEADER) return dropped(DropReason.UdpMalformed);
  // "Length is the length in octets of this user datagram including this
  // header and the data": no shorter than the header, no longer than what
  // IP carried (any IP payload past it is not the datagram's).
  const udpLen = be16(msg + UDP_LENGTH);
  if (udpLen < UDP_HEADER || udpLen > len) return dropped(DropReason.UdpMalformed);
  // "An all zero transmitted checksum value means that the transmitter
  // generated no checksum"; otherwise it must sum to all ones.
  if (be16(msg + UDP_CHECKSUM) != 0 && fold(onesSum(msg, udpLen, pseudoSum(src, dst, udpLen))) != 0xffff) {
    return dropped(DropReason.UdpChecksum);
  }
  const srcPort = be16(msg + UDP_SRC_PORT);
  if (be16(msg + UDP_DST_PORT) != ECHO_PORT) return dropped(DropReason.UdpClosedPort);
  if (srcPort == 0) return dropped(DropReason.UdpNoSourcePort);
  memory.copy(out + UDP_HEADER, msg + UDP_HEADER, udpLen - UDP_HEADER);
  putBe16(out + UDP_SRC_PORT, ECHO_PORT);
  putBe16(out + UDP_DST_PORT, srcPort);
  putBe16(out + UDP_LENGTH, udpLen);
  putBe16(out + UDP_CHECKSUM, 0);
  let sum = checksum(out, udpLen, pseudoSum(dst, src, udpLen));
  // "If the computed checksum is zero, it is transmitted as all ones."
  if (sum == 0) sum = 0xffff;
  putBe16(out + UDP_CHECKSUM, sum);
  return <i32>udpLen;
}
