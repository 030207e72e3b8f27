// The ACPI tables (kernel/firmware/acpi-tables.ts) as an OS finds them in
// guest RAM: the RSDP at the start of the EBDA, both its checksums, the
// XSDT and RSDT, the FADT (ACPI 6.4 §5.2.9, Table 5.9), FACS, MADT
// (§5.2.12) and DSDT, parsed here from the bytes with the offsets of the
// spec's tables, not the kernel's names. Then iasl, ACPICA's own compiler
// and disassembler, reads the very same bytes.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildTables } from "../sim/acpi-probe.js";

const EBDA = 0x9f000;

interface Table { sig: string; addr: number; length: number; revision: number; bytes: Uint8Array; view: DataView }

function parse(ram: Uint8Array) {
  const view = new DataView(ram.buffer);
  const ascii = (at: number, n: number) => String.fromCharCode(...ram.subarray(at, at + n));
  const sum = (at: number, n: number) => ram.subarray(at, at + n).reduce((a, b) => a + b, 0) & 0xff;
  const table = (addr: number | bigint): Table => {
    const a = Number(addr);
    const length = view.getUint32(a + 4, true);
    const bytes = ram.slice(a, a + length);
    return { sig: ascii(a, 4), addr: a, length, revision: ram[a + 8], bytes, view: new DataView(bytes.buffer) };
  };
  return { view, ascii, sum, table };
}

// Interrupt controller structures after the MADT's 44 fixed bytes (§5.2.12).
function madtEntries(madt: Table) {
  const out: { type: number; len: number; at: number }[] = [];
  for (let at = 44; at < madt.length; at += madt.bytes[at + 1]) out.push({ type: madt.bytes[at], len: madt.bytes[at + 1], at });
  return out;
}

