// The MMIO instruction decoder (kernel/vm/mmio/decode.ts) on the shipped
// core.wasm, through its test probe (kernel/probes-mmio.ts): a table of
// encodings, each with the record the decoder must make of it in the given
// code size. Expected values are read off the encodings as the Intel SDM
// Vol. 2A gives them: prefixes and REX §2.1.1 and §2.2.1, ModRM/SIB Tables
// 2-1 (16-bit addressing), 2-2 and 2-3 (32/64-bit), RIP-relative §2.2.1.6,
// operand/address size Vol. 1 Table 3-4; opcodes from Vol. 2B/2D (MOV
// 88-8B C6 C7 A0-A3, MOVZX/MOVSX 0F B6-BF, MOVSXD 63, group 1 80-83, TEST
// 84 85 F6 F7, BT* 0F A3-BB BA, XCHG 86 87, STOS AA AB, MOVS A4 A5).
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { instantiate } from "../sim/core.js";
import { SimHal } from "../sim/hal.js";
import { skylakeX } from "../sim/cpu-profiles.js";
import { parseLayout } from "../../tools/builder/layout.js";

const root = path.resolve(__dirname, "../..");
const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

// Field numbers as the probe declares them; Op names in the order insn.ts declares them.
const FIELD = Object.fromEntries(
  parseLayout(read("kernel/probes-mmio.ts"), "kernel/probes-mmio.ts").map((c) => [c.name.replace(/^FIELD_/, ""), Number(c.value)]),
);
const OPS = /export enum Op \{([^}]*)\}/.exec(read("kernel/vm/mmio/insn.ts"))![1]
  .split("\n").map((l) => l.replace(/\/\/.*/, "").trim().replace(/,$/, "")).filter((l) => l !== "");

interface Probe {
  memory: WebAssembly.Memory;
  mmioProbeBytes(): number;
  mmioProbeDecode(n: number, codeBits: number): number;
  mmioProbeField(field: number): bigint;
}
const core = instantiate(new SimHal(skylakeX)) as unknown as Probe;

type Expected = Partial<Record<string, number | bigint | string>>;
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
const hexBytes = (s: string) => s.split(/\s+/).filter((b) => b !== "").map((b) => parseInt(b, 16));
const sx32 = (v: number) => BigInt.asIntN(32, BigInt(v));

// Decode the bytes; the record's fields as the test names them, or null if they did not decode.
function decode(bytes: number[], codeBits: number): Record<string, bigint | string> | null {
  new Uint8Array(core.memory.buffer, core.mmioProbeBytes(), 16).set(bytes);
  if (core.mmioProbeDecode(bytes.length, codeBits) === 0) return null;
  const out: Record<string, bigint | string> = {};
  for (const [name, id] of Object.entries(FIELD)) out[name] = core.mmioProbeField(id);
  out.OP = OPS[Number(out.OP)];
  return out;
}

function check(bits: number, bytes: string, want: Expected) {
  const got = decode(hexBytes(bytes), bits);
  expect(got, "did not decode").not.toBeNull();
  for (const [k, v] of Object.entries(want)) {
    expect(got![snake(k)], k).toBe(typeof v === "number" ? BigInt(v) : v);
  }
}

// Register numbers as x86 encodes them (SDM Vol. 2A Table 2-2); -1: none.
const [RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI] = [0, 1, 2, 3, 4, 5, 6, 7];
const AH = 4;
const NONE = -1;

