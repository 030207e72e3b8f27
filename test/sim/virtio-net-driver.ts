// A minimal virtio-net driver for the device probe (kernel/probes-net.ts):
// split rings (virtio 1.2 §2.7) written straight into simulated guest RAM,
// as rust-vmm's MockSplitQueue does, one operation of the device at a time.
// Guest-physical layout: the receive queue's ring at 0x1000-0x3fff, the
// transmit queue's at 0x4000-0x6fff, receive buffers from 0x10000 and
// transmit buffers from 0x40000, 2 KiB apart; all below the legacy hole.
import fs from "node:fs";
import path from "node:path";
import { instantiate } from "./core.js";
import { SimHal } from "./hal.js";
import { skylakeX } from "./cpu-profiles.js";
import { parseLayout } from "../../tools/builder/layout.js";

interface DeviceProbe {
  probeNetDeviceNew(hostBase: bigint, ramBytes: bigint): void;
  probeNetDeviceStep(op: number, a: number, b: number): bigint;
}

const probeFile = path.resolve(__dirname, "../../kernel/probes-net.ts");
const C = Object.fromEntries(parseLayout(fs.readFileSync(probeFile, "utf8"), "kernel/probes-net.ts").map((c) => [c.name, Number(c.value)]));
export const OP = (name: string) => C[`NET_OP_${name}`];
export const COUNT = (name: string) => C[`NET_COUNT_${name}`];

const RAM_HOST = 0x4000_0000n;
const RAM_BYTES = 2 << 20;
export const QUEUE_SIZE = 16;
export const RX = 0;
export const TX = 1;
const RING = [{ desc: 0x1000, avail: 0x2000, used: 0x3000 }, { desc: 0x4000, avail: 0x5000, used: 0x6000 }];
const BUFFERS = [0x10000, 0x40000];
const BUFFER_STRIDE = 0x800;
const F_NEXT = 1;
const F_WRITE = 2;
// Device status bits (§2.1).
const ACKNOWLEDGE = 1, DRIVER = 2, DRIVER_OK = 4, FEATURES_OK = 8;

export interface Used { id: number; len: number }

export class NetDriver {
  readonly ram = new Uint8Array(RAM_BYTES);
  private readonly view = new DataView(this.ram.buffer);
  private readonly c: DeviceProbe;
  private availIdx = [0, 0];
  private usedSeen = [0, 0];
  private nextDesc = [0, 0];
  private nextBuffer = [0, 0];

  constructor() {
    const hal = new SimHal(skylakeX);
    hal.mapPhysical(RAM_HOST, this.ram);
    this.c = instantiate(hal) as unknown as DeviceProbe;
    this.c.probeNetDeviceNew(RAM_HOST, BigInt(RAM_BYTES));
  }

  step(op: string, a = 0, b = 0): number {
    return Number(this.c.probeNetDeviceStep(OP(op), a, b));
  }
  count(name: string): number {
    return Number(this.c.probeNetDeviceStep(OP("COUNT"), COUNT(name), 0));
  }

  // §3.1.1: acknowledge, accept `features` (low word; VERSION_1 always),
  // FEATURES_OK, both queues, DRIVER_OK.
  init(features = this.offered(0)): void {
    this.step("STATUS", ACKNOWLEDGE | DRIVER);
    this.step("FEATURES", 0, features);
    this.step("FEATURES", 1, 1);
    this.step("STATUS", ACKNOWLEDGE | DRIVER | FEATURES_OK);
    for (const q of [RX, TX]) {
      this.step("QUEUE_DESC", q, RING[q].desc);
      this.step("QUEUE_AVAIL", q, RING[q].avail);
      this.step("QUEUE_USED", q, RING[q].used);
      if (this.step("QUEUE_ENABLE", q, QUEUE_SIZE) !== 1) throw new Error(`queue ${q} not enabled`);
    }
    this.step("STATUS", ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
  }

  offered(word: number): number {
    return this.step("OFFERED", word) >>> 0;
  }

  // One chain of buffers, each [length, writable, bytes to put there]; made available.
  post(q: number, segments: [number, boolean, Uint8Array?][]): number {
    const { desc, avail } = RING[q];
    const head = this.nextDesc[q];
    segments.forEach(([len, writable, bytes], i) => {
      const d = this.nextDesc[q];
      this.nextDesc[q] = (d + 1) % QUEUE_SIZE;
      const addr = BUFFERS[q] + this.nextBuffer[q]++ % 64 * BUFFER_STRIDE;
      if (bytes) this.ram.set(bytes, addr);
      const at = desc + d * 16;
      this.view.setBigUint64(at, BigInt(addr), true);
      this.view.setUint32(at + 8, len, true);
      this.view.setUint16(at + 12, (writable ? F_WRITE : 0) | (i + 1 < segments.length ? F_NEXT : 0), true);
      this.view.setUint16(at + 14, this.nextDesc[q], true);
    });
    this.view.setUint16(avail + 4 + (this.availIdx[q] % QUEUE_SIZE) * 2, head, true);
    this.availIdx[q] = (this.availIdx[q] + 1) & 0xffff;
    this.view.setUint16(avail + 2, this.availIdx[q], true);
    return head;
  }

  // A receive buffer of `len` bytes.
  postRx(len = 1526): number {
    return this.post(RX, [[len, true]]);
  }

  // A frame with a header (`hdr`, 12 bytes, default all zero), in one
  // buffer or, `split`, the header in a buffer of its own.
  postTx(frame: Uint8Array, opts: { hdr?: number[]; split?: boolean } = {}): number {
    const hdr = Uint8Array.from(opts.hdr ?? new Array(12).fill(0));
    if (opts.split) return this.post(TX, [[hdr.length, false, hdr], [frame.length, false, frame]]);
    const all = new Uint8Array(hdr.length + frame.length);
    all.set(hdr);
    all.set(frame, hdr.length);
    return this.post(TX, [[all.length, false, all]]);
  }

  // Used entries the driver has not seen yet.
  takeUsed(q: number): Used[] {
    const { used } = RING[q];
    const idx = this.view.getUint16(used + 2, true);
    const out: Used[] = [];
    while (this.usedSeen[q] !== idx) {
      const at = used + 4 + (this.usedSeen[q] % QUEUE_SIZE) * 8;
      out.push({ id: this.view.getUint32(at, true), len: this.view.getUint32(at + 4, true) });
      this.usedSeen[q] = (this.usedSeen[q] + 1) & 0xffff;
    }
    return out;
  }

  // The first `len` bytes of the buffer descriptor `id` of queue `q` names.
  bytes(q: number, id: number, len: number): Uint8Array {
    const addr = Number(this.view.getBigUint64(RING[q].desc + id * 16, true));
    return this.ram.slice(addr, addr + len);
  }
}