describe("the tables in the EBDA (cpus = 1)", () => {
  const { rsdp, ram } = buildTables();
  const { view, ascii, sum, table } = parse(ram);

  it("returns the RSDP's address: the start of the EBDA block", () => {
    expect(rsdp).toBe(BigInt(EBDA));
  });

  it("RSDP: signature, revision 2, length 36, both checksums (§5.2.5.3)", () => {
    expect(ascii(EBDA, 8)).toBe("RSD PTR ");
    expect(ram[EBDA + 15]).toBe(2);
    expect(view.getUint32(EBDA + 20, true)).toBe(36);
    expect(sum(EBDA, 20)).toBe(0);
    expect(sum(EBDA, 36)).toBe(0);
    expect(ascii(EBDA + 9, 6)).toBe("TSVISR");
  });

  const xsdt = table(view.getBigUint64(EBDA + 24, true));
  const rsdt = table(view.getUint32(EBDA + 16, true));
  const xEntries = Array.from({ length: (xsdt.length - 36) / 8 }, (_, i) => Number(xsdt.view.getBigUint64(36 + i * 8, true)));
  const rEntries = Array.from({ length: (rsdt.length - 36) / 4 }, (_, i) => rsdt.view.getUint32(36 + i * 4, true));
  const bySig = new Map(xEntries.map((a) => [table(a).sig, table(a)]));
  const fadt = bySig.get("FACP")!;
  const madt = bySig.get("APIC")!;
  const dsdt = table(fadt.view.getBigUint64(140, true));

  it("iasl is there to ask (a missing one is a set-up failure, not a reason to skip)", () => {
    expect(iasl.status, `iasl -v: ${iasl.error ?? iasl.stderr}`).toBe(0);
  });
  const facsAddr = Number(fadt.view.getBigUint64(132, true));
  const all = [xsdt, rsdt, fadt, madt, dsdt];

  it("XSDT and RSDT list the FADT and MADT, the same tables", () => {
    expect(xsdt.sig).toBe("XSDT");
    expect(rsdt.sig).toBe("RSDT");
    expect([...bySig.keys()].sort()).toEqual(["APIC", "FACP"]);
    expect(rEntries).toEqual(xEntries);
  });

  it("every table sums to 0, carries the OEM ID, and lies inside the 4 KiB block", () => {
    for (const t of all) {
      expect(t.bytes.reduce((a, b) => a + b, 0) & 0xff, t.sig).toBe(0);
      expect(ascii(t.addr + 10, 6), t.sig).toBe("TSVISR");
      expect(t.addr, t.sig).toBeGreaterThanOrEqual(EBDA);
      expect(t.addr + t.length, t.sig).toBeLessThanOrEqual(EBDA + 0x1000);
      expect(t.addr % 16, t.sig).toBe(0);
    }
    expect(facsAddr + 64).toBeLessThanOrEqual(EBDA + 0x1000);
  });

  it("FADT: revision 6, 276 bytes; 32- and 64-bit pointers to the FACS and DSDT agree", () => {
    expect([fadt.revision, fadt.length]).toEqual([6, 276]);
    expect(fadt.view.getUint32(36, true)).toBe(facsAddr);
    expect(fadt.view.getUint32(40, true)).toBe(dsdt.addr);
    expect(dsdt.sig).toBe("DSDT");
    expect(dsdt.revision).toBe(2);
  });

  it("FACS: 64 bytes on a 64-byte boundary (§5.2.10)", () => {
    expect(facsAddr % 64).toBe(0);
    expect(ascii(facsAddr, 4)).toBe("FACS");
    expect(view.getUint32(facsAddr + 4, true)).toBe(64);
  });

  it("FADT: SCI 9, no SMI command port, the PM blocks at 0x600/0x604/0x608, no GPE block", () => {
    const f = fadt.view;
    expect(f.getUint16(46, true)).toBe(9);                 // SCI_INT
    expect(f.getUint32(48, true)).toBe(0);                 // SMI_CMD
    expect(f.getUint32(56, true)).toBe(0x600);             // PM1a_EVT_BLK
    expect(f.getUint32(60, true)).toBe(0);                 // PM1b_EVT_BLK
    expect(f.getUint32(64, true)).toBe(0x604);             // PM1a_CNT_BLK
    expect(f.getUint32(72, true)).toBe(0);                 // PM2_CNT_BLK
    expect(f.getUint32(76, true)).toBe(0x608);             // PM_TMR_BLK
    expect(f.getUint32(80, true)).toBe(0);                 // GPE0_BLK
    expect([f.getUint8(88), f.getUint8(89), f.getUint8(90), f.getUint8(91), f.getUint8(92)]).toEqual([4, 2, 0, 4, 0]);
    expect(f.getUint8(108)).toBe(0x32);                    // CENTURY: the CMOS index of the century
  });

  it("FADT: the X_ blocks as System I/O Generic Address Structures (§5.2.3.2)", () => {
    const gas = (at: number) => [fadt.bytes[at], fadt.bytes[at + 1], fadt.bytes[at + 2], fadt.bytes[at + 3], Number(fadt.view.getBigUint64(at + 4, true))];
    expect(gas(148)).toEqual([1, 32, 0, 2, 0x600]);        // X_PM1a_EVT_BLK
    expect(gas(172)).toEqual([1, 16, 0, 2, 0x604]);        // X_PM1a_CNT_BLK
    expect(gas(208)).toEqual([1, 32, 0, 3, 0x608]);        // X_PM_TMR_BLK
    for (const at of [160, 184, 196, 220, 232, 244, 256]) expect(gas(at), `GAS at ${at}`).toEqual([0, 0, 0, 0, 0]);
  });

  it("FADT: flags, reset register 0xCF9 ← 6, IA-PC boot flags (Tables 5.10, 5.11)", () => {
    const flags = fadt.view.getUint32(112, true);
    const bit = (n: number) => (flags >>> n) & 1;
    expect(bit(0)).toBe(1);   // WBINVD
    expect(bit(2)).toBe(1);   // PROC_C1
    expect(bit(4)).toBe(0);   // PWR_BUTTON clear: the fixed-feature power button
    expect(bit(5)).toBe(1);   // SLP_BUTTON set: no sleep button
    expect(bit(8)).toBe(1);   // TMR_VAL_EXT: a 32-bit PM timer
    expect(bit(10)).toBe(1);  // RESET_REG_SUP
    expect(bit(20)).toBe(0);  // HW_REDUCED_ACPI clear: a full PC platform
    expect([...fadt.bytes.subarray(116, 120)]).toEqual([1, 8, 0, 1]);
    expect(Number(fadt.view.getBigUint64(120, true))).toBe(0xcf9);
    expect(fadt.bytes[128]).toBe(0x06);
    expect(fadt.view.getUint16(109, true) & 0x3).toBe(0x3); // LEGACY_DEVICES | 8042
    expect(fadt.view.getUint16(96, true)).toBeGreaterThan(100);   // no C2
    expect(fadt.view.getUint16(98, true)).toBeGreaterThan(1000);  // no C3
  });

  it("MADT: local APIC at 0xFEE00000, PCAT_COMPAT, then the structures in order", () => {
    expect(madt.view.getUint32(36, true)).toBe(0xfee00000);
    expect(madt.view.getUint32(40, true)).toBe(1);
    expect(madtEntries(madt).map((e) => [e.type, e.len])).toEqual([[0, 8], [1, 12], [2, 10], [2, 10], [4, 6]]);
    const [lapic, ioapic, iso0, iso9, nmi] = madtEntries(madt).map((e) => e.at);
    const b = madt.bytes;
    const v = madt.view;
    expect([b[lapic + 2], b[lapic + 3], v.getUint32(lapic + 4, true)]).toEqual([0, 0, 1]);       // UID 0, APIC ID 0, enabled
    expect([b[ioapic + 2], v.getUint32(ioapic + 4, true), v.getUint32(ioapic + 8, true)]).toEqual([0, 0xfec00000, 0]);
    expect([b[iso0 + 2], b[iso0 + 3], v.getUint32(iso0 + 4, true), v.getUint16(iso0 + 8, true)]).toEqual([0, 0, 2, 0]);
    expect([b[iso9 + 2], b[iso9 + 3], v.getUint32(iso9 + 4, true), v.getUint16(iso9 + 8, true)]).toEqual([0, 9, 9, 0x0d]);
    expect([b[nmi + 2], v.getUint16(nmi + 3, true), b[nmi + 5]]).toEqual([0xff, 0, 1]);          // all processors, LINT1
  });

  it("the rest of guest RAM is untouched", () => {
    const end = Math.max(...all.map((t) => t.addr + t.length));
    expect(ram.subarray(0, EBDA).some((x) => x !== 0)).toBe(false);
    expect(ram.subarray(end).some((x) => x !== 0)).toBe(false);
  });
});

