// The block device (virtio 1.2 §5.2): one request queue; each request is a
// header (type, sector), the data, and a status byte the device writes
// last (§5.2.6). The disk is an image in host memory — a boot module GRUB
// loaded (kernel/boot/modules.ts, role `disk`) — so reads and writes are
// copies between it and guest RAM; the guest's writes stay in that copy for
// as long as the hypervisor runs (across guest reboots), and never reach
// the file the image came from.
//
// Features offered: SEG_MAX (2: how many data buffers one request may
// have), BLK_SIZE (6: 512-byte logical blocks), FLUSH (9: the guest's
// flushes succeed at once, every write being complete when it is used),
// RO (5) for a read-only disk. Requests the device refuses get a status
// byte, not silence: UNSUPP for a type it does not offer, IOERR for a
// range past the disk's end, a length that is not whole sectors, or a
// write to a read-only disk (§5.2.6.1). A request with no room for its
// status or too short a header is a broken ring (./ring-error.ts).
import { VirtioDevice } from "./virtio-device";
import { RingError } from "./ring-error";
import { MAX_SEGMENTS } from "./desc-chain";
import { begin, endl, puts, putDec, putSize } from "../../kernel/console/console";

export const VIRTIO_ID_BLOCK: u32 = 2;
// Base class 01h mass storage, sub-class 00h SCSI, as QEMU's virtio-blk-pci
// shows (PCI Code and ID Assignment Specification).
const CLASS_STORAGE_SCSI: u32 = 0x010000;
export const SECTOR_BYTES: u64 = 512;

const F_SEG_MAX: u32 = 2;
const F_RO: u32 = 5;
const F_BLK_SIZE: u32 = 6;
const F_FLUSH: u32 = 9;

// Request types (§5.2.6) and status values.
const T_IN: u32 = 0;
const T_OUT: u32 = 1;
const T_FLUSH: u32 = 4;
const T_GET_ID: u32 = 8;
const S_OK: u8 = 0;
const S_IOERR: u8 = 1;
const S_UNSUPP: u8 = 2;
const HEADER_BYTES: u32 = 16;
// GET_ID answers a 20-byte serial (§5.2.6: "up to 20 bytes ... not NUL-terminated if 20").
const ID_BYTES: u32 = 20;
const DISK_ID = "tsvisor-disk";

// Device configuration (§5.2.4): capacity le64 at 0, size_max at 8,
// seg_max at 12, geometry at 16, blk_size at 20 — the fields up to
// blk_size are what the offered features name.
const CFG_CAPACITY: u32 = 0;
const CFG_SEG_MAX: u32 = 12;
const CFG_BLK_SIZE: u32 = 20;
const CFG_BYTES: u32 = 24;

const header = memory.data(<i32>HEADER_BYTES);
const idBytes = memory.data(<i32>ID_BYTES);
const statusByte = memory.data(1);

export class VirtioBlk extends VirtioDevice {
  reads: u64 = 0;
  writes: u64 = 0;
  flushes: u64 = 0;
  bytesRead: u64 = 0;
  bytesWritten: u64 = 0;
  refused: u64 = 0;

  // The image: `bytes` (whole sectors) at host-physical `base`.
  constructor(public base: u64, public bytes: u64, public readOnly: bool) { super(); }

  name(): string { return "virtio-blk"; }
  deviceId(): u32 { return VIRTIO_ID_BLOCK; }
  pciClass(): u32 { return CLASS_STORAGE_SCSI; }
  features(): u64 {
    let f = (<u64>1 << F_SEG_MAX) | (<u64>1 << F_BLK_SIZE) | (<u64>1 << F_FLUSH);
    if (this.readOnly) f |= <u64>1 << F_RO;
    return f;
  }
  queueCount(): u32 { return 1; }
  configBytes(): u32 { return CFG_BYTES; }

  sectors(): u64 { return this.bytes / SECTOR_BYTES; }

