// The console device (virtio 1.2 §5.3), one port, no MULTIPORT: receiveq0
// (queue 0, device-writable buffers the device fills with what the user
// types) and transmitq0 (queue 1, what the guest writes). Linux makes the
// port its hvc0 console (drivers/char/virtio_console.c). Its output goes
// to the guest console the UART writes to (the user's terminal); its input
// comes from the hypervisor's console when the user has switched the input
// to it (Ctrl-A c, kernel/console/guest-input.ts).
//
// No feature bits: no SIZE (the terminal's size is unknown to the
// hypervisor), no MULTIPORT, no EMERG_WRITE. The configuration (cols, rows,
// max_nr_ports, emerg_wr; §5.3.4) reads 0.
//
// Typed bytes wait in a small ring until the driver posts a receive buffer;
// while it is full the hypervisor takes no more from its own UART (flow
// control by not reading, as for the guest's UART), so nothing is lost.
import { VirtioDevice } from "./virtio-device";
import { ByteSink } from "../byte-sink";
import { begin, endl, puts, putDec } from "../../kernel/console/console";

export const VIRTIO_ID_CONSOLE: u32 = 3;
// Base class 07h simple communication controller, sub-class 80h other, as
// QEMU's virtio-serial-pci shows.
const CLASS_COMM_OTHER: u32 = 0x078000;
const RECEIVEQ: u32 = 0;
const TRANSMITQ: u32 = 1;
const CONFIG_BYTES: u32 = 12;
const PENDING_BYTES: u32 = 256;
const CHUNK: u32 = 256;
// What one transmit buffer may print, so that one exit stays short (Linux
// sends at most a page); the rest is dropped and counted.
const MAX_TRANSMIT_BYTES: u64 = 65536;
const chunk = memory.data(<i32>CHUNK);

export class VirtioConsole extends VirtioDevice {
  private pending: StaticArray<u8> = new StaticArray<u8>(<i32>PENDING_BYTES);
  private head: u32 = 0;   // next byte to deliver
  private count: u32 = 0;  // bytes waiting
  private live: bool = false;
  sent: u64 = 0;      // bytes the guest wrote
  received: u64 = 0;  // bytes delivered to the guest
  dropped: u64 = 0;   // bytes of over-long transmit buffers not printed

  constructor(public out: ByteSink) { super(); }

  name(): string { return "virtio-console"; }
  deviceId(): u32 { return VIRTIO_ID_CONSOLE; }
  pciClass(): u32 { return CLASS_COMM_OTHER; }
  features(): u64 { return 0; }
  queueCount(): u32 { return 2; }
  configBytes(): u32 { return CONFIG_BYTES; }

  ready(): void {
    this.live = true;
    this.deliver();
  }

  reset(): void {
    this.live = false;
    this.head = 0;
    this.count = 0;
  }

  // ---- the input side, for kernel/console/guest-input.ts ----
  room(): bool { return this.count < PENDING_BYTES; }
  // The driver is running: what is typed reaches it (and may wake it).
  listening(): bool { return this.live; }

  receive(b: u32): void {
    if (this.count == PENDING_BYTES) return;
    this.pending[<i32>((this.head + this.count) % PENDING_BYTES)] = <u8>b;
    this.count++;
  }

  // Move waiting bytes into the receive buffers the driver has posted.
  deliver(): void {
    const t = this.transport;
    if (t === null || !this.live || this.count == 0) return;
    const mem = t.memory();
    const chain = t.chain();
    const q = t.queue(RECEIVEQ);
    let used = false;
    while (this.count != 0 && this.next(RECEIVEQ)) {
      let room = chain.writableBytes;
      let n: u32 = 0;
      while (this.count != 0 && <u64>n < room && n < CHUNK) {
        store<u8>(chunk + n, this.pending[<i32>this.head]);
        this.head = (this.head + 1) % PENDING_BYTES;
        this.count--;
        n++;
      }
      chain.write(mem, 0, chunk, n);
      this.received += n;
      q.push(chain.head, n);
      used = true;
    }
    if (used) t.usedBuffers(RECEIVEQ);
  }

  notify(i: u32): void {
    if (i == RECEIVEQ) {
      this.deliver();
      return;
    }
    const t = this.transport!;
    const mem = t.memory();
    const chain = t.chain();
    const q = t.queue(TRANSMITQ);
    let used = false;
    while (this.next(TRANSMITQ)) {
      const total = chain.readableBytes < MAX_TRANSMIT_BYTES ? chain.readableBytes : MAX_TRANSMIT_BYTES;
      if (total < chain.readableBytes) this.dropped += chain.readableBytes - total;
      let done: u64 = 0;
      while (done < total) {
        const n = total - done < <u64>CHUNK ? <u32>(total - done) : CHUNK;
        chain.read(mem, done, chunk, n);
        for (let k: u32 = 0; k < n; k++) this.out.putc(<u32>load<u8>(chunk + k));
        done += n;
      }
      this.sent += total;
      q.push(chain.head, 0);
      used = true;
    }
    if (used) t.usedBuffers(TRANSMITQ);
  }

  report(): void {
    begin("virtio-console: ");
    putDec(this.sent);
    puts(" bytes written by the guest, ");
    putDec(this.received);
    puts(" typed to it");
    if (this.dropped != 0) {
      puts(", ");
      putDec(this.dropped);
      puts(" dropped (transmit buffers over 64 KiB)");
    }
    endl();
  }
}
