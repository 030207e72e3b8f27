// The network device (virtio 1.2 §5.1), one port of a two-port virtual
// switch inside the hypervisor: the other port is the built-in host
// 10.0.2.2 (drivers/net/responder.ts), so a frame the guest sends is
// answered, if at all, within the same notification exit, and nothing
// leaves the machine. Queues (§5.1.2): receiveq1 (0) and transmitq1 (1);
// no control queue.
//
// Features offered (§5.1.3), and why:
//   MAC (5)     a fixed address, 52:54:00:12:34:56 — QEMU's default NIC
//               address, so a guest configured for QEMU sees the same
//               (52 is locally administered and unicast, IEEE 802 §9.2;
//               the switch has only the guest and the host on it, so it
//               clashes with nothing). Without it Linux picks a random one.
//   STATUS (16) the link status in the configuration, always LINK_UP:
//               the switch is there from power-on and never goes away.
//   MTU (3)     1500: tells the driver the largest frame the device takes
//               (§5.1.4.2: the driver "MUST NOT transmit packets of size
//               exceeding the value of mtu (plus low level ethernet header
//               length)"), instead of leaving it to find out.
// Not offered: the checksum and segmentation offloads (CSUM, GUEST_CSUM,
// HOST_/GUEST_TSO4/6, UFO, USO, ECN): the host checks and computes real
// checksums on whole frames, and each offload is one more header field a
// hostile driver could get wrong; MRG_RXBUF (15): without it each receive
// buffer holds the header and a whole frame (§5.1.6.3.2: "MUST use only a
// single descriptor"), which Linux's small-buffer mode posts (12 + 1518
// bytes); CTRL_VQ and everything that needs it (MQ, RSS, CTRL_RX, ...):
// one queue pair, no filtering to configure.
//
// A frame's header (§5.1.6) is struct virtio_net_hdr with num_buffers,
// 12 bytes, VERSION_1 being required by the transport. Frames the device
// cannot take are dropped and counted, never a ring error: a transmit
// chain without a whole header, or longer than header + 1514 bytes, or a
// header asking for an offload not offered; a frame for the guest whose
// receive buffer is too small (the buffer is given back used with 0 bytes,
// which Linux counts as a length error and reposts); frames for the
// guest beyond the few kept while no receive buffer is posted
// (drivers/net/frame-queue.ts); and those still kept at a device reset.
import { VirtioDevice } from "./virtio-device";
import { NetHost } from "../net/responder";
import { FrameQueue } from "../net/frame-queue";
import { ETH_MAX_FRAME, ETH_MTU, putMac } from "../net/ethernet";
import { begin, endl, puts, putDec } from "../../kernel/console/console";

export const VIRTIO_ID_NET: u32 = 1;
// Base class 02h network controller, sub-class 00h Ethernet (PCI Code and
// ID Assignment Specification), as QEMU's virtio-net-pci shows.
const CLASS_ETHERNET: u32 = 0x020000;

const F_MTU: u32 = 3;
const F_MAC: u32 = 5;
const F_STATUS: u32 = 16;

export const RX_QUEUE: u32 = 0;
export const TX_QUEUE: u32 = 1;

// struct virtio_net_hdr (§5.1.6): flags u8, gso_type u8, hdr_len,
// gso_size, csum_start, csum_offset, num_buffers (le16 each).
export const NET_HDR_BYTES: u32 = 12;
const HDR_FLAGS: u32 = 0;
const HDR_GSO_TYPE: u32 = 1;
const HDR_NUM_BUFFERS: u32 = 10;
const HDR_F_NEEDS_CSUM: u32 = 1;   // §5.1.6.2.1: "If VIRTIO_NET_F_CSUM is not negotiated, the driver MUST set flags to zero"
const GSO_NONE: u32 = 0;           // "MUST set gso_type to VIRTIO_NET_HDR_GSO_NONE" without HOST_TSO/UFO/USO

// struct virtio_net_config (§5.1.4): mac[6], status le16 at 6,
// max_virtqueue_pairs le16 at 8, mtu le16 at 10.
const CFG_STATUS: u32 = 6;
const CFG_MAX_PAIRS: u32 = 8;
const CFG_MTU: u32 = 10;
const CFG_BYTES: u32 = 12;
const S_LINK_UP: u32 = 1;

export const GUEST_MAC: u64 = 0x525400123456;

// A transmitted frame with its header; the header written before a frame
// for the guest.
const txBuf = memory.data(<i32>(NET_HDR_BYTES + ETH_MAX_FRAME));
const rxHdr = memory.data(<i32>NET_HDR_BYTES);

export class VirtioNet extends VirtioDevice {
  pending: FrameQueue = new FrameQueue();
  txFrames: u64 = 0;
  txNoHeader: u64 = 0;
  txTooLong: u64 = 0;
  txOffload: u64 = 0;
  rxFrames: u64 = 0;
  rxTooSmall: u64 = 0;
  rxOverflow: u64 = 0;
  rxReset: u64 = 0;

  constructor(public host: NetHost, public mac: u64 = GUEST_MAC) { super(); }

