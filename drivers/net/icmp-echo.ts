// ICMP echo (RFC 792, "Echo or Echo Reply Message"): "the data received
// in the echo message must be returned in the echo reply message" — the
// identifier, sequence number and data come back unchanged, the type
// becomes 0 and the checksum is computed afresh. Every other ICMP message
// (replies, errors, timestamps) is dropped: the host sends no ICMP of its
// own, so none is an answer to anything it sent.
import { checksum, checksumOk } from "./checksum";
import { putBe16 } from "./byte-order";
import { DropReason, dropped } from "./drop-reason";

// The echo message: type, code, checksum, identifier, sequence number, data.
const ICMP_TYPE: u32 = 0;
const ICMP_CODE: u32 = 1;
const ICMP_CHECKSUM: u32 = 2;
const ICMP_ECHO_HEADER: u32 = 8;
const TYPE_ECHO_REPLY: u32 = 0;
const TYPE_ECHO_REQUEST: u32 = 8;

// The ICMP message at `msg` (`len` bytes: the datagram's payload) → the
// reply's message at `out`, its length; or why there is none.
export function answerIcmp(msg: usize, len: u32, out: usize): i32 {
  if (len < ICMP_ECHO_HEADER) return dropped(DropReason.IcmpMalformed);
  // "The checksum is the 16-bit ones's complement of the one's complement
  // sum of the ICMP message starting with the ICMP Type."
  if (!checksumOk(msg, len)) return dropped(DropReason.IcmpChecksum);
  if (<u32>load<u8>(msg + ICMP_TYPE) != TYPE_ECHO_REQUEST || load<u8>(msg + ICMP_CODE) != 0) {
    return dropped(DropReason.IcmpNotEcho);
  }
  memory.copy(out, msg, len);
  store<u8>(out + ICMP_TYPE, <u8>TYPE_ECHO_REPLY);
  putBe16(out + ICMP_CHECKSUM, 0);
  putBe16(out + ICMP_CHECKSUM, checksum(out, len));
  return <i32>len;
}
