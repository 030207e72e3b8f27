// Test probes for the virtio devices (drivers/virtio/), exported from
// kernel/main.ts for the unit tests only (test/sim/virtio-probe.ts,
// test/unit/virtqueue-properties.test.ts): a virtio-blk over a disk image
// in host memory, behind a VirtioCore, over a GuestMemory whose frames the
// test maps in its simulated physical memory — the very classes the VM
// build makes (kernel/virtio-devices.ts), without the PCI function around
// them. The test plays the driver: it writes the common configuration's
// registers (drivers/virtio/common-config.ts, virtio 1.2 §4.1.4.3) and rings
// the doorbell (§4.1.5.2) through a script of steps, and lays out the
// rings and buffers in the simulated guest RAM itself. Nothing here touches
// the hardware or any state the boot path uses, and boot/ never calls it.
import { GuestMemory } from "./vm/guest-memory";
import { VirtioCore, VirtioSignal } from "../drivers/virtio/virtio-core";
import { VirtioBlk } from "../drivers/virtio/virtio-blk";
import { readCommon, writeCommon } from "../drivers/virtio/common-config";
import { RingError } from "../drivers/virtio/ring-error";

const SCRATCH_BYTES: i32 = 16384;
const scratch = memory.data(SCRATCH_BYTES);
// The MSI-X table size the common configuration checks vectors against:
// one for configuration changes and one for the queue, as VirtioPci has.
const VECTORS: u32 = 2;

// Where a test lays out the steps (and reads the results): 16 KiB.
export function probeVirtioScratch(): usize {
  return scratch;
}

// The transport's interrupts, counted instead of delivered.
class CountingSignal extends VirtioSignal {
  queue: u64 = 0;
  config: u64 = 0;
  queueInterrupt(vector: u32): void { this.queue++; }
  configInterrupt(vector: u32): void { this.config++; }
}

class Rig {
  signal: CountingSignal = new CountingSignal();
  blk: VirtioBlk;
  core: VirtioCore;
  constructor(ramHost: u64, ramBytes: u64, diskHost: u64, diskBytes: u64, readOnly: bool) {
    const blk = new VirtioBlk(diskHost, diskBytes, readOnly);
    this.blk = blk;
    this.core = new VirtioCore(blk, new GuestMemory(ramHost, ramBytes));
    this.core.signal = this.signal;
  }
}

let rig: Rig | null = null;

// A fresh device: `ramBytes` of guest RAM (a 2 MiB multiple) backed at
// host-physical `ramHost`, a disk of `diskBytes` (whole sectors) at
// `diskHost`. Returns RingError.Count, so that the test can check the
// report's layout against its own.
export function probeVirtioOpen(ramHost: u64, ramBytes: u64, diskHost: u64, diskBytes: u64, readOnly: bool): u32 {
  rig = new Rig(ramHost, ramBytes, diskHost, diskBytes, readOnly);
  return <u32>RingError.Count;
}

// One step: op u32, a u32, value u64 (16 bytes). Steps that answer append
// u64s to the results.
const OP_WRITE: u32 = 1;   // common configuration: write `value` at offset a & 0xffff, size a >> 16
const OP_READ: u32 = 2;    // common configuration: read at offset a & 0xffff, size a >> 16 → the value
const OP_NOTIFY: u32 = 3;  // the doorbell of queue a
const OP_CONFIG: u32 = 4;  // device configuration: read at offset a & 0xffff, size a >> 16 → the value
const OP_REPORT: u32 = 5;  // → REPORT_WORDS values (below)

// The report, in order: device status, config generation, resets, the
// signals (queue, configuration); queue 0's used index, last available
// index, enabled, first error and where, requests, interrupts, suppressed;
// the disk's reads, writes, flushes, bytes read, bytes written, refused;
// then the ring errors counted, by RingError value (0 unused).
const REPORT_FIXED: u32 = 19;

function put(out: usize, i: u32, v: u64): u32 {
  store<u64>(out + <usize>i * 8, v);
  return i + 1;
}

function report(r: Rig, out: usize, at: u32): u32 {
  const c = r.core;
  const q = c.queues[0];
  const b = r.blk;
  let n = at;
  n = put(out, n, c.status);
  n = put(out, n, c.generation);
  n = put(out, n, c.resets);
  n = put(out, n, r.signal.queue);
  n = put(out, n, r.signal.config);
  n = put(out, n, q.usedIdx);
  n = put(out, n, q.lastAvail);
  n = put(out, n, q.enabled ? 1 : 0);
  n = put(out, n, <u64>q.error);
  n = put(out, n, q.errorAt);
  n = put(out, n, q.requests);
  n = put(out, n, q.interrupts);
  n = put(out, n, q.suppressed);
  n = put(out, n, b.reads);
  n = put(out, n, b.writes);
  n = put(out, n, b.flushes);
  n = put(out, n, b.bytesRead);
  n = put(out, n, b.bytesWritten);
  n = put(out, n, b.refused);
  for (let e = 0; e < <i32>RingError.Count; e++) n = put(out, n, c.errors[e]);
  return n;
}

// Run `count` steps from `steps` on the device probeVirtioOpen made;
// results go to `out` as u64. Returns how many.
export function probeVirtioRun(steps: usize, count: u32, out: usize): u32 {
  const r = rig!;
  let results: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const at = steps + <usize>i * 16;
    const op = load<u32>(at);
    const a = load<u32>(at, 4);
    const value = load<u64>(at, 8);
    const offset = a & 0xffff;
    const size = a >> 16;
    if (op == OP_WRITE) writeCommon(r.core, offset, size, value, VECTORS);
    else if (op == OP_READ) results = put(out, results, readCommon(r.core, offset, size));
    else if (op == OP_NOTIFY) r.core.notify(a);
    else if (op == OP_CONFIG) results = put(out, results, r.blk.readConfig(offset, size));
    else if (op == OP_REPORT) results = report(r, out, results);
  }
  return results;
}

// How many values OP_REPORT gives.
export function probeVirtioReportWords(): u32 {
  return REPORT_FIXED + <u32>RingError.Count;
}
