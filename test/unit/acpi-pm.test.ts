// The ACPI power-management registers at 0x600 (drivers/acpi-pm.ts; ACPI
// 6.4 §4.8.4): PM1_STS/PM1_EN at 0x600, PM1_CNT at 0x604, the PM timer at
// 0x608, as the FADT places them. First through real port-I/O exits on the
// simulated VT-x CPU (the timer against the simulated 2 GHz TSC, SCI_EN,
// soft off); then through the PM probe (kernel/probes-acpi.ts), which shows
// the SCI's level and presses the host's power button.
import { describe, expect, it } from "vitest";
import { runGuest, ioQual, R, outb, inb } from "../sim/scripted-vmx.js";
import { SimExit } from "../sim/hal.js";
import { runPm, pmRead, pmWrite, pmAdvance, pmPress, pmSci, pmStop, pmNow } from "../sim/acpi-probe.js";

const PM1_STS = 0x600;
const PM1_CNT = 0x604;
const PM_TMR = 0x608;
const SLP_EN = 1 << 13;
const slpTyp = (t: number) => t << 10;
const PM_HZ = 3_579_545n;
const TSC_HZ = 2_000_000_000n;

const io = (port: number, size: number, isIn: boolean, value = 0): SimExit =>
  ({ reason: R.IO, qualification: ioQual(port, size, isIn), instructionLength: 1, regs: { rax: BigInt(value) } });
const inw = (port: number) => io(port, 2, true);
const inl = (port: number) => io(port, 4, true);
const outw = (port: number, value: number) => io(port, 2, false, value);
const outl = (port: number, value: number) => io(port, 4, false, value);
const exitWith = (status: number) => outb(0xf4, status);
const after = (ticks: bigint, e: SimExit): SimExit => ({ ...e, tscAdvance: ticks });

// Run the exits; what each IN read (EAX after it), in order.
function reads(exits: SimExit[]) {
  const r = runGuest([...exits, exitWith(0)]);
  const values = exits.flatMap((e, i) => ((e.qualification ?? 0n) & 8n ? [Number(r.hal.entries[i + 1].regs.rax & 0xffffffffn)] : []));
  return { r, values };
}

describe("the PM timer (port-I/O exits)", () => {
  // The timer runs at 3.579545 MHz of the TSC rate the hypervisor
  // calibrated (CPUID 0x40000001 tells the guest: 2 GHz within the
  // calibration's grain, test/unit/cpuid-exit.test.ts). Each exit costs
  // the guest a few thousand TSC ticks more (the hypervisor's own TSC reads
  // move the simulated TSC): a few PM clocks of slack.
  const tscKhz: SimExit = { reason: R.CPUID, instructionLength: 2, regs: { rax: 0x40000001n, rcx: 0n } };

  it.each([
    ["1 s", TSC_HZ],
    ["10 ms", TSC_HZ / 100n],
    ["20 minutes, past the 32-bit wrap", TSC_HZ * 1200n],
  ])("advances at 3.579545 MHz of the TSC: %s", (_, ticks) => {
    const { r, values: [a, b] } = reads([tscKhz, inl(PM_TMR), after(ticks, inl(PM_TMR))]);
    const khz = r.hal.entries[1].regs.rax;
    expect(khz >= 2_000_000n && khz <= 2_000_200n).toBe(true);
    const expected = Number((ticks * PM_HZ / (khz * 1000n)) % (1n << 32n));
    const elapsed = (b - a) >>> 0;
    expect(elapsed).toBeGreaterThanOrEqual(expected);
    expect(elapsed).toBeLessThanOrEqual(expected + 40);
  });

  it("is 32 bits wide (the FADT's TMR_VAL_EXT) and read-only", () => {
    const { values: [a, b] } = reads([after(TSC_HZ * 600n, inl(PM_TMR)), outl(PM_TMR, 0), inl(PM_TMR)]);
    expect(a).toBeGreaterThan(0xffffff);   // 600 s is 2.1e9 clocks: past 24 bits
    expect(((b - a) >>> 0)).toBeLessThan(100);
  });
});