describe("the tables for several vCPUs, and refusals", () => {
  it("one enabled local APIC per vCPU, UID = APIC ID = index, and the checksum still 0", () => {
    const { ram } = buildTables(4);
    const { view, table } = parse(ram);
    const xsdt = table(view.getBigUint64(EBDA + 24, true));
    const madt = [0, 1].map((i) => table(xsdt.view.getBigUint64(36 + i * 8, true))).find((t) => t.sig === "APIC")!;
    const lapics = madtEntries(madt).filter((e) => e.type === 0);
    expect(lapics.map((e) => [madt.bytes[e.at + 2], madt.bytes[e.at + 3], madt.view.getUint32(e.at + 4, true)]))
      .toEqual([[0, 0, 1], [1, 1, 1], [2, 2, 1], [3, 3, 1]]);
    expect(madt.bytes.reduce((a, b) => a + b, 0) & 0xff).toBe(0);
  });

  it.each([
    ["no vCPU", 0, 0x9f000n, 0x1000],
    ["256 vCPUs (8-bit APIC IDs)", 256, 0x9f000n, 0x1000],
    ["a block too small", 1, 0x9f000n, 0x100],
    ["a block with room for all but the DSDT", 1, 0x9f000n, 0x2c0],
    ["an RSDP off a 16-byte boundary", 1, 0x9f008n, 0x1000],
    ["a block outside guest RAM", 1, 0xa0000n, 0x1000],
  ])("%s: 0, and nothing written", (_, cpus, base, bytes) => {
    const { rsdp, ram } = buildTables(cpus, base, bytes);
    expect(rsdp).toBe(0n);
    expect(ram.some((x) => x !== 0)).toBe(false);
  });

  it("255 vCPUs still fit in the 4 KiB block", () => {
    expect(buildTables(255).rsdp).toBe(BigInt(EBDA));
  });
});

// iasl -d: ACPICA's disassembler on the bytes, as files like acpidump's.
const iasl = spawnSync("iasl", ["-v"], { encoding: "utf8" });

