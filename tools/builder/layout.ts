// One table of the layouts that native code and the simulator share with the
// core: the kernel's own AssemblyScript sources. VMCS field encodings, VMCB
// offsets and intercept bits, VMX exit reasons, SVM exit codes and the exit
// frame are each defined once, as `export const NAME: type = value;` lines in
// the files of LAYOUT_SOURCES. This module reads those lines; the build
// writes them to build/generated/layout.h for boot/ (stageLayout in
// stages.ts), and test/sim imports `layout` so that the simulated CPU uses
// the very numbers the core does. A line of such a file that starts
// `export const` but is not of that form stops the build, with its place.
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./config.js";

export class LayoutError extends Error {}

// One `export const` line as the AssemblyScript source declares it.
export interface LayoutConst {
  name: string;
  type: string;   // the declared AssemblyScript type (u32, usize, u64, ...)
  value: bigint;
  line: number;   // 1-based, in its file
}

export type TableName = "VMCS" | "VMCB" | "VMX_EXIT" | "SVM_EXIT" | "FRAME";

export interface LayoutSource {
  table: TableName;
  file: string;      // relative to the repository root
  what: string;      // for the header's comment
  strip: string;     // a prefix of the kernel's names dropped in the table (and before cPrefix)
  stripRequired: boolean; // every name must carry `strip`
  cPrefix: string;   // what the #define adds in front of the table's name
  hex: boolean;      // print values in hexadecimal (as the manual does)
  bigint: boolean;   // the table's JavaScript values are BigInts (u64, as wasm passes them)
  // The value the header gives (default: the constant's own).
  cValue?: (c: LayoutConst) => bigint;
}

// The exit frame's GPR slots are indices; assembly needs byte offsets.
const frameOffset = (c: LayoutConst): bigint => (c.name === "FRAME_BYTES" ? c.value : c.value * 8n);

export const LAYOUT_SOURCES: readonly LayoutSource[] = [
  {
    table: "VMCS", file: "kernel/vmx/vmcs-fields.ts", what: "VMCS field encodings (Intel SDM Vol. 3D Appendix B)",
    strip: "", stripRequired: false, cPrefix: "VMCS_", hex: true, bigint: false,
  },
  {
    table: "VMCB", file: "kernel/svm/vmcb.ts", what: "VMCB offsets and intercept bits (AMD APM Vol. 2 Appendix B)",
    strip: "", stripRequired: false, cPrefix: "VMCB_", hex: true, bigint: false,
  },
  {
    table: "VMX_EXIT", file: "kernel/vmx/exit-reasons.ts", what: "VMX basic exit reasons (Intel SDM Vol. 3D Appendix C)",
    strip: "VMX_EXIT_", stripRequired: true, cPrefix: "VMX_EXIT_", hex: false, bigint: false,
  },
  {
    table: "SVM_EXIT", file: "kernel/svm/exit-codes.ts", what: "SVM #VMEXIT codes (AMD APM Vol. 2 Appendix C)",
    strip: "VMEXIT_", stripRequired: true, cPrefix: "SVM_VMEXIT_", hex: true, bigint: true,
  },
  {
    table: "FRAME", file: "kernel/vm/frame.ts",
    what: "the exit frame: byte offset of each guest GPR (slot index x 8), and its size",
    strip: "FRAME_", stripRequired: false, cPrefix: "FRAME_", hex: false, bigint: false, cValue: frameOffset,
  },
];

// Bits of each integer type AssemblyScript has (usize: wasm32).
const TYPE_BITS: Record<string, { bits: number; signed: boolean }> = {
  u8: { bits: 8, signed: false }, u16: { bits: 16, signed: false }, u32: { bits: 32, signed: false },
  u64: { bits: 64, signed: false }, usize: { bits: 32, signed: false },
  i8: { bits: 8, signed: true }, i16: { bits: 16, signed: true }, i32: { bits: 32, signed: true },
  i64: { bits: 64, signed: true }, isize: { bits: 32, signed: true },
};

const LINE = /^export\s+const\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([a-z0-9]+)\s*=\s*([^;]*?)\s*;\s*(?:\/\/.*)?$/;
const LITERAL = "0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9][0-9_]*";
const VALUE = new RegExp(`^(?:<([a-z0-9]+)>\\s*)?(${LITERAL})(?:\\s*<<\\s*(${LITERAL}))?$`);
const FORMS = "`export const NAME: type = value;` with value a decimal or hex literal, `A << B` or `<u32>A << B`";

function literal(s: string): bigint {
  return BigInt(s.replace(/_/g, "").replace(/^0X/, "0x").replace(/^0B/, "0b"));
}

