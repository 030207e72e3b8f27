// ARP for IPv4 over Ethernet (RFC 826): the host answers a request for its
// own protocol address with its hardware address. It keeps no ARP table —
// the reply goes to the hardware address in the request, and its own
// replies to ICMP and UDP go to the frame's source MAC — so a request
// changes no state (RFC 826's "merge" step has nothing to merge into).
import { be16, be32, loadMac, putBe16, putBe32, storeMac } from "./byte-order";
import { ETH_HEADER_BYTES, ETH_DST, ETH_SRC, ETH_TYPE, ETHERTYPE_ARP, ETHERTYPE_IPV4, isGroup } from "./ethernet";
import { DropReason, dropped } from "./drop-reason";

// The packet (RFC 826, "Packet format"), after the Ethernet header:
// ar$hrd, ar$pro, ar$hln, ar$pln, ar$op, ar$sha, ar$spa, ar$tha, ar$tpa.
const AR_HRD: u32 = 0;
const AR_PRO: u32 = 2;
const AR_HLN: u32 = 4;
const AR_PLN: u32 = 5;
const AR_OP: u32 = 6;
const AR_SHA: u32 = 8;
const AR_SPA: u32 = 14;
const AR_THA: u32 = 18;
const AR_TPA: u32 = 24;
export const ARP_BYTES: u32 = 28;
// ar$hrd 1 is Ethernet (RFC 826: "ares_hrd$Ethernet"; IANA ARP
// Hardware Types); hardware addresses 6 bytes, IPv4 addresses 4.
const HRD_ETHERNET: u32 = 1;
const HLN_ETHERNET: u32 = 6;
const PLN_IPV4: u32 = 4;
// ar$op (RFC 826: ares_op$REQUEST 1, ares_op$REPLY 2).
const OP_REQUEST: u32 = 1;
const OP_REPLY: u32 = 2;

// Answer the ARP frame at `frame` (`len` bytes, an Ethernet header known
// to be there) if it asks for `ip`; the reply goes to `out`.
export function answerArp(frame: usize, len: u32, out: usize, mac: u64, ip: u32): i32 {
  if (len < ETH_HEADER_BYTES + ARP_BYTES) return dropped(DropReason.ArpMalformed);
  const a = frame + ETH_HEADER_BYTES;
  // RFC 826 reception: "?Do I have the hardware type in ar$hrd? ... ?Do I
  // speak the protocol in ar$pro?", with the lengths those imply.
  if (be16(a + AR_HRD) != HRD_ETHERNET || be16(a + AR_PRO) != ETHERTYPE_IPV4 ||
      <u32>load<u8>(a + AR_HLN) != HLN_ETHERNET || <u32>load<u8>(a + AR_PLN) != PLN_IPV4) {
    return dropped(DropReason.ArpMalformed);
  }
  const sha = loadMac(a + AR_SHA);
  // A reply to a group address would reach every station, or none.
  if (isGroup(sha)) return dropped(DropReason.ArpMalformed);
  // "?Am I the target protocol address?", then "?Is the opcode ares_op$REQUEST?"
  if (be32(a + AR_TPA) != ip) return dropped(DropReason.ArpOtherTarget);
  if (be16(a + AR_OP) != OP_REQUEST) return dropped(DropReason.ArpNotRequest);
  const spa = be32(a + AR_SPA);
  // "Swap hardware and protocol fields, putting the local hardware and
  // protocol addresses in the sender fields. Set the ar$op field to
  // ares_op$REPLY. Send the packet to the (new) target hardware address."
  storeMac(out + ETH_DST, sha);
  storeMac(out + ETH_SRC, mac);
  putBe16(out + ETH_TYPE, ETHERTYPE_ARP);
  const r = out + ETH_HEADER_BYTES;
  putBe16(r + AR_HRD, HRD_ETHERNET);
  putBe16(r + AR_PRO, ETHERTYPE_IPV4);
  store<u8>(r + AR_HLN, <u8>HLN_ETHERNET);
  store<u8>(r + AR_PLN, <u8>PLN_IPV4);
  putBe16(r + AR_OP, OP_REPLY);
  storeMac(r + AR_SHA, mac);
  putBe32(r + AR_SPA, ip);
  storeMac(r + AR_THA, sha);
  putBe32(r + AR_TPA, spa);
  return <i32>(ETH_HEADER_BYTES + ARP_BYTES);
}
