import { describe, expect, it } from "vitest";
import { parseBenchLines } from "../../tools/bench/exit-cost.js";
import { median } from "../../tools/bench/figures.js";

describe("bench output parsing", () => {
  it("reads the guest's hex figures and ignores everything else", () => {
    const out = "tsvisor: noise\nbench cpuid 000007d0 001dc903\nbench x 1 2\ntsvisor: bench cpuid 00000001 00000001\nbench out-port-0x80 000007d0 0000e293\n";
    expect(parseBenchLines(out)).toEqual([
      { name: "cpuid", iterations: 2000, ticks: 0x1dc903 },
      { name: "out-port-0x80", iterations: 2000, ticks: 0xe293 },
    ]);
  });
});

describe("median", () => {
  it("takes the middle of an odd count and the mean of the middle two of an even one", () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
