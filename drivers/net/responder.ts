// The built-in host on the guest's virtual Ethernet: the one other station
// the switch (drivers/virtio/virtio-net.ts) connects the guest to. It is
// 10.0.2.2 at 52:55:0a:00:02:02 — the address and MAC of QEMU's user
// networking gateway (slirp: 52:55 followed by the IPv4 address), so guest
// set-ups written for QEMU find it where they expect; 52 has the locally
// administered bit set and the group bit clear (IEEE 802 §9.2), so it
// clashes with no vendor's address. It answers:
//   ARP requests for 10.0.2.2 (./arp.ts, RFC 826),
//   ICMP echo requests to 10.0.2.2 (./icmp-echo.ts, RFC 792),
//   UDP to 10.0.2.2 port 7 (./udp-echo.ts, RFC 768 and RFC 862),
// and drops everything else, counted by reason (./drop-reason.ts). Every
// check is made against the frame's length before a byte is read, so no
// frame, however short or malformed, makes it read past its end; replies
// are written to a buffer the caller gives (ETH_MAX_FRAME bytes, apart from
// the frame) and are never longer than the frame they answer. Nothing
// allocates per frame.
import { be16, storeMac, putBe16 } from "./byte-order";
import { ETH_HEADER_BYTES, ETH_MAX_FRAME, ETH_SRC, ETH_DST, ETH_TYPE, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6,
  MAC_BROADCAST, dstMac, srcMac, isGroup, putMac } from "./ethernet";
import { answerArp } from "./arp";
import { Ipv4Header, checkIpv4, writeIpv4, putIpv4, IPV4_MIN_HEADER, PROTO_ICMP, PROTO_UDP } from "./ipv4";
import { answerIcmp } from "./icmp-echo";
import { answerUdp } from "./udp-echo";
import { DropReason, dropReasonText, dropped } from "./drop-reason";
import { begin, endl, puts, putDec } from "../../kernel/console/console";

export const HOST_IP: u32 = 0x0a000202;       // 10.0.2.2
export const HOST_MAC: u64 = 0x52550a000202;  // 52:55:0a:00:02:02

export class NetHost {
  frames: u64 = 0;
  arpAnswered: u64 = 0;
  icmpAnswered: u64 = 0;
  udpAnswered: u64 = 0;
  drops: StaticArray<u64> = new StaticArray<u64>(<i32>DropReason.Count);
  // Why the last frame got no reply (None if it got one).
  last: DropReason = DropReason.None;
  // The Identification of the host's datagrams (RFC 791 §3.1): a counter;
  // they are never fragmented, so any value would do (RFC 6864 §4.1).
  private ipId: u32 = 0;
  private header: Ipv4Header = new Ipv4Header();

  constructor(public mac: u64 = HOST_MAC, public ip: u32 = HOST_IP) {}

  // One frame from the guest, `len` bytes at `frame`: the length of the
  // reply written at `out`, or 0 for none (`last` says why).
  answer(frame: usize, len: u32, out: usize): u32 {
    this.frames++;
    const v = this.verdict(frame, len, out);
    if (v > 0) {
      this.last = DropReason.None;
      return <u32>v;
    }
    this.last = <DropReason>(-v);
    this.drops[-v]++;
    return 0;
  }

  private verdict(frame: usize, len: u32, out: usize): i32 {
    if (len < ETH_HEADER_BYTES) return dropped(DropReason.Runt);
    if (len > ETH_MAX_FRAME) return dropped(DropReason.Oversize);
    if (isGroup(srcMac(frame))) return dropped(DropReason.GroupSource);
    const type = be16(frame + ETH_TYPE);
    // Before the address check: IPv6 goes mostly to multicast MACs, and
    // is better counted as what it is.
    if (type == ETHERTYPE_IPV6) return dropped(DropReason.Ipv6);
    const dst = dstMac(frame);
    if (dst != this.mac && dst != MAC_BROADCAST) return dropped(DropReason.NotForHost);
    if (type == ETHERTYPE_ARP) {
      const v = answerArp(frame, len, out, this.mac, this.ip);
      if (v > 0) this.arpAnswered++;
      return v;
    }
    if (dst == MAC_BROADCAST) return dropped(DropReason.Broadcast);
    if (type == ETHERTYPE_IPV4) return this.ipv4(frame, len, out);
    return dropped(DropReason.OtherEtherType);
  }

  private ipv4(frame: usize, len: u32, out: usize): i32 {
    const h = this.header;
    const r = checkIpv4(frame + ETH_HEADER_BYTES, len - ETH_HEADER_BYTES, this.ip, h);
    if (r != DropReason.None) return dropped(r);
    const msg = frame + ETH_HEADER_BYTES + h.headerBytes;
    const n = h.totalBytes - h.headerBytes;
    const payload = out + ETH_HEADER_BYTES + IPV4_MIN_HEADER;
    let v: i32;
    if (h.protocol == PROTO_ICMP) v = answerIcmp(msg, n, payload);
    else if (h.protocol == PROTO_UDP) v = answerUdp(msg, n, h.src, h.dst, payload);
    else return dropped(DropReason.OtherProtocol);
    if (v <= 0) return v;
    if (h.protocol == PROTO_ICMP) this.icmpAnswered++;
    else this.udpAnswered++;
    // Back to where it came from: the frame's source MAC (the host keeps
    // no ARP table: ./arp.ts), from the host's address. Options of the
    // request are not carried over (RFC 1122 §3.2.2.6 only SHOULDs
    // echoing Record Route and Timestamp).
    storeMac(out + ETH_DST, srcMac(frame));
    storeMac(out + ETH_SRC, this.mac);
    putBe16(out + ETH_TYPE, ETHERTYPE_IPV4);
    writeIpv4(out + ETH_HEADER_BYTES, IPV4_MIN_HEADER + <u32>v, h.protocol, this.ip, h.src, this.ipId++);
    return <i32>(ETH_HEADER_BYTES + IPV4_MIN_HEADER) + v;
  }

  // The end-of-run line: what it answered, and what it dropped, by reason.
  report(): void {
    begin("net host ");
    putIpv4(this.ip);
    puts(" (");
    putMac(this.mac);
    puts("): ");
    putDec(this.frames);
    puts(" frames from the guest; answered ");
    putDec(this.arpAnswered);
    puts(" ARP, ");
    putDec(this.icmpAnswered);
    puts(" ICMP echo, ");
    putDec(this.udpAnswered);
    puts(" UDP echo");
    let any = false;
    for (let r = 1; r < <i32>DropReason.Count; r++) {
      const n = this.drops[r];
      if (n == 0) continue;
      puts(any ? ", " : "; dropped ");
      putDec(n);
      puts(" ");
      puts(dropReasonText(<DropReason>r));
      any = true;
    }
    if (!any) puts("; dropped none");
    endl();
  }
}
