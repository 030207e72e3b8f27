// The no-progress detector (kernel/vm/progress.ts), through its probe on the
// shipped core.wasm: the same exit at the same RIP, resumed with nothing
// moved or injected, stops the VM at the limit; anything that moves the
// guest on, or a different exit or RIP, starts the count again.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { progressWatch } from "../sim/probes.js";

// ExitKind's members in order (kernel/vm/exit.ts), so the test names kinds.
const kinds = (() => {
  const src = fs.readFileSync(path.resolve(__dirname, "../../kernel/vm/exit.ts"), "utf8");
  const body = /export enum ExitKind \{([\s\S]*?)\}/.exec(src)![1];
  const names = body.split("\n").map((l) => l.replace(/\/\/.*/, "").trim().replace(/,$/, "").split(" ")[0]).filter((n) => n !== "");
  return Object.fromEntries(names.map((n, i) => [n, i])) as Record<string, number>;
})();
const LIMIT = Number(/NO_PROGRESS_LIMIT: u32 = (\d+)/.exec(
  fs.readFileSync(path.resolve(__dirname, "../../kernel/vm/progress.ts"), "utf8"))![1]);

describe("the no-progress detector", () => {
  it("stops at the limit: the same CPUID exit at the same RIP, never moved", () => {
    expect(LIMIT).toBeGreaterThan(1);
    expect(progressWatch([{ kind: kinds.Cpuid, moved: false, rip: 0x7c00n, times: LIMIT + 5 }])).toBe(LIMIT);
  });

  it("one exit that moves the guest on starts the count again", () => {
    expect(progressWatch([
      { kind: kinds.Io, moved: false, rip: 0x1000n, times: LIMIT - 1 },
      { kind: kinds.Io, moved: true, rip: 0x1000n, times: 1 },
      { kind: kinds.Io, moved: false, rip: 0x1000n, times: LIMIT - 1 },
    ])).toBe(0);
  });

  it("a different RIP or a different kind starts the count again", () => {
    expect(progressWatch([
      { kind: kinds.MsrRead, moved: false, rip: 0x1000n, times: LIMIT - 1 },
      { kind: kinds.MsrRead, moved: false, rip: 0x1002n, times: LIMIT - 1 },
      { kind: kinds.MsrWrite, moved: false, rip: 0x1002n, times: LIMIT - 1 },
      { kind: kinds.MsrRead, moved: false, rip: 0x1002n, times: 1 },
    ])).toBe(0);
  });

  it("exits that always move the guest on never stop it, however many", () => {
    expect(progressWatch([{ kind: kinds.Io, moved: true, rip: 0x1000n, times: LIMIT * 10 }])).toBe(0);
  });
});
