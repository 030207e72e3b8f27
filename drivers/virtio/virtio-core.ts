// The transport-neutral state of one virtio device (virtio 1.2 §2, §3.1):
// the device status and its rules, feature negotiation, the queues and
// the configuration generation, and what happens when the driver breaks a
// ring rule. The PCI transport (./virtio-pci.ts) maps its registers
// (./common-config.ts) and delivers its interrupts (VirtioSignal).
import { GuestMemory } from "../../kernel/vm/guest-memory";
import { begin, endl, puts, putDec, putHex } from "../../kernel/console/console";
import { VirtioDevice, VirtioTransport } from "./virtio-device";
import { Virtqueue, NO_VECTOR } from "./virtqueue";
import { DescChain } from "./desc-chain";
import { RingError, ringErrorText } from "./ring-error";
import { TRANSPORT_FEATURES, F_VERSION_1, F_RING_EVENT_IDX, featureBit } from "./feature-bits";
import * as S from "./device-status";

// How the transport interrupts the driver: for a queue, or for a
// configuration change, with the MSI-X vector the driver chose (or NO_VECTOR).
export abstract class VirtioSignal {
  abstract queueInterrupt(vector: u32): void;
  abstract configInterrupt(vector: u32): void;
  // A device reset: take back every interrupt not yet taken (§2.4.1: the
  // device "MUST NOT send notifications ... after indicating completion of
  // the reset by reinitializing device status to 0").
  withdraw(): void {}
}

export class VirtioCore extends VirtioTransport {
  queues: Array<Virtqueue> = new Array<Virtqueue>();
  private chainRecord: DescChain = new DescChain();
  status: u32 = 0;
  generation: u32 = 0;
  deviceFeatureSelect: u32 = 0;
  driverFeatureSelect: u32 = 0;
  driverFeatures: u64 = 0;
  configVector: u32 = NO_VECTOR;
  queueSelect: u32 = 0;
  signal: VirtioSignal | null = null;
  // Ring errors by kind, over the whole run.
  errors: StaticArray<u32> = new StaticArray<u32>(<i32>RingError.Count);
  resets: u32 = 0;

  constructor(public device: VirtioDevice, public mem: GuestMemory) {
    super();
    for (let i: u32 = 0; i < device.queueCount(); i++) this.queues.push(new Virtqueue(mem));
    device.transport = this;
  }

  offered(): u64 { return TRANSPORT_FEATURES | this.device.features(); }

  // ---- VirtioTransport ----
  memory(): GuestMemory { return this.mem; }
  queue(i: u32): Virtqueue { return this.queues[<i32>i]; }
  chain(): DescChain { return this.chainRecord; }
  negotiated(bit: u32): bool { return (this.driverFeatures & featureBit(bit)) != 0; }

  usedBuffers(i: u32): void {
    const q = this.queues[<i32>i];
    if (q.needsInterrupt() && this.signal !== null) this.signal!.queueInterrupt(q.msixVector);
  }

  broken(i: u32, e: RingError): void {
    this.count(e);
    if ((this.status & S.STATUS_NEEDS_RESET) != 0) return;
    const q = this.queues[<i32>i];
    begin(this.device.name());
    puts(": the driver broke queue ");
    putDec(i);
    puts(": ");
    puts(ringErrorText(e));
    puts(" (at ");
    putHex(q.errorAt);
    puts("); the device needs a reset");
    endl();
    this.status |= S.STATUS_NEEDS_RESET;
    this.configChanged();
  }

  configChanged(): void {
    this.generation = (this.generation + 1) & 0xff;
    if (this.signal !== null) this.signal!.configInterrupt(this.configVector);
  }

  private count(e: RingError): void { this.errors[<i32>e]++; }