  readConfig(offset: u32, size: u32): u32 {
    let v: u64 = 0;
    if (offset < 8) v = this.sectors() >> (<u64>offset * 8);
    else if (offset >= CFG_SEG_MAX && offset < CFG_SEG_MAX + 4) v = <u64>(MAX_SEGMENTS - 2) >> (<u64>(offset - CFG_SEG_MAX) * 8);
    else if (offset >= CFG_BLK_SIZE && offset < CFG_BLK_SIZE + 4) v = SECTOR_BYTES >> (<u64>(offset - CFG_BLK_SIZE) * 8);
    return size == 4 ? <u32>v : <u32>v & ((<u32>1 << (size * 8)) - 1);
  }

  notify(i: u32): void {
    const t = this.transport!;
    const q = t.queue(0);
    let used = false;
    while (this.next(0)) {
      const len = this.serve();
      // Broken (the transport was told): stop, but the requests used
      // before it are still notified (§2.7.14) — not every driver acts on
      // DEVICE_NEEDS_RESET, and one that waits for them would wait for ever.
      if (len < 0) break;
      q.push(t.chain().head, <u32>len);
      used = true;
    }
    if (used) t.usedBuffers(0);
  }

  // One request: its used length, or -1 if it cannot even take a status.
  // The used length is the whole writable part: the driver must not look
  // past it (§2.7.8.3: "MUST NOT make assumptions about data in
  // device-writable buffers beyond the first len bytes") and the status is
  // its last byte; and the device must have written all of it (§2.7.8.2:
  // "at least len bytes ... beginning at the first device-writable
  // buffer"), so the room a request leaves without data — a refused read's,
  // GET_ID's beyond its 20 bytes, any before a flush's or a write's status —
  // is zeroed, never left as stale bytes that pass for data.
  private serve(): i64 {
    const t = this.transport!;
    const mem = t.memory();
    const chain = t.chain();
    if (chain.writableBytes == 0 || !chain.read(mem, 0, header, HEADER_BYTES)) {
      t.broken(0, RingError.BadRequest);
      return -1;
    }
    const type = load<u32>(header);
    const sector = load<u64>(header, 8);
    const statusAt = chain.writableBytes - 1;
    let status = S_OK;
    let written: u64 = 0;
    if (type == T_IN || type == T_OUT) {
      const len = type == T_IN ? chain.writableBytes - 1 : chain.readableBytes - HEADER_BYTES;
      if (!this.inRange(sector, len) || (type == T_OUT && this.readOnly)) status = S_IOERR;
      else if (type == T_IN) {
        chain.copyPhys(mem, 0, this.base + sector * SECTOR_BYTES, len, true);
        this.reads++;
        this.bytesRead += len;
        written = len;
      } else {
        chain.copyPhys(mem, HEADER_BYTES, this.base + sector * SECTOR_BYTES, len, false);
        this.writes++;
        this.bytesWritten += len;
      }
    } else if (type == T_FLUSH) {
      this.flushes++;
    } else if (type == T_GET_ID && chain.writableBytes >= <u64>ID_BYTES + 1) {
      memory.fill(idBytes, 0, ID_BYTES);
      for (let k = 0; k < DISK_ID.length; k++) store<u8>(idBytes + k, <u8>DISK_ID.charCodeAt(k));
      chain.write(mem, 0, idBytes, ID_BYTES);
      written = ID_BYTES;
    } else status = S_UNSUPP;
    if (status != S_OK) this.refused++;
    if (statusAt > written) chain.zero(mem, written, statusAt - written);
    store<u8>(statusByte, status);
    chain.write(mem, statusAt, statusByte, 1);
    return <i64>chain.writableBytes;
  }

  // Whole sectors, inside the disk (overflow-safe).
  private inRange(sector: u64, len: u64): bool {
    if (len % SECTOR_BYTES != 0) return false;
    const n = len / SECTOR_BYTES;
    const total = this.sectors();
    return sector <= total && n <= total - sector;
  }

  report(): void {
    begin("virtio-blk: ");
    putSize(this.bytes);
    puts(this.readOnly ? " read-only" : "");
    puts(", ");
    putDec(this.reads);
    puts(" reads (");
    putDec(this.bytesRead);
    puts(" bytes), ");
    putDec(this.writes);
    puts(" writes (");
    putDec(this.bytesWritten);
    puts(" bytes), ");
    putDec(this.flushes);
    puts(" flushes, ");
    putDec(this.refused);
    puts(" refused");
    endl();
  }
}
