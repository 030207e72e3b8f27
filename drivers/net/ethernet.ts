// Ethernet II framing (IEEE 802.3 §3.2, the Length/Type field of §3.2.6
// used as a type): destination MAC, source MAC, EtherType, payload. Frames here are what a virtio-net
// driver hands over (virtio 1.2 §5.1.6.2): no preamble, no FCS, and no
// padding to the 60-byte minimum (a virtual link need not pad, and Linux
// does not), so a 42-byte ARP frame is whole.
import { loadMac } from "./byte-order";
import { putc } from "../../kernel/console/console";

export const ETH_DST: u32 = 0;
export const ETH_SRC: u32 = 6;
export const ETH_TYPE: u32 = 12;
export const ETH_HEADER_BYTES: u32 = 14;
// 1500 bytes of payload (the Ethernet MTU, RFC 894) and the header: the
// largest frame without a VLAN tag or offloads. The device offers this as
// its MTU (drivers/virtio/virtio-net.ts) and refuses anything longer.
export const ETH_MTU: u32 = 1500;
export const ETH_MAX_FRAME: u32 = ETH_HEADER_BYTES + ETH_MTU;

// EtherTypes (IEEE Registration Authority; RFC 894 for IPv4, RFC 826 for
// ARP, RFC 2464 for IPv6). Values below 0x0600 are 802.3 lengths, not
// types (IEEE 802.3 §3.2.6).
export const ETHERTYPE_IPV4: u32 = 0x0800;
export const ETHERTYPE_ARP: u32 = 0x0806;
export const ETHERTYPE_IPV6: u32 = 0x86dd;

export const MAC_BROADCAST: u64 = 0xffffffffffff;

// The individual/group bit: the least significant bit of the first octet
// (IEEE 802 §9.2, "48-bit universal LAN MAC addresses", the clause virtio
// 1.2 §5.1.4.2 cites); set for multicast and broadcast addresses, which
// can never be a frame's source. The bit above it marks a locally
// administered address.
@inline export function isGroup(mac: u64): bool {
  return ((mac >> 40) & 1) != 0;
}

@inline export function dstMac(frame: usize): u64 { return loadMac(frame + ETH_DST); }
@inline export function srcMac(frame: usize): u64 { return loadMac(frame + ETH_SRC); }

// aa:bb:cc:dd:ee:ff, for the report.
export function putMac(mac: u64): void {
  for (let i = 5; i >= 0; i--) {
    const b = <u32>(mac >> (<u64>i * 8)) & 0xff;
    putHexDigit(b >> 4);
    putHexDigit(b & 0xf);
    if (i != 0) putc(0x3a);
  }
}

function putHexDigit(n: u32): void {
  putc(n < 10 ? n + 0x30 : n - 10 + 0x61);
}
