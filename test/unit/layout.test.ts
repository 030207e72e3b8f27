// The one table of layouts (tools/builder/layout.ts): the kernel's own
// `export const` lines, read for build/generated/layout.h and for test/sim.
// Known values are checked against the manuals, so that the single source is
// itself anchored.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import {
  layout, parseLayout, parseSource, readSources, layoutHeader, LAYOUT_SOURCES, LayoutError,
} from "../../tools/builder/layout.js";
import { LAYOUT_H, ROOT } from "../../tools/builder/config.js";

const source = (table: string) => LAYOUT_SOURCES.find((s) => s.table === table)!;

describe("reading the kernel's layout tables", () => {
  it("has the VMCS field encodings of SDM Vol. 3D Appendix B", () => {
    expect(layout.VMCS.GUEST_RIP).toBe(0x681e);        // B.4.3
    expect(layout.VMCS.HOST_RSP).toBe(0x6c14);         // B.4.4
    expect(layout.VMCS.HOST_RIP).toBe(0x6c16);
    expect(layout.VMCS.VM_EXIT_REASON).toBe(0x4402);   // B.3.2
    expect(layout.VMCS.EXIT_QUALIFICATION).toBe(0x6400); // B.4.2
    expect(layout.VMCS.VIRTUAL_PROCESSOR_ID).toBe(0);  // B.1.1
  });

  it("has the VMCB offsets and intercept bits of APM Vol. 2 Appendix B", () => {
    expect(layout.VMCB.EXITCODE).toBe(0x70);           // Table B-1
    expect(layout.VMCB.EXITINFO2).toBe(0x80);
    expect(layout.VMCB.RIP).toBe(0x578);               // Table B-2
    expect(layout.VMCB.MISC1_CPUID).toBe(1 << 18);     // `1 << 18`
    expect(layout.VMCB.MISC1_SHUTDOWN).toBe(0x80000000); // `<u32>1 << 31`
  });

  it("has the exit reasons and codes, without their prefixes", () => {
    expect(layout.VMX_EXIT.CPUID).toBe(10);            // SDM Vol. 3D Table C-1
    expect(layout.VMX_EXIT.IO).toBe(30);
    expect(layout.SVM_EXIT.IOIO).toBe(0x7bn);          // APM Vol. 2 Appendix C, u64: a BigInt
    expect(layout.SVM_EXIT.INVALID).toBe(0xffffffffffffffffn);
  });

  it("has the exit frame: x86 register order, 128 bytes", () => {
    expect(layout.FRAME.RAX).toBe(0);
    expect(layout.FRAME.RDI).toBe(7);
    expect(layout.FRAME.R15).toBe(15);
    expect(layout.FRAME.BYTES).toBe(128);
  });

  it("refuses a name the kernel does not define", () => {
    expect(() => layout.VMCS.GUEST_RIPP).toThrow(/kernel\/vmx\/vmcs-fields\.ts defines no GUEST_RIPP/);
    expect(() => layout.SVM_EXIT.CPUIDD).toThrow(/defines no VMEXIT_CPUIDD/);
  });
});