  name(): string { return "virtio-net"; }
  deviceId(): u32 { return VIRTIO_ID_NET; }
  pciClass(): u32 { return CLASS_ETHERNET; }
  features(): u64 { return (<u64>1 << F_MTU) | (<u64>1 << F_MAC) | (<u64>1 << F_STATUS); }
  queueCount(): u32 { return 2; }
  configBytes(): u32 { return CFG_BYTES; }

  // Little-endian, any size and offset inside the layout (the MAC is read
  // a byte at a time: §4.1.3.1, 8-bit fields by 8-bit accesses).
  readConfig(offset: u32, size: u32): u32 {
    let v: u32 = 0;
    for (let k: u32 = 0; k < size; k++) v |= this.configByte(offset + k) << (k * 8);
    return v;
  }

  private configByte(at: u32): u32 {
    if (at < CFG_STATUS) return <u32>(this.mac >> (<u64>(CFG_STATUS - 1 - at) * 8)) & 0xff;
    if (at == CFG_STATUS) return S_LINK_UP;
    if (at == CFG_MAX_PAIRS) return 1;
    if (at == CFG_MTU) return ETH_MTU & 0xff;
    if (at == CFG_MTU + 1) return ETH_MTU >> 8;
    return 0;
  }

  // §5.1.4.2: the driver MUST NOT write the configuration; writes are ignored.

  notify(i: u32): void {
    if (i == TX_QUEUE) this.transmit();
    this.deliver();
  }

  // Every frame the guest posted goes to the switch; each answer is queued
  // for the guest, and the queue is emptied into receive buffers first
  // whenever it fills.
  private transmit(): void {
    const t = this.transport!;
    const mem = t.memory();
    const chain = t.chain();
    const q = t.queue(TX_QUEUE);
    let used = false;
    while (this.next(TX_QUEUE)) {
      // deliver() below refills the one chain record: keep what is needed of this one.
      const head = chain.head;
      const n = chain.readableBytes;
      if (n < <u64>NET_HDR_BYTES) this.txNoHeader++;
      else if (n > <u64>(NET_HDR_BYTES + ETH_MAX_FRAME)) this.txTooLong++;
      else {
        chain.read(mem, 0, txBuf, <u32>n);
        if ((<u32>load<u8>(txBuf + HDR_FLAGS) & HDR_F_NEEDS_CSUM) != 0 || <u32>load<u8>(txBuf + HDR_GSO_TYPE) != GSO_NONE) {
          this.txOffload++;
        } else {
          this.txFrames++;
          if (this.pending.full()) this.deliver();
          const reply = this.host.answer(txBuf + NET_HDR_BYTES, <u32>n - NET_HDR_BYTES, this.pending.reserve());
          if (reply != 0 && !this.pending.commit(reply)) this.rxOverflow++;
        }
      }
      // The device writes nothing into a transmit buffer (§5.1.6.2).
      q.push(head, 0);
      used = true;
    }
    if (used) t.usedBuffers(TX_QUEUE);
  }

  // Queued frames into posted receive buffers, in order, for as long as
  // there are both.
  private deliver(): void {
    if (this.pending.empty()) return;
    const t = this.transport!;
    const mem = t.memory();
    const chain = t.chain();
    const q = t.queue(RX_QUEUE);
    let used = false;
    while (!this.pending.empty() && this.next(RX_QUEUE)) {
      const len = this.pending.frontLen();
      let written: u32 = 0;
      if (chain.writableBytes < <u64>(NET_HDR_BYTES + len)) this.rxTooSmall++;
      else {
        // No offloads: flags 0, gso_type NONE, the rest 0 (§5.1.6.4.1),
        // and "If VIRTIO_NET_F_MRG_RXBUF has not been negotiated, the
        // device MUST set num_buffers to 1."
        memory.fill(rxHdr, 0, NET_HDR_BYTES);
        store<u16>(rxHdr + HDR_NUM_BUFFERS, 1);
        chain.write(mem, 0, rxHdr, NET_HDR_BYTES);
        chain.write(mem, NET_HDR_BYTES, this.pending.front(), len);
        written = NET_HDR_BYTES + len;
        this.rxFrames++;
      }
      q.push(chain.head, written);
      this.pending.pop();
      used = true;
    }
    if (used) t.usedBuffers(RX_QUEUE);
  }

  // §2.4: a reset drops what the device held for the driver.
  reset(): void {
    this.rxReset += this.pending.clear();
  }

  report(): void {
    begin("virtio-net: ");
    putMac(this.mac);
    puts(", link up, MTU ");
    putDec(ETH_MTU);
    puts("; ");
    putDec(this.txFrames);
    puts(" frames from the guest, ");
    putDec(this.rxFrames);
    puts(" to it");
    this.count(this.txNoHeader, "transmit buffers without a header");
    this.count(this.txTooLong, "frames longer than 1514 bytes");
    this.count(this.txOffload, "frames asking for an offload not offered");
    this.count(this.rxTooSmall, "frames for a too-small receive buffer");
    this.count(this.rxOverflow, "frames with no receive buffer posted");
    this.count(this.rxReset, "frames dropped at reset");
    endl();
    this.host.report();
  }

  private count(n: u64, what: string): void {
    if (n == 0) return;
    puts(", ");
    putDec(n);
    puts(" dropped: ");
    puts(what);
  }
}
