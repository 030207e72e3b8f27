// A virtio device type (virtio 1.2 §5): what it is, what it offers, and
// what it does when the driver hands it buffers. The transport
// (./virtio-pci.ts) owns the device status, the feature negotiation, the
// queues' configuration and the interrupts; a device sees its queues and
// the guest's memory through VirtioTransport, and never knows it is on PCI.
import { GuestMemory } from "../../kernel/vm/guest-memory";
import { Virtqueue, Pop } from "./virtqueue";
import { DescChain } from "./desc-chain";
import { RingError } from "./ring-error";

export abstract class VirtioTransport {
  abstract memory(): GuestMemory;
  abstract queue(i: u32): Virtqueue;
  // The one chain record requests are read into (one request at a time).
  abstract chain(): DescChain;
  // The driver accepted feature `bit` (§2.2).
  abstract negotiated(bit: u32): bool;
  // Used buffers were put in queue `i`: interrupt the driver if it wants.
  abstract usedBuffers(i: u32): void;
  // The driver broke a rule on queue `i`: DEVICE_NEEDS_RESET (./ring-error.ts).
  abstract broken(i: u32, e: RingError): void;
  // The device configuration changed (§4.1.4.3: config_generation, and a
  // configuration change interrupt).
  abstract configChanged(): void;
}

export abstract class VirtioDevice {
  transport: VirtioTransport | null = null;
  abstract name(): string;
  // The virtio device ID (§5: 1 network, 2 block, 3 console, 4 entropy).
  abstract deviceId(): u32;
  // The PCI class code the function shows (base, sub-class, interface).
  abstract pciClass(): u32;
  // The device-type feature bits offered (the transport adds its own,
  // ./feature-bits.ts).
  abstract features(): u64;
  abstract queueCount(): u32;
  // The device-specific configuration (§4.1.4.6), little-endian.
  configBytes(): u32 { return 0; }
  readConfig(offset: u32, size: u32): u32 { return 0; }
  writeConfig(offset: u32, size: u32, value: u32): void {}
  // The driver notified queue `i` (after DRIVER_OK).
  abstract notify(i: u32): void;
  // DRIVER_OK was set: the device is live (buffers may already be waiting).
  ready(): void {}
  // A device reset (§2.4): drop every request in flight.
  reset(): void {}
  // End-of-run figures for the hypervisor's report (one line or more).
  report(): void {}

  // Take the next request of queue `i` into the transport's chain: true if
  // one is there; false if none, or if the driver broke the ring (the
  // transport has been told and the device needs a reset).
  protected next(i: u32): bool {
    const t = this.transport!;
    const q = t.queue(i);
    const r = q.pop(t.chain());
    if (r == Pop.Broken) t.broken(i, q.error);
    return r == Pop.Ready;
  }
}
