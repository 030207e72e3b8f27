// One virtio-blk under test and its reference model, side by side: each
// round the test writes rings and buffers into guest RAM, the driver's
// steps run on the device (test/sim/virtio-probe.ts) and on the model
// (test/sim/virtq-model.ts), and then everything the device can have
// touched is checked:
//   - the probe call returned: no trap, no loop without end;
//   - register reads and the device's report (status, DEVICE_NEEDS_RESET,
//     ring errors counted, used index, interrupts, disk counters) equal
//     the model's;
//   - guest RAM and the disk equal the model's, byte for byte;
//   - outside the device-writable buffers of well-formed chains and the
//     used ring, guest RAM is as it was before the round, and the disk
//     outside the sectors written is too (a snapshot, whatever the model
//     says);
//   - every host-physical access the core made lies in guest RAM (never a
//     hole) or the disk, and every write in those allowed ranges.
// A failed check throws, with what differed. Only pages someone wrote are
// copied and compared: the core reaches simulated memory through the HAL's
// phys* imports alone, which the probe logs, and the driver and the model
// write through GuestRam and ModelMemory, which note the pages — a page no
// one wrote has not changed.
import { VirtioProbe, DeviceReport, RAM_HOST, DISK_HOST, RING_ERRORS, PhysAccess, report } from "./virtio-probe.js";
import { BlkModel, ModelMemory, Range, Served } from "./virtq-model.js";
import { Driver } from "./virtq-driver.js";
import { GuestRam, PageSet, Rng, rng } from "./virtq-rings.js";
import { ramRanges, BLK } from "./virtq-spec.js";

export const RAM_BYTES = 4 << 20; // a small PC guest: conventional memory, the VGA hole, the BIOS area, 3 MiB above 1 MiB
export const DISK_SECTORS = 128;

export interface RoundResult { report: DeviceReport; served: Served[] }

export class Harness {
  readonly probe: VirtioProbe;
  readonly ranges = ramRanges(RAM_BYTES);
  readonly ram: GuestRam;
  model!: BlkModel;
  private readonly background: Uint8Array;
  private readonly diskBackground: Uint8Array;
  // Pages of guest RAM, so that a round copies and compares only those:
  // written by the driver since the round began (the GuestRam's set), by
  // the model, by the device in the last round; changed since begin() (to
  // restore); where the snapshot and the model's RAM may differ from guest
  // RAM (to copy when the next round begins).
  private readonly snapshot: Uint8Array;
  private readonly modelRam: Uint8Array;
  private readonly diskSnapshot: Uint8Array;
  private readonly modelDisk: Uint8Array;
  private readonly written = new PageSet(RAM_BYTES);
  private readonly modelWritten = new PageSet(RAM_BYTES);
  private readonly byDevice = new PageSet(RAM_BYTES);
  private readonly changed = new PageSet(RAM_BYTES);
  private readonly stale = new PageSet(RAM_BYTES);

  constructor(module: WebAssembly.Module) {
    this.probe = new VirtioProbe(module, RAM_BYTES, DISK_SECTORS * BLK.SECTOR_BYTES);
    this.ram = new GuestRam(this.probe.ram, this.written);
    const fill = (n: number, r: Rng) => {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
      return b;
    };
    this.background = fill(RAM_BYTES, rng(0x5eed));
    this.diskBackground = fill(this.probe.disk.length, rng(0xd15c));
    this.snapshot = this.background.slice();
    this.modelRam = this.background.slice();
    this.probe.ram.set(this.background);
    this.diskSnapshot = new Uint8Array(this.probe.disk.length);
    this.modelDisk = new Uint8Array(this.probe.disk.length);
  }

  // A fresh device over RAM and a disk holding the background bytes.
  begin(readOnly = false): void {
    this.changed.addAll(this.written);
    for (const p of this.changed.pages) this.probe.ram.set(this.background.subarray(p << 12, (p + 1) << 12), p << 12);
    this.stale.addAll(this.changed);
    this.stale.addAll(this.modelWritten);
    this.changed.clear();
    this.written.clear();
    this.modelWritten.clear();
    this.probe.disk.set(this.diskBackground);
    this.probe.open(readOnly);
    this.model = new BlkModel(new ModelMemory(this.modelRam, this.ranges, this.modelWritten), this.modelDisk, readOnly, RING_ERRORS.length);
  }

  // Run what `drive` asks of the driver (its register accesses and
  // doorbells, on the RAM as the test left it) on both, and check.
  round(drive: (d: Driver) => void): RoundResult {
    const ram = this.probe.ram;
    this.changed.addAll(this.written);
    this.stale.addAll(this.written);
    this.stale.addAll(this.modelWritten);
    for (const p of this.stale.pages) {
      const page = ram.subarray(p << 12, (p + 1) << 12);
      this.snapshot.set(page, p << 12);
      this.modelRam.set(page, p << 12);
    }
    this.stale.clear();
    this.written.clear();
    this.modelWritten.clear();
    this.diskSnapshot.set(this.probe.disk);
    this.modelDisk.set(this.probe.disk);
    const d = new Driver(this.model);
    drive(d);
    const effects = this.model.take();
    this.probe.accesses.length = 0;
    let out;
    try {
      out = this.probe.run([...d.steps, report]);
    } catch (e) {
      throw new Error(`the core trapped or threw: ${(e as Error).message}`);
    }
    const r = out.pop() as DeviceReport;
    d.expected.forEach((x, i) => {
      if (out[i] !== x.value) throw new Error(`${x.what}: read ${out[i]}, expected ${x.value}`);
    });
    this.byDevice.clear();
    for (const a of this.probe.accesses) this.checkAccess(a, effects.allowed, effects.diskWritten);
    this.checkReport(r);
    this.checkMemory(effects.allowed, effects.diskWritten);
    this.changed.addAll(this.byDevice);
    this.stale.addAll(this.byDevice);
    return { report: r, served: effects.served };
  }