describe("PM1_CNT (port-I/O exits)", () => {
  it("SCI_EN reads 1, and stays 1 when written 0: always in ACPI mode", () => {
    const { values } = reads([inw(PM1_CNT), outw(PM1_CNT, 0), inw(PM1_CNT)]);
    expect(values.map((v) => v & 1)).toEqual([1, 1]);
  });

  it.each([
    ["a 16-bit write, as Linux does it (SLP_TYP first, then with SLP_EN)", [outw(PM1_CNT, slpTyp(5)), outw(PM1_CNT, slpTyp(5) | SLP_EN | 1)]],
    ["a 16-bit write with both at once", [outw(PM1_CNT, slpTyp(5) | SLP_EN)]],
    ["a byte write to the high byte (0x605)", [outb(PM1_CNT + 1, (slpTyp(5) | SLP_EN) >> 8)]],
    ["a 32-bit write", [outl(PM1_CNT, slpTyp(5) | SLP_EN)]],
  ])("SLP_TYP 5 (\\_S5) with SLP_EN powers the VM off, status 0: %s", (_, writes) => {
    const never: SimExit = { reason: R.CPUID, instructionLength: 2, regs: { rax: 0n, rcx: 0n } };
    const r = runGuest([...writes, never, exitWith(7)]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(r.poweredOff).toBe("success");
    // The VM was not entered again after the write.
    expect(r.hal.entries.length).toBe(writes.length);
    expect(r.hal.exits.length).toBe(2);
  });

  it.each([0, 1, 3, 4, 7])("SLP_TYP %i with SLP_EN is ignored: the VM runs on", (type) => {
    const { r, values } = reads([outw(PM1_CNT, slpTyp(type) | SLP_EN), inw(PM1_CNT), exitWith(3)]);
    // SLP_TYP reads back as written, SLP_EN (write-only) as 0, SCI_EN as 1.
    expect(values).toEqual([slpTyp(type) | 1]);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 3");
  });

  it("PM1_STS and PM1_EN read 0 after reset; the reserved ports 0x606 and 0x60C read 0", () => {
    const { values } = reads([inw(PM1_STS), inw(PM1_STS + 2), inw(0x606), inl(0x60c), inb(0x60f)]);
    expect(values.map((v, i) => (i === 4 ? v & 0xff : v))).toEqual([0, 0, 0, 0, 0]);
  });
});

describe("the PM registers through the probe", () => {
  it("the power button: PWRBTN_STS set; the SCI (IRQ 9) high only while PWRBTN_EN is set too; write 1 to clear", () => {
    const r = runPm([pmPress, pmRead(0, 2), pmSci,
      pmWrite(2, 2, 0x0100), pmSci, pmRead(2, 2),
      pmWrite(0, 2, 0x0100), pmRead(0, 2), pmSci,
      pmPress, pmSci, pmWrite(1, 1, 0x01), pmSci]);
    const [neverDriven, high, low] = [0xffffffffn << 1n, (9n << 1n) | 1n, 9n << 1n];
    expect(r).toEqual([0x100n, neverDriven, high, 0x100n, 0n, low, high, low]);
  });

  it("writing 0 to PM1_STS clears nothing; PM1_EN keeps only its defined bits", () => {
    const r = runPm([pmPress, pmWrite(0, 2, 0xfeff), pmRead(0, 2), pmWrite(2, 2, 0xffff), pmRead(2, 2)]);
    expect(r).toEqual([0x100n, 0x4721n]);
  });

  it("TMR_STS: set once the timer's bit 31 toggles (every 2^31 clocks, 600 s), cleared by writing 1", () => {
    const toggle = (1n << 31n) * TSC_HZ / PM_HZ + 1n;
    const r = runPm([pmRead(0, 2), pmAdvance(toggle / 2n), pmRead(0, 2), pmAdvance(toggle / 2n + 10n), pmRead(0, 2),
      pmWrite(0, 2, 1), pmRead(0, 2), pmAdvance(toggle / 2n), pmRead(0, 2), pmAdvance(toggle), pmRead(0, 2)]);
    expect(r.map((v) => v & 1n)).toEqual([0n, 0n, 1n, 0n, 0n, 1n]);
  });

  it("the timer is the guest TSC scaled exactly, with no overflow after a year of uptime", () => {
    const year = TSC_HZ * 86400n * 365n;
    const r = runPm([pmAdvance(year), pmNow, pmRead(8, 4), pmAdvance(TSC_HZ), pmRead(8, 4)]);
    const [now, t1, t2] = r;
    const expected = (now * PM_HZ / TSC_HZ) & 0xffffffffn;
    expect(((t1 - expected) & 0xffffffffn) <= 4n).toBe(true);
    expect(((t2 - t1) & 0xffffffffn) - PM_HZ <= 4n).toBe(true);
  });

  it("every access size at every offset: bytes of the registers, little-endian", () => {
    const r = runPm([pmWrite(2, 2, 0x0121), pmWrite(4, 2, slpTyp(2)),
      pmRead(0, 4), pmRead(2, 1), pmRead(3, 1), pmRead(4, 4), pmRead(5, 1), pmRead(6, 2),
      pmRead(8, 4), pmRead(11, 1), pmRead(12, 4)]);
    const [evt, en0, en1, cnt, cntHi, reserved, timer, timerTop, reserved2] = r;
    expect([evt, en0, en1, cnt, cntHi, reserved, reserved2]).toEqual([0x01210000n, 0x21n, 0x01n, BigInt(slpTyp(2) | 1), BigInt(slpTyp(2) >> 8), 0n, 0n]);
    expect(timerTop).toBe(timer >> 24n);
  });

  it("stands still at 0 while the TSC rate is unknown", () => {
    expect(runPm([pmRead(8, 4), pmAdvance(TSC_HZ), pmRead(8, 4)], 0)).toEqual([0n, 0n]);
  });

  it("soft off through the probe too: the stop reason is PowerOff (1), status 0; SLP_TYP 6 leaves it running", () => {
    expect(runPm([pmWrite(4, 2, slpTyp(6) | SLP_EN), pmStop, pmWrite(4, 2, slpTyp(5) | SLP_EN), pmStop])).toEqual([0n, 1n << 32n]);
  });
});
