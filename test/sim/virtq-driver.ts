// A virtio driver's register side, as steps for the virtio probe
// (test/sim/virtio-probe.ts) on the common configuration (virtio 1.2
// §4.1.4.3), each also applied to the reference model (test/sim/virtq-model.ts)
// so that the two stay in step: the initialization of §3.1.1 — reset,
// ACKNOWLEDGE, DRIVER, features, FEATURES_OK (read back), the queue's
// size and addresses (each 64-bit address as two 32-bit halves, as Linux
// writes them), queue_enable, DRIVER_OK — and the doorbell. Reads carry
// the value the model says they must give.
import { Step, writeReg, readReg, notify } from "./virtio-probe.js";
import type { BlkModel } from "./virtq-model.js";
import type { QueueLayout } from "./virtq-rings.js";
import { CC, STATUS, FEATURE, bit } from "./virtq-spec.js";

export class Driver {
  readonly steps: Step[] = [];
  readonly expected: { what: string; value: bigint }[] = [];

  constructor(readonly model: BlkModel) {}

  private write(offset: number, size: number, value: number | bigint): void {
    this.steps.push(writeReg(offset, size, value));
  }
  private read(what: string, offset: number, size: number, value: number | bigint): void {
    this.steps.push(readReg(offset, size));
    this.expected.push({ what, value: BigInt(value) });
  }

  status(v: number): void {
    this.write(CC.DEVICE_STATUS, 1, v);
    this.model.writeStatus(v);
  }

  reset(): void {
    this.status(0);
    // §2.4.1: the driver reads device_status back until it is 0.
    this.read("device_status after reset", CC.DEVICE_STATUS, 1, this.model.status);
  }

  // §3.1.1 steps 4-6: read the offered features, write the subset, set
  // FEATURES_OK and read it back. True if the device kept FEATURES_OK.
  negotiate(features: bigint): boolean {
    const offered = this.model.offered();
    for (const sel of [0, 1]) {
      this.write(CC.DEVICE_FEATURE_SELECT, 4, sel);
      this.read(`device_feature ${sel}`, CC.DEVICE_FEATURE, 4, (offered >> BigInt(32 * sel)) & 0xffffffffn);
    }
    for (const sel of [0, 1]) {
      const word = Number((features >> BigInt(32 * sel)) & 0xffffffffn);
      this.write(CC.DRIVER_FEATURE_SELECT, 4, sel);
      this.write(CC.DRIVER_FEATURE, 4, word);
      this.model.writeFeatures(sel, word);
    }
    this.status(this.model.status | STATUS.FEATURES_OK);
    this.read("device_status after FEATURES_OK", CC.DEVICE_STATUS, 1, this.model.status);
    return (this.model.status & STATUS.FEATURES_OK) !== 0;
  }

  // §4.1.5.1.3: select the queue, read its maximum size, write the size
  // and where the three parts are.
  queue(size: number, desc: bigint, avail: bigint, used: bigint): void {
    this.write(CC.QUEUE_SELECT, 2, 0);
    this.read("queue_size", CC.QUEUE_SIZE, 2, this.model.q.size);
    this.write(CC.QUEUE_SIZE, 2, size);
    const halves = (offset: number, v: bigint) => {
      this.write(offset, 4, v & 0xffffffffn);
      this.write(offset + 4, 4, (v >> 32n) & 0xffffffffn);
    };
    halves(CC.QUEUE_DESC, desc);
    halves(CC.QUEUE_DRIVER, avail);
    halves(CC.QUEUE_DEVICE, used);
    this.write(CC.QUEUE_MSIX_VECTOR, 2, 1);
    this.model.configure(size, desc, avail, used);
  }

  enable(): void {
    this.write(CC.QUEUE_ENABLE, 2, 1);
    this.model.enable();
  }

  driverOk(): void {
    this.status(this.model.status | STATUS.DRIVER_OK);
  }

  // The whole of §3.1.1 for one queue laid out as `q` (its size as laid
  // out unless `size` says otherwise), with `features` offered back.
  init(q: QueueLayout, features: bigint, opts: { size?: number; driverOk?: boolean } = {}): void {
    this.reset();
    this.status(STATUS.ACKNOWLEDGE);
    this.status(STATUS.ACKNOWLEDGE | STATUS.DRIVER);
    this.negotiate(features);
    this.queue(opts.size ?? q.size, q.desc, q.avail, q.used);
    this.enable();
    if (opts.driverOk ?? true) this.driverOk();
  }

  notify(): void {
    this.steps.push(notify(0));
    this.model.notify();
  }
}

// The features a driver of this device accepts: VERSION_1, and the ring
// features if it wants them.
export function driverFeatures(o: { eventIdx: boolean; indirect: boolean }): bigint {
  return bit(FEATURE.VERSION_1) | (o.eventIdx ? bit(FEATURE.EVENT_IDX) : 0n) | (o.indirect ? bit(FEATURE.INDIRECT_DESC) : 0n) |
    bit(FEATURE.BLK_FLUSH) | bit(FEATURE.BLK_SEG_MAX) | bit(FEATURE.BLK_BLK_SIZE);
}
