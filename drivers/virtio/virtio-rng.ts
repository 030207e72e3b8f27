// The entropy device (virtio 1.2 §5.4): one queue, requestq, of
// device-writable buffers that the device fills with random bytes; no
// feature bits, no configuration. The bytes come from the CPU's RDSEED
// where it has it (conditioned entropy, SDM Vol. 1 §7.3.17.1: "RDSEED is
// intended for seeding a software PRNG"), else RDRAND (a DRBG the CPU
// reseeds itself, §7.3.17.1). A CPU with neither gets no entropy device:
// the VM build leaves it out and says so (drivers/virtio/virtio-devices.ts)
// — the hypervisor has no source of its own it could vouch for, and a
// guest is better off knowing it has none than trusting a weak one.
//
// An instruction that reports no value ready (CF=0) is retried a few times
// (SDM Vol. 1 §7.3.17.2 suggests 10 for RDRAND); if still none, the buffer
// is returned with the bytes filled so far — §5.4.6.1 allows the device to
// write fewer bytes than the buffer holds.
import { VirtioDevice } from "./virtio-device";
import { rdrand64, rdseed64 } from "../../kernel/hal/imports";
import { putDec, puts, begin, endl } from "../../kernel/console/console";

export const VIRTIO_ID_ENTROPY: u32 = 4;
// Base class FFh "device does not fit any defined class", as QEMU shows it.
const CLASS_OTHER: u32 = 0xff0000;
const RETRIES: u32 = 10;
// At most this much per request, however large the buffers: one exit stays
// short (§5.4.6.1 lets the device fill less than offered).
const MAX_REQUEST_BYTES: u64 = 65536;
const CHUNK: u32 = 256;
// A whole draw past the chunk when its length is no multiple of 8.
const bytes = memory.data(<i32>CHUNK + 8);

export enum EntropySource { None, Rdseed, Rdrand }

export class VirtioRng extends VirtioDevice {
  served: u64 = 0;
  short: u64 = 0;

  constructor(public source: EntropySource) { super(); }

  name(): string { return "virtio-rng"; }
  deviceId(): u32 { return VIRTIO_ID_ENTROPY; }
  pciClass(): u32 { return CLASS_OTHER; }
  features(): u64 { return 0; }
  queueCount(): u32 { return 1; }

  notify(i: u32): void {
    const t = this.transport!;
    const mem = t.memory();
    const chain = t.chain();
    const q = t.queue(0);
    let used = false;
    while (this.next(0)) {
      let done: u64 = 0;
      const want = chain.writableBytes < MAX_REQUEST_BYTES ? chain.writableBytes : MAX_REQUEST_BYTES;
      while (done < want) {
        const n = this.fill(want - done < <u64>CHUNK ? <u32>(want - done) : CHUNK);
        if (n == 0) break;
        chain.write(mem, done, bytes, n);
        done += n;
      }
      if (done < chain.writableBytes) this.short++;
      this.served += done;
      q.push(chain.head, <u32>done);
      used = true;
    }
    if (used) t.usedBuffers(0);
  }

  // Up to `n` random bytes into the buffer, in whole 8-byte draws; how
  // many were filled (fewer if the CPU had none ready after the retries).
  private fill(n: u32): u32 {
    let done: u32 = 0;
    while (done < n) {
      let ok: u32 = 0;
      for (let k: u32 = 0; k < RETRIES && ok == 0; k++) {
        ok = this.source == EntropySource.Rdseed ? rdseed64(bytes + done) : rdrand64(bytes + done);
      }
      if (ok == 0) break;
      done += 8;
    }
    return done < n ? done : n;
  }

  report(): void {
    begin("virtio-rng: ");
    putDec(this.served);
    puts(this.source == EntropySource.Rdseed ? " bytes from RDSEED" : " bytes from RDRAND");
    if (this.short != 0) {
      puts(", ");
      putDec(this.short);
      puts(" requests filled short (over 64 KiB, or no value ready)");
    }
    endl();
  }
}
