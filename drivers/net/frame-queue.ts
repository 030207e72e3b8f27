// Frames for the guest that found no receive buffer posted: a few are
// kept, in order, until the driver posts more (virtio 1.2 §5.1.6.3: "if
// it runs out, network performance will suffer" — a real NIC's FIFO
// holds a few frames too); beyond that they are dropped, as a full NIC
// FIFO drops. The slots are allocated once, with the device; a frame is
// written straight into its slot, so nothing is copied twice or
// allocated per frame.
import { ETH_MAX_FRAME } from "./ethernet";

export const PENDING_FRAMES: u32 = 8;

export class FrameQueue {
  // PENDING_FRAMES slots and one spare, which takes a frame that arrives
  // when every slot is full (and is then dropped).
  private slots: StaticArray<u8> = new StaticArray<u8>(<i32>((PENDING_FRAMES + 1) * ETH_MAX_FRAME));
  private lens: StaticArray<u32> = new StaticArray<u32>(<i32>PENDING_FRAMES);
  private head: u32 = 0;
  count: u32 = 0;

  private slot(i: u32): usize { return changetype<usize>(this.slots) + <usize>(i * ETH_MAX_FRAME); }

  full(): bool { return this.count == PENDING_FRAMES; }
  empty(): bool { return this.count == 0; }

  // Where the next frame is to be written (ETH_MAX_FRAME bytes).
  reserve(): usize {
    return this.full() ? this.slot(PENDING_FRAMES) : this.slot((this.head + this.count) % PENDING_FRAMES);
  }

  // The frame written at reserve() is `len` bytes: queue it; false if the
  // queue was full and the frame is dropped.
  commit(len: u32): bool {
    if (this.full()) return false;
    unchecked(this.lens[(this.head + this.count) % PENDING_FRAMES] = len);
    this.count++;
    return true;
  }

  front(): usize { return this.slot(this.head); }
  frontLen(): u32 { return unchecked(this.lens[this.head]); }

  pop(): void {
    if (this.count == 0) return;
    this.head = (this.head + 1) % PENDING_FRAMES;
    this.count--;
  }

  // Drop every frame (a device reset); how many there were.
  clear(): u32 {
    const n = this.count;
    this.head = 0;
    this.count = 0;
    return n;
  }
}
