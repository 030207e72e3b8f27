// Why the built-in host (./responder.ts) answered a frame from the guest
// with nothing. Each is counted and shown in the end-of-run report; none
// is an error of the hypervisor's, and none stops the device — a guest
// sends many frames nobody here needs to answer (IPv6 router
// solicitations, multicast reports, ARP for other addresses), and a
// hostile one may send anything.
export enum DropReason {
  None,
  Runt,            // shorter than an Ethernet header (14 bytes)
  Oversize,        // longer than the largest frame (./ethernet.ts ETH_MAX_FRAME)
  NotForHost,      // destination MAC neither the host's nor broadcast
  GroupSource,     // source MAC a group address: no station to answer (IEEE 802 §9.2)
  Broadcast,       // a broadcast that is not ARP (nothing else is answered to a broadcast)
  Ipv6,            // EtherType 0x86DD: the host speaks IPv4 only
  OtherEtherType,  // neither ARP nor IPv4 (or an 802.3 length field)
  ArpMalformed,    // short, or not Ethernet/IPv4 ARP (htype 1, ptype 0x0800, hlen 6, plen 4; RFC 826)
  ArpNotRequest,   // an ARP reply or other opcode: nothing to answer
  ArpOtherTarget,  // a request for another protocol address
  Ipv4Malformed,   // version not 4, IHL < 5, header or total length past the frame (RFC 791 §3.1)
  Ipv4Checksum,    // header checksum wrong (RFC 791 §3.1)
  Ipv4Fragment,    // MF set or a fragment offset: the host does not reassemble (RFC 791 §3.2)
  Ipv4OtherHost,   // destination address not the host's
  Ipv4BadSource,   // source address no host may use, so no reply can go to it (RFC 1122 §3.2.1.3)
  OtherProtocol,   // neither ICMP nor UDP (TCP, IGMP, ...)
  IcmpMalformed,   // shorter than the 8-byte echo header (RFC 792)
  IcmpChecksum,    // ICMP checksum wrong (RFC 792)
  IcmpNotEcho,     // any ICMP message but an echo request (type 8, code 0)
  UdpMalformed,    // shorter than 8 bytes, or a length field past the datagram (RFC 768)
  UdpChecksum,     // UDP checksum non-zero and wrong (RFC 768)
  UdpNoSourcePort, // source port 0: no port to answer to (RFC 768: "If not used, a value of zero is inserted")
  UdpClosedPort,   // any port but echo (7, RFC 862)
  Count,
}

export function dropReasonText(r: DropReason): string {
  switch (r) {
    case DropReason.Runt: return "shorter than an Ethernet header";
    case DropReason.Oversize: return "longer than 1514 bytes";
    case DropReason.NotForHost: return "not addressed to the host";
    case DropReason.GroupSource: return "group source MAC";
    case DropReason.Broadcast: return "broadcast other than ARP";
    case DropReason.Ipv6: return "IPv6";
    case DropReason.OtherEtherType: return "other EtherType";
    case DropReason.ArpMalformed: return "malformed ARP";
    case DropReason.ArpNotRequest: return "ARP not a request";
    case DropReason.ArpOtherTarget: return "ARP for another address";
    case DropReason.Ipv4Malformed: return "malformed IPv4 header";
    case DropReason.Ipv4Checksum: return "bad IPv4 header checksum";
    case DropReason.Ipv4Fragment: return "IPv4 fragment";
    case DropReason.Ipv4OtherHost: return "IPv4 to another address";
    case DropReason.Ipv4BadSource: return "IPv4 from an unusable source address";
    case DropReason.OtherProtocol: return "IP protocol other than ICMP and UDP";
    case DropReason.IcmpMalformed: return "malformed ICMP";
    case DropReason.IcmpChecksum: return "bad ICMP checksum";
    case DropReason.IcmpNotEcho: return "ICMP other than echo request";
    case DropReason.UdpMalformed: return "malformed UDP";
    case DropReason.UdpChecksum: return "bad UDP checksum";
    case DropReason.UdpNoSourcePort: return "UDP from port 0";
    case DropReason.UdpClosedPort: return "UDP to a port other than echo";
    default: return "not dropped";
  }
}

// A protocol handler's verdict on one frame: the length of the reply it
// wrote (> 0), or why it wrote none (the reason, negated).
@inline export function dropped(r: DropReason): i32 { return -<i32>r; }
