// The deliberate faults fail the same way in Node as on bare metal: a wasm
// trap stops the core (the native runtime turns it into a panic line), and
// abort() reaches the core's own panic.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { bootCore } from "../sim/core.js";
import { typicalPc } from "../sim/multiboot2.js";
import { skylakeX } from "../sim/cpu-profiles.js";
import { GeneralProtectionFault } from "../sim/hal.js";

// Where the deliberate assert() stands in the source: the panic must name it.
function assertPlace(): string {
  const src = fs.readFileSync(path.resolve(__dirname, "../../kernel/selftest.ts"), "utf8").split("\n");
  const i = src.findIndex((l) => l.includes('assert(') && l.includes('"selftest abort"'));
  return `kernel/selftest.ts:${i + 1}:${src[i].indexOf("assert(") + 1}`;
}

const run = (cmdline: string) => bootCore(skylakeX, { info: typicalPc(512, cmdline) });

describe("selftest=", () => {
  it("trap-oob: an out-of-bounds access traps", () => {
    const r = run("selftest=trap-oob");
    expect(r.error).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(String(r.error)).toMatch(/out of bounds/);
    expect(r.poweredOff).toBeNull();
  });

  it("trap-unreachable: unreachable traps", () => {
    expect(String(run("selftest=trap-unreachable").error)).toMatch(/unreachable/);
  });

  it("trap-stack: unbounded recursion exhausts the stack", () => {
    const r = run("selftest=trap-stack");
    expect(r.error).toBeInstanceOf(RangeError);
    expect(String(r.error)).toMatch(/call stack/i);
  });

  it("abort: a failed assertion prints a panic with its place and halts", () => {
    const r = run("selftest=abort");
    expect(r.halted).toBe(true);
    expect(r.lines).toContain(`PANIC: core assertion failed: selftest abort at ${assertPlace()}`);
    expect(r.lines.at(-1)).toBe("machine halted");
    expect(r.poweredOff).toBeNull();
  });

  it("cpu-exception: reads an MSR no CPU has (a #GP on hardware)", () => {
    const r = run("selftest=cpu-exception");
    expect(r.error).toBeInstanceOf(GeneralProtectionFault);
    expect((r.error as GeneralProtectionFault).msr).toBe(0x0badc0de);
  });

  it("host-fault: the HAL's XSETBV and RDMSR report a #GP instead of raising it; the run goes on", () => {
    const r = run("selftest=host-fault");
    expect(r.error).toBeNull();
    expect(r.lines).toContain("selftest: XSETBV of XCR0=0 raised #GP and the hypervisor carried on: ok");
    expect(r.lines).toContain("selftest: RDMSR of a nonexistent MSR raised #GP and the hypervisor carried on: ok");
    expect(r.lines).toContain("boot complete (no guest module given)");
    expect(r.poweredOff).toBe("success");
  });

  it("an unknown kind is refused by name, and the run fails", () => {
    const r = run("quiet selftest=bogus");
    expect(r.lines).toContain("selftest: unknown kind; known: trap-oob, trap-unreachable, trap-stack, abort, cpu-exception, host-fault");
    expect(r.poweredOff).toBe("failure");
  });

  it("only a whole word selftest=... counts", () => {
    const r = run("noselftest=trap-oob xselftest=abort");
    expect(r.error).toBeNull();
    expect(r.poweredOff).toBe("success");
  });
});
