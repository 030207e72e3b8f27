// Test probes for the guest's virtual Ethernet, exported from
// kernel/main.ts. First the built-in host (drivers/net/responder.ts):
// test/unit/net-responder.test.ts hands it frames on the shipped core.wasm:
// the test writes a frame at probeNetInput() — and whatever it likes past
// the frame's end, to show that nothing there is read — calls
// probeNetAnswer with the frame's length, and reads the reply at
// probeNetOutput(). The probe's host is its own, not the one the VM build
// makes; nothing on the boot path calls these.
import { NetHost } from "../drivers/net/responder";
import { DropReason } from "../drivers/net/drop-reason";
import { VirtioNet } from "../drivers/virtio/virtio-net";
import { VirtioCore, VirtioSignal } from "../drivers/virtio/virtio-core";
import { GuestMemory } from "./vm/guest-memory";

// Room for the longest frame and bytes past it, on both sides.
const BUFFER_BYTES: i32 = 4096;
const input = memory.data(BUFFER_BYTES);
const output = memory.data(BUFFER_BYTES);
let host = new NetHost();

export function probeNetInput(): usize { return input; }
export function probeNetOutput(): usize { return output; }

// The first `len` bytes at probeNetInput() as a frame from the guest: the
// reply's length at probeNetOutput(), 0 for none.
export function probeNetAnswer(len: u32): u32 {
  return host.answer(input, len < <u32>BUFFER_BYTES ? len : <u32>BUFFER_BYTES, output);
}

// Why the last frame got no reply (DropReason; 0 if it got one).
export function probeNetLastDrop(): u32 { return <u32>host.last; }

// Frames dropped for `reason` so far; for DropReason.None, frames answered.
export function probeNetDrops(reason: u32): u64 {
  if (reason == 0) return host.arpAnswered + host.icmpAnswered + host.udpAnswered;
  return reason < <u32>DropReason.Count ? host.drops[<i32>reason] : 0;
}

// A fresh host: counters at zero.
export function probeNetReset(): void { host = new NetHost(); }

// The device (drivers/virtio/virtio-net.ts) on the transport's core
// (drivers/virtio/virtio-core.ts) without the PCI function around it: the
// test is the driver, writing rings and buffers into guest RAM (simulated
// physical memory at `hostBase`) and stepping the device one operation at
// a time. The operation numbers below are read by the test: keep to
// `export const NAME: u32 = value;` lines.
export const NET_OP_STATUS: u32 = 1;       // write device_status a
export const NET_OP_FEATURES: u32 = 2;     // driver feature word a = b
export const NET_OP_OFFERED: u32 = 3;      // → device feature word a
export const NET_OP_QUEUE_DESC: u32 = 4;   // queue a: descriptor table at b
export const NET_OP_QUEUE_AVAIL: u32 = 5;  // queue a: available ring at b
export const NET_OP_QUEUE_USED: u32 = 6;   // queue a: used ring at b
export const NET_OP_QUEUE_ENABLE: u32 = 7; // queue a: size b, enabled → 1 if it took
export const NET_OP_NOTIFY: u32 = 8;       // the driver notifies queue a
export const NET_OP_CONFIG: u32 = 9;       // → device configuration, b bytes at offset a
export const NET_OP_COUNT: u32 = 10;       // → counter a (NET_COUNT_*)
export const NET_COUNT_TX_FRAMES: u32 = 0;
export const NET_COUNT_TX_NO_HEADER: u32 = 1;
export const NET_COUNT_TX_TOO_LONG: u32 = 2;
export const NET_COUNT_TX_OFFLOAD: u32 = 3;
export const NET_COUNT_RX_FRAMES: u32 = 4;
export const NET_COUNT_RX_TOO_SMALL: u32 = 5;
export const NET_COUNT_RX_OVERFLOW: u32 = 6;
export const NET_COUNT_RX_RESET: u32 = 7;
export const NET_COUNT_PENDING: u32 = 8;
export const NET_COUNT_INTERRUPTS: u32 = 9;
export const NET_COUNT_STATUS: u32 = 10;

class CountingSignal extends VirtioSignal {
  queue: u64 = 0;
  queueInterrupt(vector: u32): void { this.queue++; }
  configInterrupt(vector: u32): void {}
  withdraw(): void {}
}

let core: VirtioCore | null = null;
let net: VirtioNet | null = null;
const signal = new CountingSignal();

// A fresh device over `ramBytes` (a 2 MiB multiple) of guest RAM at host `hostBase`.
export function probeNetDeviceNew(hostBase: u64, ramBytes: u64): void {
  net = new VirtioNet(new NetHost());
  core = new VirtioCore(net!, new GuestMemory(hostBase, ramBytes));
  core!.signal = signal;
  signal.queue = 0;
}

export function probeNetDeviceStep(op: u32, a: u32, b: u32): u64 {
  const c = core!;
  const d = net!;
  if (op == NET_OP_STATUS) c.writeStatus(a);
  else if (op == NET_OP_FEATURES) {
    c.driverFeatureSelect = a;
    c.writeDriverFeatures(b);
  } else if (op == NET_OP_OFFERED) {
    c.deviceFeatureSelect = a;
    return <u64>c.deviceFeatureWord();
  } else if (op == NET_OP_QUEUE_DESC) c.queue(a).desc = b;
  else if (op == NET_OP_QUEUE_AVAIL) c.queue(a).avail = b;
  else if (op == NET_OP_QUEUE_USED) c.queue(a).used = b;
  else if (op == NET_OP_QUEUE_ENABLE) {
    c.queue(a).size = b;
    c.queueSelect = a;
    c.enableSelected();
    return c.queue(a).enabled ? 1 : 0;
  } else if (op == NET_OP_NOTIFY) c.notify(a);
  else if (op == NET_OP_CONFIG) return <u64>d.readConfig(a, b);
  else if (op == NET_OP_COUNT) return netCount(d, c, a);
  return 0;
}

function netCount(d: VirtioNet, c: VirtioCore, which: u32): u64 {
  switch (which) {
    case NET_COUNT_TX_FRAMES: return d.txFrames;
    case NET_COUNT_TX_NO_HEADER: return d.txNoHeader;
    case NET_COUNT_TX_TOO_LONG: return d.txTooLong;
    case NET_COUNT_TX_OFFLOAD: return d.txOffload;
    case NET_COUNT_RX_FRAMES: return d.rxFrames;
    case NET_COUNT_RX_TOO_SMALL: return d.rxTooSmall;
    case NET_COUNT_RX_OVERFLOW: return d.rxOverflow;
    case NET_COUNT_RX_RESET: return d.rxReset;
    case NET_COUNT_PENDING: return <u64>d.pending.count;
    case NET_COUNT_INTERRUPTS: return signal.queue;
    case NET_COUNT_STATUS: return <u64>c.status;
    default: return 0;
  }
}