describe("iasl (acpica-tools: tools/setup/ensure-deps.sh installs it) reads the tables", () => {
  const { ram } = buildTables();
  const { view, table } = parse(ram);
  const xsdt = table(view.getBigUint64(EBDA + 24, true));
  const tables = [0, 1].map((i) => table(xsdt.view.getBigUint64(36 + i * 8, true)));
  const fadt = tables.find((t) => t.sig === "FACP")!;
  const dsdt = table(fadt.view.getBigUint64(140, true));

  // iasl -d on the table's bytes; with `recompile`, iasl then compiles its
  // own disassembly back to AML.
  function disassemble(t: Table, recompile = false): { out: string; dsl: string; aml?: Uint8Array; compiled?: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsvisor-acpi-"));
    try {
      const file = path.join(dir, `${t.sig.toLowerCase()}.dat`);
      fs.writeFileSync(file, t.bytes);
      const r = spawnSync("iasl", ["-d", file], { cwd: dir, encoding: "utf8" });
      const out = `${r.stdout}${r.stderr}`;
      expect(r.status, out).toBe(0);
      const dslFile = file.replace(/\.dat$/, ".dsl");
      const dsl = fs.readFileSync(dslFile, "utf8");
      if (!recompile) return { out, dsl };
      const c = spawnSync("iasl", ["-p", path.join(dir, "again"), dslFile], { cwd: dir, encoding: "utf8" });
      const compiled = `${c.stdout}${c.stderr}`;
      expect(c.status, compiled).toBe(0);
      return { out, dsl, aml: fs.readFileSync(path.join(dir, "again.aml")), compiled };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it("DSDT: disassembles without errors, with \\_S5 {5, 5, 0, 0} and \\_SB.PCI0 as PNP0A03", () => {
    const { out, dsl } = disassemble(dsdt);
    expect(out).not.toMatch(/error|warning/i);
    // The ASL without iasl's comments, blanks squeezed: "WordIO (a, b, ...)" reads as one line.
    const asl = dsl.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "").replace(/\s+/g, " ");
    expect(asl).toContain("Name (_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })");
    expect(asl).toContain('Scope (_SB) { Device (PCI0) { Name (_HID, EisaId ("PNP0A03")');
    for (const n of ["_ADR", "_UID", "_SEG", "_BBN"]) expect(asl).toContain(`Name (${n}, Zero)`);
    expect(asl).toContain("WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0x0000, 0x0000, 0x00FF, 0x0000, 0x0100,");
    expect(asl).toContain("IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08, )");
    expect(asl).toContain("WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8,");
    expect(asl).toContain("WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300,");
    expect(asl).toContain("DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite, " +
      "0x00000000, 0xC0000000, 0xFEBFFFFF, 0x00000000, 0x3EC00000,");
  });

  it("DSDT: iasl compiles its disassembly back to the very same AML", () => {
    const { aml, compiled } = disassemble(dsdt, true);
    // One warning, and only it: PCI0 has both _HID and _ADR, which ACPI 6.4
    // §6.1 says a device "should not" have; QEMU's PCI0 has both too, and
    // Linux reads the _HID.
    expect(compiled).toMatch(/0 Errors, 1 Warnings/);
    expect(compiled).toMatch(/Warning\s+3073 .*requires either a _HID or _ADR, but not both/);
    // The header differs (iasl's creator ID, and so the checksum); the definition block does not.
    expect(Buffer.from(aml!.subarray(36)).toString("hex")).toBe(Buffer.from(dsdt.bytes.subarray(36)).toString("hex"));
  });

  it("FADT: disassembles without errors; iasl reads the PM blocks and flags as we meant them", () => {
    const { out, dsl } = disassemble(fadt);
    expect(out).not.toMatch(/error|warning/i);
    expect(dsl).not.toMatch(/incorrect|invalid/i);
    expect(dsl).toMatch(/PM1A Event Block Address : 00000600/);
    expect(dsl).toMatch(/PM Timer Block Address : 00000608/);
    expect(dsl).toMatch(/32-bit PM Timer \(V1\) : 1/);
    expect(dsl).toMatch(/Reset Register Supported \(V2\) : 1/);
    expect(dsl).toMatch(/Hardware Reduced \(V5\) : 0/);
  });

  it("MADT: disassembles without errors: one local APIC, the I/O APIC, two overrides, one LINT1 NMI", () => {
    const { out, dsl } = disassemble(tables.find((t) => t.sig === "APIC")!);
    expect(out).not.toMatch(/error|warning/i);
    expect(dsl).not.toMatch(/incorrect|invalid|unknown/i);
    expect(dsl.match(/Subtable Type : 00 \[Processor Local APIC\]/g)).toHaveLength(1);
    expect(dsl).toMatch(/Subtable Type : 01 \[I\/O APIC\]/);
    expect(dsl.match(/Subtable Type : 02 \[Interrupt Source Override\]/g)).toHaveLength(2);
    expect(dsl).toMatch(/Subtable Type : 04 \[Local APIC NMI\]/);
  });
});