function maxOf(type: string): bigint {
  const t = TYPE_BITS[type];
  return (1n << BigInt(t.signed ? t.bits - 1 : t.bits)) - 1n;
}

// The `export const` lines of one layout source. Other lines (comments,
// imports, functions) are not layout and are passed over.
export function parseLayout(text: string, file: string): LayoutConst[] {
  const out: LayoutConst[] = [];
  const seen = new Map<string, number>();
  text.split("\n").forEach((raw, i) => {
    const src = raw.replace(/\r$/, "").trim();
    if (!/^export\s+const\b/.test(src)) return;
    const where = `${file}:${i + 1}`;
    const fail = (why: string): never => {
      throw new LayoutError(
        `${where}: cannot read this layout constant (${why}): ${src}\n` +
          `  tools/builder/layout.ts reads this file to generate build/generated/layout.h; write ${FORMS}`,
      );
    };
    const m = LINE.exec(src);
    if (!m) fail("not one `export const NAME: type = value;` on one line");
    const [, name, type, expr] = m!;
    if (!TYPE_BITS[type]) fail(`type ${type} is not an integer type`);
    const v = VALUE.exec(expr);
    if (!v) fail(`value \`${expr}\` is not a literal or a shift of literals`);
    const [, cast, base, shift] = v!;
    if (cast && !TYPE_BITS[cast]) fail(`cast <${cast}> is not to an integer type`);
    let value = literal(base);
    if (shift !== undefined) {
      const n = literal(shift);
      const bits = BigInt(TYPE_BITS[cast ?? type].bits);
      if (n >= bits) fail(`a shift by ${n} in a ${bits}-bit type`);
      value <<= n;
    }
    if (cast && value > maxOf(cast)) fail(`${value} does not fit in ${cast}`);
    if (value > maxOf(type)) fail(`${value} does not fit in ${type}`);
    if (seen.has(name)) fail(`${name} is already defined on line ${seen.get(name)}`);
    seen.set(name, i + 1);
    out.push({ name, type, value, line: i + 1 });
  });
  return out;
}

export interface ParsedSource {
  source: LayoutSource;
  consts: LayoutConst[];
}

// The table's own name for a constant: the kernel's name without `strip`.
function keyOf(s: LayoutSource, c: LayoutConst): string {
  if (s.strip && c.name.startsWith(s.strip)) return c.name.slice(s.strip.length);
  if (s.stripRequired) {
    throw new LayoutError(`${s.file}:${c.line}: ${c.name}: every name in this layout table must start with ${s.strip}`);
  }
  return c.name;
}

// The exit frame must be what the trampolines assume: sixteen 8-byte slots
// in x86 register order, no more than FRAME_BYTES.
function checkFrame(p: ParsedSource): void {
  const { file } = p.source;
  const bytes = p.consts.find((c) => c.name === "FRAME_BYTES");
  if (!bytes) throw new LayoutError(`${file}: no FRAME_BYTES`);
  const want = ["RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"];
  want.forEach((reg, i) => {
    const c = p.consts.find((k) => k.name === reg);
    if (!c) throw new LayoutError(`${file}: no slot for ${reg}`);
    if (c.value !== BigInt(i)) throw new LayoutError(`${file}:${c.line}: ${reg} must be slot ${i} (x86 register encoding), not ${c.value}`);
  });
  if (bytes.value < BigInt(want.length * 8)) {
    throw new LayoutError(`${file}:${bytes.line}: FRAME_BYTES ${bytes.value} is less than ${want.length} slots of 8 bytes`);
  }
}

function check(p: ParsedSource): void {
  if (p.consts.length === 0) throw new LayoutError(`${p.source.file}: no \`export const\` layout lines`);
  for (const c of p.consts) {
    keyOf(p.source, c);
    if (!p.source.bigint && (c.type === "u64" || c.type === "i64")) {
      throw new LayoutError(`${p.source.file}:${c.line}: ${c.name} is ${c.type}, but the ${p.source.table} table holds numbers`);
    }
  }
  if (p.source.table === "FRAME") checkFrame(p);
}

export function parseSource(source: LayoutSource, text: string): ParsedSource {
  const p = { source, consts: parseLayout(text, source.file) };
  check(p);
  return p;
}

export function readSources(root: string = ROOT): ParsedSource[] {
  return LAYOUT_SOURCES.map((s) => {
    const file = path.join(root, s.file);
    if (!fs.existsSync(file)) throw new LayoutError(`${s.file}: layout source not found`);
    return parseSource(s, fs.readFileSync(file, "utf8"));
  });
}