  private checkReport(r: DeviceReport): void {
    const m = this.model;
    const want: Partial<DeviceReport> = {
      status: m.status, generation: m.generation, resets: m.resets,
      queueInterrupts: m.queueInterrupts, configInterrupts: m.configInterrupts,
      usedIdx: m.q.usedIdx, lastAvail: m.q.lastAvail, enabled: m.q.enabled, error: RING_ERRORS[m.q.error],
      requests: m.q.requests, interrupts: m.q.interrupts, suppressed: m.q.suppressed,
      reads: m.reads, writes: m.writes, flushes: m.flushes, bytesRead: m.bytesRead, bytesWritten: m.bytesWritten, refused: m.refused,
    };
    for (const [k, v] of Object.entries(want)) {
      const got = r[k as keyof DeviceReport];
      if (got !== v) throw new Error(`device ${k} is ${String(got)}, the model says ${String(v)}${this.lastLine()}`);
    }
    const errors: Record<string, number> = {};
    m.errors.forEach((n, i) => { if (i !== 0 && n !== 0) errors[RING_ERRORS[i]] = n; });
    if (JSON.stringify(r.errors) !== JSON.stringify(errors)) {
      throw new Error(`ring errors counted ${JSON.stringify(r.errors)}, the model says ${JSON.stringify(errors)}${this.lastLine()}`);
    }
  }

  private lastLine(): string {
    const lines = this.probe.serial().trim().split("\n");
    return lines.length > 0 && lines[lines.length - 1] !== "" ? ` (last console line: ${lines[lines.length - 1].trim()})` : "";
  }

  // Guest RAM and the disk equal the model's, and changed only where allowed.
  private checkMemory(allowed: Range[], diskWritten: Range[]): void {
    const ram = this.probe.ram;
    const disk = this.probe.disk;
    const hex = (n: number) => "0x" + n.toString(16);
    const pages = new PageSet(RAM_BYTES);
    pages.addAll(this.byDevice);
    pages.addAll(this.modelWritten);
    for (const p of pages.pages) {
      const at = firstDifference(ram, this.modelRam, p << 12, (p + 1) << 12);
      if (at >= 0) throw new Error(`guest RAM at ${hex(at)} is ${hex(ram[at])}, the model says ${hex(this.modelRam[at])} (was ${hex(this.snapshot[at])})`);
    }
    let at = firstDifference(disk, this.modelDisk);
    if (at >= 0) throw new Error(`disk byte ${hex(at)} (sector ${at >> 9}) is ${hex(disk[at])}, the model says ${hex(this.modelDisk[at])}`);
    // The snapshot: nothing else changed. Pages no one wrote did not.
    for (const p of pages.pages) {
      for (const [s, e] of gaps(allowed, (p + 1) << 12, p << 12)) {
        at = firstDifference(ram, this.snapshot, s, e);
        if (at >= 0) throw new Error(`guest RAM at ${hex(at)} changed (${hex(this.snapshot[at])} → ${hex(ram[at])}) outside every writable buffer and the used ring`);
      }
    }
    for (const [s, e] of gaps(diskWritten, disk.length)) {
      at = firstDifference(disk, this.diskSnapshot, s, e);
      if (at >= 0) throw new Error(`disk byte ${hex(at)} changed outside the sectors written`);
    }
  }

  private checkAccess(a: PhysAccess, allowed: Range[], diskWritten: Range[]): void {
    if (a.len === 0) return;
    const inside = (rs: readonly Range[], off: number) => rs.some(([s, e]) => off >= s && off + a.len <= e);
    const what = () => `${a.write ? "write" : "read"} of ${a.len} bytes at host 0x${a.phys.toString(16)}`;
    const disk = this.probe.disk.length;
    if (a.phys >= Number(DISK_HOST) && a.phys < Number(DISK_HOST) + disk) {
      const off = a.phys - Number(DISK_HOST);
      if (off + a.len > disk) throw new Error(`${what()}: past the disk's end`);
      if (a.write && !inside(diskWritten, off)) throw new Error(`${what()}: a disk write outside the sectors written`);
      return;
    }
    const gpa = a.phys - Number(RAM_HOST);
    if (gpa < 0 || !inside(this.ranges, gpa)) throw new Error(`${what()}: not wholly in one guest RAM range`);
    if (!a.write) return;
    if (!inside(allowed, gpa)) throw new Error(`${what()}: outside every writable buffer and the used ring`);
    this.byDevice.add(gpa, a.len);
  }
}

// The first index in [from, to) where a and b differ, or -1.
function firstDifference(a: Uint8Array, b: Uint8Array, from = 0, to = a.length): number {
  if (to <= from) return -1;
  if (Buffer.from(a.buffer, a.byteOffset + from, to - from).equals(Buffer.from(b.buffer, b.byteOffset + from, to - from))) return -1;
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return i;
  return -1;
}

// The parts of [from, to) that no range covers.
export function gaps(ranges: readonly Range[], to: number, from = 0): Range[] {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: Range[] = [];
  let at = from;
  for (const [s, e] of sorted) {
    if (e <= at) continue;
    if (s >= to) break;
    if (s > at) out.push([at, s]);
    at = e;
  }
  if (at < to) out.push([at, to]);
  return out;
}
