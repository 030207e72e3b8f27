// The port-I/O bus (kernel/vm/port-bus.ts), on the shipped core.wasm
// through its test probes (kernel/probes.ts): registration refuses what
// would make an access ambiguous or impossible (rust-vmm's vm-device bus
// returns DeviceOverlap), and an access reaches the one device whose range
// holds the port, with only its offset into that range (as Firecracker's bus
// hands its devices). Ports are 16 bits: 0 to 0xFFFF (SDM Vol. 1 §19.2).
import { describe, expect, it } from "vitest";
import { portBusAccess, portBusRegister, PortRange } from "../sim/probes.js";

// COM1's eight registers, as the UART claims them.
const COM1: PortRange = [0x3f8, 8];

describe("registration", () => {
  it("accepts ranges that only touch: one ending where the next begins, on either side", () => {
    expect(portBusRegister([COM1, [0x400, 4], [0x3f0, 8]])).toEqual([true, true, true]);
  });

  it("accepts single ports at both ends of the port space", () => {
    expect(portBusRegister([[0, 1], [0xffff, 1]])).toEqual([true, true]);
  });

  it("accepts a range ending exactly at 0x10000, the end of the port space", () => {
    expect(portBusRegister([[0xfff0, 0x10]])).toEqual([true]);
  });

  it("accepts the whole port space as one range", () => {
    expect(portBusRegister([[0, 0x10000]])).toEqual([true]);
  });

  it.each([
    ["the same range again", [0x3f8, 8]],
    ["the same base, shorter", [0x3f8, 1]],
    ["the same base, longer", [0x3f8, 0x10]],
    ["inside it", [0x3fa, 2]],
    ["its last port", [0x3ff, 1]],
    ["around it", [0x3f0, 0x20]],
    ["across its start", [0x3f0, 9]],
    ["across its end", [0x3ff, 4]],
  ] as const)("refuses an overlap with a registered range: %s", (_n, r) => {
    expect(portBusRegister([COM1, r])).toEqual([true, false]);
  });

  it("a refused range leaves the bus as it was: the next good one is accepted, the first still owns its ports", () => {
    expect(portBusRegister([COM1, [0x3fc, 8], [0x400, 1], [0x3f8, 1]])).toEqual([true, false, true, false]);
    expect(portBusAccess([COM1, [0x3fc, 8]], 0x3fd, 1, 0).read).toEqual({ device: 0, size: 1, offset: 5 });
  });

  it.each([
    ["an empty range", [0x80, 0]],
    ["an empty range at 0", [0, 0]],
    ["a range past 0xFFFF", [0xfff0, 0x11]],
    ["a port at 0x10000", [0x10000, 1]],
    ["more than the port space", [0, 0x10001]],
  ] as const)("refuses %s", (_n, r) => {
    expect(portBusRegister([r])).toEqual([false]);
  });

  it.each([
    ["a base far past the port space whose end wraps to a small number", [0xffffffff, 2]],
    ["a length whose end wraps past 2^32", [0x10, 0xfffffff8]],
  ] as const)("refuses %s", (_n, r) => {
    expect(portBusRegister([r])).toEqual([false]);
  });

  it("holds 32 ranges: the 33rd registration is refused, even of a free range", () => {
    const ranges: PortRange[] = Array.from({ length: 34 }, (_, i) => [0x1000 + i * 0x10, 0x10]);
    expect(portBusRegister(ranges)).toEqual([...Array(32).fill(true), false, false]);
  });

  it("refusals do not use up room: 32 ranges still fit after refused ones", () => {
    const good: PortRange[] = Array.from({ length: 32 }, (_, i) => [0x2000 + i * 4, 4]);
    const ranges: PortRange[] = [good[0], [0x2000, 4], [0x2000, 0], ...good.slice(1)];
    expect(portBusRegister(ranges)).toEqual([true, false, false, ...Array(31).fill(true)]);
  });
});

describe("routing", () => {
  const RANGES: PortRange[] = [COM1, [0x60, 1], [0x64, 1], [0xcf8, 8], [0xffff, 1]];

  it.each([
    ["COM1's first register", 0x3f8, 0, 0],
    ["COM1's line status register", 0x3fd, 0, 5],
    ["COM1's last register", 0x3ff, 0, 7],
    ["a one-port range", 0x64, 2, 0],
    ["a range past others", 0xcfc, 3, 4],
    ["the last port", 0xffff, 4, 0],
  ])("a read and a write of %s reach the device whose range holds the port, at its offset", (_n, port, device, offset) => {
    const a = portBusAccess(RANGES, port, 1, 0x5a);
    expect(a.read).toEqual({ device, size: 1, offset });
    expect(a.write).toEqual({ device, offset, size: 1, value: 0x5a });
    expect([a.unclaimedReads, a.unclaimedWrites]).toEqual([0, 0]);
  });

  it.each([1, 2, 4])("the access size reaches the device: %i bytes", (size) => {
    const a = portBusAccess(RANGES, 0xcf8, size, 0x80001234);
    expect(a.read).toEqual({ device: 3, size, offset: 0 });
    expect(a.write).toEqual({ device: 3, offset: 0, size, value: 0x80001234 });
  });

  it.each([
    [1, 0xff],
    [2, 0xffff],
    [4, 0xffffffff],
  ])("a port no device claims: a %i-byte read is all-ones, the write is dropped, both counted", (size, ones) => {
    for (const port of [0x3f7, 0x400, 0x61, 0]) {
      const a = portBusAccess(RANGES, port, size, 0x12);
      expect(a.read).toEqual({ unclaimed: ones });
      expect(a.write).toBeNull();
      expect([a.unclaimedReads, a.unclaimedWrites]).toEqual([1, 1]);
    }
  });

  it("a port next to a refused overlap still goes to the device that registered first", () => {
    const a = portBusAccess([COM1, [0x3f0, 0x20]], 0x3f4, 1, 0);
    expect(a.read).toEqual({ unclaimed: 0xff }); // the refused range claimed nothing
    expect(portBusAccess([COM1, [0x3f0, 0x20]], 0x3f9, 1, 0).read).toEqual({ device: 0, size: 1, offset: 1 });
  });
});
