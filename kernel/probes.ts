// Test probes: small pure entry points into the core's own units, exported
// from kernel/main.ts so that the unit tests can drive them on the shipped
// core.wasm (test/sim/probes.ts, test/unit/port-bus.test.ts). Each builds
// the unit afresh, runs it, and reports what it did; none touches the
// hardware or any state the boot path uses, and boot/ never calls them.
// Arguments and results that do not fit in a return value pass through
// probeScratch().
import { PortBus, PortDevice } from "./vm/port-bus";
import { ProgressWatch } from "./vm/progress";
import { ExitKind } from "./vm/exit";

const SCRATCH_BYTES: i32 = 1024;
const scratch = memory.data(SCRATCH_BYTES);

// Where a test writes a probe's arguments (and reads its results): 1 KiB.
export function probeScratch(): usize {
  return scratch;
}

// A device that answers a read with who it is and what it was asked
// ((index + 1) << 24 | size << 16 | offset), and records a write as four
// u32 at `out`: index, offset, size, value.
class ProbeDevice extends PortDevice {
  constructor(public index: u32, public out: usize) {
    super();
  }
  name(): string {
    return "probe";
  }
  read(offset: u32, size: u32): u32 {
    return ((this.index + 1) << 24) | (size << 16) | offset;
  }
  write(offset: u32, size: u32, value: u32): void {
    store<u32>(this.out, this.index);
    store<u32>(this.out, offset, 4);
    store<u32>(this.out, size, 8);
    store<u32>(this.out, value, 12);
  }
}

// Register `count` (<= 64) ranges, given as u32 pairs (base, len) at
// `ranges`, on one fresh bus, range i to device i; bit i of the result is
// set if registration i was accepted.
function registerAll(bus: PortBus, ranges: usize, count: u32, out: usize): u64 {
  let accepted: u64 = 0;
  for (let i: u32 = 0; i < count && i < 64; i++) {
    const base = load<u32>(ranges + <usize>i * 8);
    const len = load<u32>(ranges + <usize>i * 8 + 4);
    if (bus.register(base, len, new ProbeDevice(i, out))) accepted |= <u64>1 << i;
  }
  return accepted;
}

export function probePortBusRegister(ranges: usize, count: u32): u64 {
  return registerAll(new PortBus(), ranges, count, scratch);
}

// Register the ranges as probePortBusRegister does, then read `size` bytes
// from `port` and write `value` there. Returns what the read returned; at
// `out`, six u32: the write as the receiving device recorded it (index,
// offset, size, value; all-ones if no device took it), then the bus's
// unclaimed read and write counts.
export function probePortBusAccess(ranges: usize, count: u32, port: u32, size: u32, value: u32, out: usize): u32 {
  const bus = new PortBus();
  registerAll(bus, ranges, count, out);
  memory.fill(out, 0xff, 16);
  const read = bus.read(port, size);
  bus.write(port, size, value);
  store<u32>(out, <u32>bus.unclaimedReads, 16);
  store<u32>(out, <u32>bus.unclaimedWrites, 20);
  return read;
}

// The no-progress detector (kernel/vm/progress.ts) fed `count` runs, each
// 24 bytes at `runs`: u32 exit kind, u32 moved (0/1), u64 RIP, u32 times.
// Returns the 1-based number of the exit at which it asked to stop the VM,
// or 0 if it never did.
export function probeProgressWatch(runs: usize, count: u32): u32 {
  const w = new ProgressWatch();
  let n: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const at = runs + <usize>i * 24;
    const kind = <ExitKind>load<u32>(at);
    const moved = load<u32>(at, 4) != 0;
    const rip = load<u64>(at, 8);
    const times = load<u32>(at, 16);
    for (let t: u32 = 0; t < times; t++) {
      n++;
      if (w.stuck(kind, moved, rip)) return n;
    }
  }
  return 0;
}