describe("64-bit mode", () => {
  it.each<[string, string, Expected]>([
    ["MOV eax, [rip+disp32]", "8b 05 78 56 34 12", {
      length: 6, op: "MovFromMem", operandSize: 4, addressSize: 8, memSize: 4, register: RAX, regSize: 4,
      mod: 0, regField: 0, rm: 5, ripRelative: 1, base: NONE, index: NONE, disp: 0x12345678, dispBytes: 4 }],
    ["REX.W MOV rax, [rip-16]", "48 8b 05 f0 ff ff ff", {
      length: 7, operandSize: 8, memSize: 8, rex: 0x48, disp: -16, ripRelative: 1 }],
    ["MOV byte [rip+0x10], imm8: the immediate follows the RIP-relative disp32", "c6 05 10 00 00 00 ab", {
      length: 7, op: "MovImm", memSize: 1, ripRelative: 1, disp: 0x10, imm: -0x55, immBytes: 1, register: NONE }],
    ["MOV [rax], ebx", "89 18", {
      length: 2, op: "MovToMem", register: RBX, regSize: 4, mod: 0, regField: 3, rm: 0, base: RAX, index: NONE, dispBytes: 0 }],
    ["REX.R MOV [rsp+8], r8d: SIB with base RSP, no index", "44 89 44 24 08", {
      length: 5, register: 8, regField: 8, mod: 1, hasSib: 1, scale: 1, index: NONE, base: RSP, disp: 8, dispBytes: 1, rex: 0x44 }],
    ["REX.X MOV eax, [r12*4+0x1000]: SIB without a base", "42 8b 04 a5 00 10 00 00", {
      length: 8, hasSib: 1, scale: 4, index: 12, base: NONE, disp: 0x1000, dispBytes: 4, ripRelative: 0 }],
    ["REX.B MOV eax, [r12]: r/m 100 is still a SIB", "41 8b 04 24", { length: 4, hasSib: 1, base: 12, index: NONE, rm: 12 }],
    ["REX.B MOV eax, [r13+0]: r13 as a base needs a disp8", "41 8b 45 00", { length: 4, base: 13, mod: 1, disp: 0, dispBytes: 1, hasSib: 0 }],
    ["REX.B with mod 00 r/m 101: still RIP-relative", "41 8b 05 00 01 00 00", { length: 7, ripRelative: 1, base: NONE, disp: 0x100 }],
    ["MOV [rip+0], ah: byte register 4 without REX is AH", "88 25 00 00 00 00", { length: 6, register: AH, regSize: 1, memSize: 1 }],
    ["MOV [rax], sil: with a REX, byte register 6 is SIL", "40 88 30", { length: 3, register: RSI, regSize: 1, rex: 0x40 }],
    ["66 MOV [rax], cx", "66 89 08", { length: 3, operandSize: 2, memSize: 2, register: RCX, regSize: 2 }],
    ["66 REX.W: REX.W wins", "66 48 89 08", { length: 4, operandSize: 8, memSize: 8, rex: 0x48 }],
    ["REX before 66: the REX is ignored", "48 66 89 08", { length: 4, operandSize: 2, rex: 0 }],
    ["MOV dword [rax], imm32", "c7 00 78 56 34 12", { length: 6, op: "MovImm", imm: 0x12345678, immBytes: 4, memSize: 4 }],
    ["REX.W MOV qword [rax+8], imm32 sign-extended", "48 c7 40 08 ff ff ff ff", {
      length: 8, imm: -1, immBytes: 4, memSize: 8, disp: 8, dispBytes: 1 }],
    ["66 MOV word [rax], imm16", "66 c7 00 34 12", { length: 5, imm: 0x1234, immBytes: 2, memSize: 2 }],
    ["MOV eax, moffs: an 8-byte offset (A1)", "a1 10 00 00 d0 00 00 00 00", {
      length: 9, op: "MovFromMem", hasModrm: 0, disp: 0xd0000010, dispBytes: 8, register: RAX, regSize: 4, memSize: 4 }],
    ["67 MOV eax, moffs: a 4-byte offset", "67 a1 10 00 00 d0", { length: 6, addressSize: 4, disp: 0xd0000010, dispBytes: 4 }],
    ["REX.W MOV moffs, rax (A3)", "48 a3 88 77 66 55 44 33 22 11", {
      length: 10, op: "MovToMem", operandSize: 8, disp: 0x1122334455667788n, register: RAX, regSize: 8 }],
    ["MOV al, moffs (A0)", "a0 00 00 00 d0 00 00 00 00", { length: 9, memSize: 1, regSize: 1, register: RAX }],
    ["MOVZX eax, byte [rax]", "0f b6 00", { length: 3, op: "MovZx", opcode: 0x0fb6, memSize: 1, regSize: 4 }],
    ["REX.W MOVZX rcx, word [rax+2]", "48 0f b7 48 02", { length: 5, memSize: 2, regSize: 8, register: RCX, disp: 2 }],
    ["MOVSX edx, byte [rax-1]", "0f be 50 ff", { length: 4, op: "MovSx", register: RDX, disp: -1, memSize: 1, regSize: 4 }],
    ["MOVSX eax, word [rax]", "0f bf 00", { length: 3, op: "MovSx", memSize: 2, regSize: 4 }],
    ["REX.W MOVSXD rcx, dword [rax]", "48 63 08", { length: 3, op: "MovSx", memSize: 4, regSize: 8, register: RCX }],
    ["OR dword [rax+4], imm32 (81 /1)", "81 48 04 00 00 00 80", {
      length: 7, op: "Alu", sub: 1, imm: -0x80000000, immBytes: 4, memIsDest: 1, register: NONE, regField: 1, disp: 4 }],
    ["AND dword [rax+0x10], -2 (83 /4 ib)", "83 60 10 fe", { length: 4, sub: 4, imm: -2, immBytes: 1, memSize: 4 }],
    ["CMP byte [rax], 5 (80 /7 ib)", "80 38 05", { length: 3, sub: 7, memSize: 1, imm: 5 }],
    ["ADD [rax], ecx (01)", "01 08", { length: 2, op: "Alu", sub: 0, memIsDest: 1, register: RCX }],
    ["OR ecx, [rax] (0B)", "0b 08", { length: 2, sub: 1, memIsDest: 0, register: RCX }],
    ["REX.W SUB rcx, [rax+8] (2B)", "48 2b 48 08", { length: 4, sub: 5, memIsDest: 0, memSize: 8 }],
    ["XOR [rax], dl (30)", "30 10", { length: 2, sub: 6, memSize: 1, register: RDX, regSize: 1 }],
    ["ADC [rax], cl (10)", "10 08", { length: 2, sub: 2 }],
    ["SBB [rax], ecx (19)", "19 08", { length: 2, sub: 3 }],
    ["AND eax, [rax] (23)", "23 00", { length: 2, sub: 4, memIsDest: 0 }],
    ["CMP [rax], ecx (39)", "39 08", { length: 2, sub: 7, memIsDest: 1 }],
    ["TEST [rax], ecx (85)", "85 08", { length: 2, op: "Test", register: RCX }],
    ["TEST dword [rax], imm32 (F7 /0)", "f7 00 00 00 01 00", { length: 6, op: "Test", imm: 0x10000, immBytes: 4 }],
    ["TEST byte [rax+1], 0x80 (F6 /0)", "f6 40 01 80", { length: 4, imm: -128, memSize: 1 }],
    ["XCHG [rax], ecx (87)", "87 08", { length: 2, op: "Xchg", register: RCX, regSize: 4 }],
    ["XCHG [rax], ah (86)", "86 20", { length: 2, register: AH, regSize: 1 }],
    ["LOCK BTS [rax], ecx (0F AB)", "f0 0f ab 08", { length: 4, op: "Bt", sub: 1, lock: 1, register: RCX, opcode: 0x0fab }],
    ["BT [rax], ecx (0F A3)", "0f a3 08", { length: 3, sub: 0 }],
    ["BTR [rax], ecx (0F B3)", "0f b3 08", { length: 3, sub: 2 }],
    ["BTC [rax], ecx (0F BB)", "0f bb 08", { length: 3, sub: 3 }],
    ["BT dword [rax], 5 (0F BA /4 ib)", "0f ba 20 05", { length: 4, op: "Bt", sub: 0, imm: 5, register: NONE }],
    ["REX.W BTC qword [rax], 63 (0F BA /7 ib)", "48 0f ba 38 3f", { length: 5, sub: 3, imm: 63, memSize: 8 }],
    ["GS MOV rax, [0x28]: SIB with neither base nor index is absolute, not RIP-relative", "65 48 8b 04 25 28 00 00 00", {
      length: 9, segment: 5, hasSib: 1, base: NONE, index: NONE, ripRelative: 0, disp: 0x28 }],
    ["MOV [rax+rbx*8+disp32], eax (mod 10, SIB)", "89 84 d8 78 56 34 12", {
      length: 7, mod: 2, hasSib: 1, scale: 8, index: RBX, base: RAX, disp: 0x12345678, dispBytes: 4 }],
    ["REP STOSQ", "f3 48 ab", { length: 3, op: "Stos", rep: 0xf3, memSize: 8, register: RAX }],
    ["REP MOVSB", "f3 a4", { length: 2, op: "Movs", memSize: 1, register: NONE }],
    ["67: 32-bit addressing, MOV eax, [esp]", "67 8b 04 24", { length: 4, addressSize: 4, base: RSP }],
    ["DS override: recorded, whatever 64-bit mode makes of it", "3e 8b 00", { length: 3, segment: 3 }],
    ["13 prefixes: exactly 15 bytes", "66 66 66 66 66 66 66 66 66 66 66 66 66 89 08", { length: 15, operandSize: 2 }],
  ])("%s: %s", (_name, bytes, want) => check(64, bytes, want));
});

