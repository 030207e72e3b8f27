// The shipped core.wasm touches the machine only through the HAL, and keeps
// the properties the native build relies on.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { coreModule } from "../sim/core.js";

const halDeclared = [
  ...fs.readFileSync(path.resolve(__dirname, "../../kernel/hal/imports.ts"), "utf8").matchAll(/@external\("hal", "(\w+)"\)/g),
].map((m) => m[1]);

describe("core.wasm", () => {
  it("imports exactly the functions declared in kernel/hal/imports.ts, all from module hal", () => {
    const imports = WebAssembly.Module.imports(coreModule());
    expect(imports.every((i) => i.module === "hal" && i.kind === "function")).toBe(true);
    // Every import is declared; the core may leave a declared one unused.
    expect(halDeclared).toEqual(expect.arrayContaining(imports.map((i) => i.name)));
    expect(imports.map((i) => i.name)).toEqual(expect.arrayContaining(["inb", "outb", "rdmsr", "cpuid", "physRead", "halt"]));
  });

  it("exports its entry point and memory, and no abort import exists (abort is routed to the core's panic)", () => {
    const exports = WebAssembly.Module.exports(coreModule()).map((e) => e.name);
    expect(exports).toEqual(expect.arrayContaining(["boot", "memory"]));
    expect(WebAssembly.Module.imports(coreModule()).some((i) => i.name === "abort")).toBe(false);
  });

  it("contains no floating-point instructions or types (the native build has no SSE/x87)", () => {
    const wat = fs.readFileSync(path.resolve(__dirname, "../../build/core.wat"), "utf8");
    expect(wat).not.toMatch(/\bf(32|64)\b/);
  });
});