  // ---- the driver's side ----
  // A write of device_status (§2.1, §4.1.4.3.1): 0 resets; FEATURES_OK is
  // kept only if the features the driver wrote are a subset of those
  // offered and include VERSION_1 (§3.1.1 step 5-6; §6.1: "A driver MUST
  // accept VIRTIO_F_VERSION_1"); DRIVER_OK makes the device live.
  writeStatus(v: u32): void {
    v &= 0xff;
    if (v == 0) {
      this.reset();
      return;
    }
    const before = this.status;
    let next = (v & ~S.STATUS_NEEDS_RESET) | (before & S.STATUS_NEEDS_RESET);
    if ((next & S.STATUS_FEATURES_OK) != 0 && (before & S.STATUS_FEATURES_OK) == 0 && !this.featuresAcceptable()) {
      next &= ~S.STATUS_FEATURES_OK;
    }
    this.status = next;
    if ((next & S.STATUS_DRIVER_OK) != 0 && (before & S.STATUS_DRIVER_OK) == 0) this.device.ready();
  }

  private featuresAcceptable(): bool {
    const f = this.driverFeatures;
    return (f & ~this.offered()) == 0 && (f & featureBit(F_VERSION_1)) != 0;
  }

  writeDriverFeatures(v: u32): void {
    // §3.1.1: features are fixed once FEATURES_OK is set.
    if ((this.status & S.STATUS_FEATURES_OK) != 0 || this.driverFeatureSelect > 1) return;
    const shift = <u64>this.driverFeatureSelect * 32;
    this.driverFeatures = (this.driverFeatures & ~(<u64>0xffffffff << shift)) | (<u64>v << shift);
  }

  deviceFeatureWord(): u32 {
    return this.deviceFeatureSelect > 1 ? 0 : <u32>(this.offered() >> (<u64>this.deviceFeatureSelect * 32));
  }

  selected(): Virtqueue | null {
    return this.queueSelect < <u32>this.queues.length ? this.queues[<i32>this.queueSelect] : null;
  }

  // queue_enable = 1 for the selected queue.
  enableSelected(): void {
    const q = this.selected();
    if (q === null || q.enabled) return;
    const e = q.enable(this.negotiated(F_RING_EVENT_IDX));
    if (e != RingError.None) this.broken(this.queueSelect, e);
  }

  // A doorbell for queue `i` (§4.1.5.2). Before DRIVER_OK the device takes
  // no buffers (§3.1.1); once it needs a reset it takes none either.
  notify(i: u32): void {
    if (i >= <u32>this.queues.length) return;
    if ((this.status & S.STATUS_DRIVER_OK) == 0) {
      if (this.errors[<i32>RingError.NotifyEarly]++ == 0) {
        begin(this.device.name());
        puts(": notification of queue ");
        putDec(i);
        puts(" before DRIVER_OK: ignored");
        endl();
      }
      return;
    }
    if ((this.status & S.STATUS_NEEDS_RESET) != 0) return;
    this.device.notify(i);
  }

  // A device reset (§2.4, §4.1.4.3.1): status, features, every queue, and
  // the device's own state; MSI-X vectors of the queues go too.
  reset(): void {
    this.status = 0;
    this.driverFeatures = 0;
    this.deviceFeatureSelect = 0;
    this.driverFeatureSelect = 0;
    this.configVector = NO_VECTOR;
    this.queueSelect = 0;
    for (let i = 0; i < this.queues.length; i++) this.queues[i].reset();
    this.device.reset();
    if (this.signal !== null) this.signal!.withdraw();
    this.resets++;
  }

  // The end-of-run lines: requests, interrupts, errors.
  report(): void {
    let requests: u64 = 0;
    let interrupts: u64 = 0;
    let suppressed: u64 = 0;
    for (let i = 0; i < this.queues.length; i++) {
      requests += this.queues[i].requests;
      interrupts += this.queues[i].interrupts;
      suppressed += this.queues[i].suppressed;
    }
    begin(this.device.name());
    puts(": ");
    putDec(requests);
    puts(" requests, ");
    putDec(interrupts);
    puts(" interrupts (");
    putDec(suppressed);
    puts(" suppressed by the driver), ");
    putDec(this.resets);
    puts(" resets");
    for (let e = 1; e < <i32>RingError.Count; e++) {
      if (this.errors[e] == 0) continue;
      puts("; ");
      putDec(this.errors[e]);
      puts("x ");
      puts(ringErrorText(<RingError>e));
    }
    endl();
    this.device.report();
  }
}