// The kernel sources the header is generated from.
export function layoutInputs(root: string = ROOT): string[] {
  return LAYOUT_SOURCES.map((s) => path.join(root, s.file));
}

// Part of the layout stage's stamp: bump LAYOUT_FORMAT when the header's form
// changes (test/unit/layout.test.ts fails on a header the build left stale).
export const LAYOUT_FORMAT = "layout.h 1 " + JSON.stringify(LAYOUT_SOURCES);

export interface LayoutDefine { name: string; value: bigint; text: string }

export function layoutDefines(p: ParsedSource): LayoutDefine[] {
  const s = p.source;
  return p.consts.map((c) => {
    const value = s.cValue ? s.cValue(c) : c.value;
    return { name: s.cPrefix + keyOf(s, c), value, text: s.hex ? "0x" + value.toString(16) : value.toString() };
  });
}

// build/generated/layout.h: plain #defines, no C-only syntax (no casts or
// suffixes), so that the assembler's preprocessor can use them too.
export function layoutHeader(sources: ParsedSource[]): string {
  const lines = [
    "/*",
    " * Generated by tools/builder/layout.ts from the kernel's layout tables; not",
    " * committed. Change the AssemblyScript file named above a block, not this.",
    " */",
    "#ifndef TSVISOR_LAYOUT_H",
    "#define TSVISOR_LAYOUT_H",
  ];
  const defined = new Set<string>();
  for (const p of sources) {
    const defs = layoutDefines(p);
    const width = Math.max(...defs.map((d) => d.name.length));
    lines.push("", `/* ${p.source.file}: ${p.source.what} */`);
    for (const d of defs) {
      if (defined.has(d.name)) throw new LayoutError(`${p.source.file}: #define ${d.name} is generated twice`);
      defined.add(d.name);
      lines.push(`#define ${d.name.padEnd(width)} ${d.text}`);
    }
  }
  lines.push("", "#endif", "");
  return lines.join("\n");
}

export type Table<T> = Readonly<Record<string, T>>;

export interface Layout {
  VMCS: Table<number>;      // field encodings, by SDM name: layout.VMCS.GUEST_RIP
  VMCB: Table<number>;      // offsets and intercept bits, by APM name: layout.VMCB.EXITCODE
  VMX_EXIT: Table<number>;  // basic exit reasons without VMX_EXIT_: layout.VMX_EXIT.CPUID
  SVM_EXIT: Table<bigint>;  // exit codes without VMEXIT_: layout.SVM_EXIT.IOIO
  FRAME: Table<number>;     // GPR slot indices and BYTES: layout.FRAME.RCX, layout.FRAME.BYTES
}

// A table refuses a name its kernel source does not define, so that a test's
// typo is an error rather than `undefined`.
const sourceOf = new WeakMap<object, LayoutSource>();

function strictTable<T>(s: LayoutSource, entries: Record<string, T>): Table<T> {
  const t = new Proxy(Object.freeze({ ...entries }), {
    get(target, key, receiver) {
      if (typeof key === "string" && /^[A-Z][A-Z0-9_]*$/.test(key) && !(key in target)) {
        throw new LayoutError(`${s.file} defines no ${s.strip}${key} (layout.${s.table}.${key})`);
      }
      return Reflect.get(target, key, receiver);
    },
  });
  sourceOf.set(t, s);
  return t;
}

// A table with more names (e.g. a test's short names for kernel ones), as strict.
export function extendTable<T, E extends Record<string, T>>(t: Table<T>, extra: E): Table<T> & Readonly<E> {
  const s = sourceOf.get(t);
  if (!s) throw new LayoutError("extendTable: not a layout table");
  return strictTable(s, { ...t, ...extra }) as Table<T> & Readonly<E>;
}

export function layoutTables(sources: ParsedSource[]): Layout {
  const out = {} as Record<TableName, Table<number | bigint>>;
  for (const p of sources) {
    const entries: Record<string, number | bigint> = {};
    for (const c of p.consts) entries[keyOf(p.source, c)] = p.source.bigint ? c.value : Number(c.value);
    out[p.source.table] = strictTable(p.source, entries);
  }
  return out as unknown as Layout;
}

let loaded: Layout | null = null;
const table = <K extends TableName>(k: K): Layout[K] => (loaded ??= layoutTables(readSources()))[k];

// The repository's layout, read from the kernel sources on first use.
export const layout: Layout = {
  get VMCS() { return table("VMCS"); },
  get VMCB() { return table("VMCB"); },
  get VMX_EXIT() { return table("VMX_EXIT"); },
  get SVM_EXIT() { return table("SVM_EXIT"); },
  get FRAME() { return table("FRAME"); },
};