describe("32-bit code", () => {
  it.each<[string, string, Expected]>([
    ["MOV ecx, [disp32]: mod 00 r/m 101 is absolute outside 64-bit mode", "8b 0d 10 00 00 d0", {
      length: 6, ripRelative: 0, base: NONE, register: RCX, disp: sx32(0xd0000010), dispBytes: 4, operandSize: 4, addressSize: 4 }],
    ["66 MOV [disp32], cx", "66 89 0d 10 00 00 d0", { length: 7, operandSize: 2, memSize: 2 }],
    ["MOV eax, moffs32", "a1 10 00 00 d0", { length: 5, disp: 0xd0000010, dispBytes: 4 }],
    ["67 MOV eax, moffs16", "67 a1 10 00", { length: 4, addressSize: 2, disp: 0x10, dispBytes: 2 }],
    ["67: 16-bit addressing, MOV eax, [bx+2]", "67 8b 47 02", { length: 4, addressSize: 2, base: RBX, index: NONE, disp: 2 }],
    ["MOV eax, [ecx*4+disp32]", "8b 04 8d 00 00 00 d0", { length: 7, hasSib: 1, scale: 4, index: RCX, base: NONE }],
    ["MOV eax, [esp-4]", "8b 44 24 fc", { length: 4, base: RSP, disp: -4 }],
    ["MOV dword [disp32], imm32", "c7 05 00 00 00 d0 78 56 34 12", { length: 10, imm: 0x12345678 }],
    ["REP MOVSD", "f3 a5", { length: 2, op: "Movs", memSize: 4, rep: 0xf3 }],
  ])("%s: %s", (_name, bytes, want) => check(32, bytes, want));
});