describe("the parser", () => {
  it("reads the forms the kernel writes and passes over what is not layout", () => {
    const text = [
      "// a comment with export const in it",
      'import { x } from "./y";',
      "export const A: u32 = 0x681e; // trailing comment",
      "export const B: usize = 128;",
      "export const C: u32 = 1 << 18;",
      "export const D: u32 = <u32>1 << 31;",
      "export const E: u64 = 0xffffffffffffffff;",
      "export const F: u32 = 0x1_0000;",
      "const G: u32 = FOO + 1;",
      "export function f(): void {}",
    ].join("\n");
    expect(parseLayout(text, "t.ts").map((c) => [c.name, c.type, c.value, c.line])).toEqual([
      ["A", "u32", 0x681en, 3],
      ["B", "usize", 128n, 4],
      ["C", "u32", 1n << 18n, 5],
      ["D", "u32", 0x80000000n, 6],
      ["E", "u64", 0xffffffffffffffffn, 7],
      ["F", "u32", 0x10000n, 8],
    ]);
  });

  it.each([
    ["an expression it cannot evaluate", "export const X: u32 = FOO + 1;", /value `FOO \+ 1` is not a literal/],
    ["no type", "export const X = 1;", /not one `export const NAME: type = value;` on one line/],
    ["a float type", "export const X: f64 = 1;", /type f64 is not an integer type/],
    ["a value too wide for its type", "export const X: u8 = 0x100;", /256 does not fit in u8/],
    ["a shift past the type's width", "export const X: u32 = 1 << 32;", /a shift by 32 in a 32-bit type/],
    ["a constant over two lines", "export const X: u32 =\n  1;", /not one `export const NAME: type = value;` on one line/],
    ["a name defined twice", "export const A: u32 = 2;", /A is already defined on line 1/],
  ])("refuses %s, naming the file and line", (_what, line, why) => {
    const text = `export const A: u32 = 1;\n${line}\n`;
    let err: unknown = null;
    try { parseLayout(text, "t.ts"); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LayoutError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^t\.ts:2: cannot read this layout constant \(/);
    expect(msg).toMatch(why);
    expect(msg).toMatch(/build\/generated\/layout\.h; write `export const NAME: type = value;`/);
  });

  it("refuses a table whose names lack their prefix, or a frame out of x86 order", () => {
    expect(() => parseSource(source("VMX_EXIT"), "export const CPUID: u32 = 10;\n"))
      .toThrow(/exit-reasons\.ts:1: CPUID: every name in this layout table must start with VMX_EXIT_/);
    const frame = fs.readFileSync(path.join(ROOT, "kernel/vm/frame.ts"), "utf8");
    expect(() => parseSource(source("FRAME"), frame.replace("RCX: u32 = 1;", "RCX: u32 = 2;")))
      .toThrow(/RCX must be slot 1/);
    expect(() => parseSource(source("FRAME"), frame.replace("FRAME_BYTES: usize = 128;", "FRAME_BYTES: usize = 64;")))
      .toThrow(/FRAME_BYTES 64 is less than 16 slots/);
    expect(() => parseSource(source("VMCS"), "export const X: u64 = 1;\n")).toThrow(/holds numbers/);
  });
});

describe("build/generated/layout.h", () => {
  const header = layoutHeader(readSources());
  const define = (name: string, value: string) => new RegExp(`^#define ${name} +${value}$`, "m");

  it("defines the values boot/ needs, prefixed, in forms both gcc and as read", () => {
    expect(header).toMatch(define("VMCS_GUEST_RIP", "0x681e"));
    expect(header).toMatch(define("VMCS_HOST_RSP", "0x6c14"));
    expect(header).toMatch(define("VMCB_EXITCODE", "0x70"));
    expect(header).toMatch(define("VMCB_MISC1_SHUTDOWN", "0x80000000"));
    expect(header).toMatch(define("VMX_EXIT_CPUID", "10"));
    expect(header).toMatch(define("SVM_VMEXIT_IOIO", "0x7b"));
    expect(header).toMatch(define("FRAME_RAX", "0"));   // byte offsets: slot x 8
    expect(header).toMatch(define("FRAME_RCX", "8"));
    expect(header).toMatch(define("FRAME_RDI", "56"));
    expect(header).toMatch(define("FRAME_R15", "120"));
    expect(header).toMatch(define("FRAME_BYTES", "128"));
    expect(header).toMatch(/^#ifndef TSVISOR_LAYOUT_H$/m);
    // No C-only syntax: the assembler's preprocessor includes it too.
    for (const l of header.split("\n").filter((x) => x.startsWith("#define "))) {
      expect(l).toMatch(/^#define [A-Z][A-Z0-9_]* +(0x[0-9a-f]+|[0-9]+)$|^#define TSVISOR_LAYOUT_H$/);
    }
  });

  it("is what the build wrote", () => {
    expect(fs.readFileSync(LAYOUT_H, "utf8")).toBe(header);
  });

  it("leaves boot/ no hand-written copy of a generated value, and no vmx_frame global", () => {
    const names = [...header.matchAll(/^#define ([A-Z][A-Z0-9_]*) /gm)].map((m) => m[1]);
    const old = ["HOST_RSP", "HOST_RIP", "VM_EXIT_REASON", "GUEST_RIP", "EXIT_REASON_CPUID", "VMEXIT_IOIO",
      "VMX_FRAME_BYTES", "SVM_FRAME_BYTES"];
    const boot = path.join(ROOT, "boot");
    for (const f of fs.readdirSync(boot)) {
      const text = fs.readFileSync(path.join(boot, f), "utf8");
      for (const n of [...names, ...old]) expect(text, `${f} defines ${n}`).not.toMatch(new RegExp(`#define\\s+${n}\\b`));
      expect(text, f).not.toMatch(/\bvmx_frame\b/);
      expect(text, f).not.toMatch(/\[rdi \+ \d+\]/); // frame slots by FRAME_* name
    }
  });
});