describe("16-bit code (real mode)", () => {
  it.each<[string, string, Expected]>([
    ["MOV ax, [bx]", "8b 07", { length: 2, operandSize: 2, addressSize: 2, base: RBX, index: NONE, register: RAX, regSize: 2 }],
    ["MOV ax, [bx+si]", "8b 00", { length: 2, base: RBX, index: RSI }],
    ["MOV ax, [bp+di]", "8b 03", { length: 2, base: RBP, index: RDI }],
    ["MOV ax, [bp-2]: mod 01 r/m 110 is BP", "8b 46 fe", { length: 3, base: RBP, disp: -2, dispBytes: 1 }],
    ["MOV cx, [disp16]: mod 00 r/m 110 is a bare disp16", "8b 0e 34 12", {
      length: 4, base: NONE, index: NONE, disp: 0x1234, dispBytes: 2, register: RCX }],
    ["MOV ax, [bx+di+disp16], sign-extended", "8b 81 00 80", { length: 4, base: RBX, index: RDI, disp: -0x8000, dispBytes: 2 }],
    ["66 MOV eax, [bx]", "66 8b 07", { length: 3, operandSize: 4, memSize: 4 }],
    ["67 66 MOV eax, [ecx*4+disp32]", "67 66 8b 04 8d 00 00 00 d0", {
      length: 9, addressSize: 4, operandSize: 4, hasSib: 1, scale: 4, index: RCX }],
    ["MOV ax, moffs16", "a1 34 12", { length: 3, disp: 0x1234, dispBytes: 2 }],
    ["67 MOV ax, moffs32", "67 a1 10 00 00 d0", { length: 6, dispBytes: 4, disp: 0xd0000010 }],
    ["ES MOV [bx], ah", "26 88 27", { length: 3, segment: 0, register: AH, regSize: 1 }],
    ["MOV word [disp16], imm16", "c7 06 00 10 34 12", { length: 6, imm: 0x1234, immBytes: 2, disp: 0x1000 }],
    ["66 MOV dword [disp16], imm32", "66 c7 06 00 10 78 56 34 12", { length: 9, imm: 0x12345678, immBytes: 4 }],
    ["MOVZX ax, byte [bx]", "0f b6 07", { length: 3, op: "MovZx", regSize: 2, memSize: 1 }],
    ["OR word [disp16], 1 (83 /1)", "83 0e 00 10 01", { length: 5, sub: 1, imm: 1 }],
    ["REP STOSB", "f3 aa", { length: 2, op: "Stos", memSize: 1, regSize: 1 }],
  ])("%s: %s", (_name, bytes, want) => check(16, bytes, want));
});

describe("what does not decode", () => {
  it.each<[string, number, string]>([
    ["UD2", 64, "0f 0b"],
    ["a register operand (mod 11): no memory access", 64, "89 c8"],
    ["INC [rax] (FF /0): not in the table", 64, "ff 00"],
    ["NEG [rax] (F7 /3)", 64, "f7 18"],
    ["C7 /1", 64, "c7 08 00 00 00 00"],
    ["F6 /1", 64, "f6 08 00"],
    ["0F BA /0", 64, "0f ba 00 05"],
    ["a VEX prefix", 64, "c4 e2 79 18 00"],
    ["cut short in the displacement", 64, "8b 05 78 56"],
    ["cut short in the immediate", 64, "c7 00 78 56 34"],
    ["cut short after 0F", 64, "0f"],
    ["nothing at all", 64, ""],
    ["prefixes only", 64, "66 67"],
    ["16 bytes: past the 15-byte limit", 64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 08"],
    ["40 is INC eAX outside 64-bit mode", 32, "40 89 08"],
    ["63 is ARPL outside 64-bit mode", 32, "63 08"],
  ])("%s (%i-bit): %s", (_name, bits, bytes) => {
    expect(decode(hexBytes(bytes), bits)).toBeNull();
  });
});
