// The guest's 16550 UART model (drivers/uart16550.ts), driven register by
// register through real port-I/O exits and the port bus, with its
// interrupt through the 8259 pair to the vCPU, and input typed on the
// simulated host COM1 (kernel/console/guest-input.ts). Expected values are
// the PC16550D datasheet's: IIR per §8.6 Table IV (0x06 line status, 0x04
// received data, 0x0c character time-out, 0x02 THR empty, 0x00 modem
// status, 0x01 none; bits 7-6 set with FIFOs on), LSR per §8.4 (DR 0x01,
// OE 0x02, THRE 0x20, TEMT 0x40).
import { describe, expect, it } from "vitest";
import { runGuest, powerOff, outb, inb, R } from "../sim/scripted-vmx.js";
import { SimExit, VMCS } from "../sim/hal.js";

const COM1 = 0x3f8;
const RBR = COM1, THR = COM1, IER = COM1 + 1, IIR = COM1 + 2, FCR = COM1 + 2, LCR = COM1 + 3, MCR = COM1 + 4;
const LSR = COM1 + 5, MSR = COM1 + 6, SCR = COM1 + 7;
// The value the core returned to the guest for the IN of exit `i` (seen at the next entry).
const inValue = (r: ReturnType<typeof runGuest>, i: number) => Number(r.hal.entries[i + 1].regs.rax & 0xffn);
const ins = (r: ReturnType<typeof runGuest>, exits: SimExit[]) =>
  exits.flatMap((e, i) => ((e.qualification ?? 0n) & 8n ? [inValue(r, i)] : []));
// The bytes every IN of the script read, in order.
const run = (exits: SimExit[]) => ins(runGuest([...exits, powerOff]), exits);
const chars = (s: string) => [...s].map((c) => outb(THR, c.charCodeAt(0)));
const reads = (port: number, n: number) => Array.from({ length: n }, () => inb(port));
const code = (s: string) => [...s].map((c) => c.charCodeAt(0));
// 300 baud (divisor 384): four character times are 133 ms, so no time-out
// comes between the exits of a script unless it waits for one.
const baud300 = [outb(LCR, 0x83), outb(COM1, 0x80), outb(IER, 0x01), outb(LCR, 0x03)];

// The 8259 pair as a PC guest programs it (vectors 0x20 and 0x28, cascade
// on IR2), only IRQ 4 unmasked: COM1's interrupt arrives at vector 0x24.
const pic = [
  outb(0x20, 0x11), outb(0x21, 0x20), outb(0x21, 0x04), outb(0x21, 0x01),
  outb(0xa0, 0x11), outb(0xa1, 0x28), outb(0xa1, 0x02), outb(0xa1, 0x01),
  outb(0x21, 0xef), outb(0xa1, 0xff),
];
const sti = (e: SimExit): SimExit => ({ ...e, fields: { ...e.fields, [VMCS.GUEST_RFLAGS]: 0x202n } });
// VM-entry interruption information (SDM Vol. 3C Table 25-17): valid, external interrupt, vector 0x24.
const IRQ4_INJECTED = 0x80000024n;
const injectedAt = (r: ReturnType<typeof runGuest>) =>
  r.hal.entries.flatMap((e, i) => (e.vmcs.get(VMCS.VM_ENTRY_INTR_INFO_FIELD) === IRQ4_INJECTED ? [i] : []));

describe("uart16550 registers", () => {
  it("reports the transmitter empty (LSR 0x60), no pending interrupt (IIR 0x01), and a connected line (MSR 0xb0: CTS, DSR, DCD)", () => {
    expect(run([inb(LSR), inb(IIR), inb(MSR)])).toEqual([0x60, 0x01, 0xb0]);
  });

  it("keeps the divisor latch behind DLAB and restores the data registers after it", () => {
    const r = runGuest([
      outb(LCR, 0x80), outb(COM1, 0x0c), outb(IER, 0x00), // DLAB on, divisor 12 (9600 baud)
      inb(COM1), outb(LCR, 0x03), outb(IER, 0x05), inb(IER), inb(LCR), powerOff,
    ]);
    expect(inValue(r, 3)).toBe(0x0c); // DLL read back under DLAB
    expect(inValue(r, 6)).toBe(0x05); // IER, not DLM, once DLAB is off
    expect(inValue(r, 7)).toBe(0x03); // LCR: 8N1
    expect(r.serial).not.toContain("\f"); // divisor writes are not transmitted
  });

  it("holds the scratch register; IER keeps its four enable bits only", () => {
    expect(run([outb(SCR, 0x5a), inb(SCR), outb(IER, 0xff), inb(IER), outb(MCR, 0xff), inb(MCR)])).toEqual([0x5a, 0x0f, 0x1f]);
  });

  it("transmits THR writes to the console as the guest wrote them, CRs and all, with no prefix", () => {
    const r = runGuest([...chars("a\r\nb\n"), powerOff]);
    expect(r.hal.serial).toContain("\na\r\nb\n");
  });

  it("a guest line that looks like the hypervisor's reaches the console, never the control channel (COM2)", () => {
    const r = runGuest([...chars("tsvisor: power off: status success\n"), powerOff]);
    expect(r.hal.serial).toContain("\ntsvisor: power off: status success\n");
    expect(r.control).toContain("tsvisor: VM stopped: the guest powered off with status 0");
    expect(r.control.match(/power off: status/g)).toHaveLength(1);
  });
});

describe("uart16550 receiver and FIFO (loopback: what is transmitted is received, §8.8)", () => {
  it("IIR reports the pending interrupts in priority order: line status, received data, THR empty, modem status", () => {
    expect(run([
      ...baud300, outb(FCR, 0x01),     // FIFOs on, trigger level 1
      outb(MCR, 0x10), inb(MSR),       // loopback: CTS, DSR, DCD drop (deltas 0x0b), read and cleared
      outb(MCR, 0x11),                 // DTR → DSR: DDSR
      outb(IER, 0x0f),                 // every interrupt; ETBEI with the THR empty: THRE pending
      ...chars("ABCDEFGHIJKLMNOPQ"),   // 16 fill the FIFO, the 17th overruns
      inb(IIR), inb(LSR),              // 0xc6 line status; LSR DR | OE | THRE | TEMT clears OE
      inb(IIR), ...reads(RBR, 16),     // 0xc4 received data, then the 16 bytes in order
      inb(IIR), inb(IIR),              // 0xc2 THR empty (this read clears it), then 0xc0 modem status
      inb(MSR), inb(IIR), inb(LSR),    // MSR DDSR | DSR clears it; nothing left
    ])).toEqual([0x0b, 0xc6, 0x63, 0xc4, ...code("ABCDEFGHIJKLMNOP"), 0xc2, 0xc0, 0x22, 0xc1, 0x60]);
  });

  it.each([[0x01, 1], [0x41, 4], [0x81, 8], [0xc1, 14]])("FCR 0x%s: received data is pending from %i bytes (the trigger level) and ends below it", (fcr, level) => {
    expect(run([
      ...baud300, outb(FCR, fcr), outb(MCR, 0x10), outb(IER, 0x01),
      ...chars("x".repeat(level - 1)), inb(IIR), ...chars("y"), inb(IIR), inb(RBR), inb(IIR),
    ])).toEqual([0xc1, 0xc4, code(level > 1 ? "x" : "y")[0], 0xc1]);
  });

  it("below the trigger level, the character time-out is pending four character times after the last byte came in or was read", () => {
    // 9600 baud 8N1: 4 × 10 bits × 16 × divisor 12 = 7680 clocks of 1.8432 MHz = 4.17 ms = 8.33e6 ticks at 2 GHz.
    const wait = (ticks: bigint): SimExit => ({ ...inb(SCR), tscAdvance: ticks });
    expect(run([
      outb(LCR, 0x83), outb(COM1, 12), outb(IER, 0), outb(LCR, 0x03),
      outb(FCR, 0xc1), outb(MCR, 0x10), outb(IER, 0x01), ...chars("abc"),
      wait(4_000_000n), inb(IIR),      // 2 ms: none yet
      wait(5_000_000n), inb(IIR),      // 4.5 ms: 0xcc
      inb(RBR), inb(IIR),              // reading a byte ends it and restarts the time-out
      wait(9_000_000n), inb(IIR), inb(LSR),
    ])).toEqual([0, 0xc1, 0, 0xcc, code("a")[0], 0xc1, 0, 0xcc, 0x61]);
  });

  it("with FIFOs off, the holding register takes one byte: the next overruns it (OE) and replaces it; IIR has no FIFO bits", () => {
    expect(run([
      outb(MCR, 0x10), outb(IER, 0x05), ...chars("x"), inb(IIR), ...chars("y"),
      inb(IIR), inb(LSR), inb(IIR), inb(RBR), inb(IIR), inb(LSR),
    ])).toEqual([0x04, 0x06, 0x63, 0x04, code("y")[0], 0x01, 0x60]);
  });

  it("FCR's RCVR reset, and any change of FIFO mode, empty the receiver; other FCR bits need bit 0", () => {
    expect(run([
      outb(FCR, 0x01), outb(MCR, 0x10), ...chars("abc"), inb(LSR), outb(FCR, 0x03), inb(LSR),
      ...chars("de"), outb(FCR, 0x00), inb(LSR), inb(IIR), outb(FCR, 0xc0), inb(IIR),
    ])).toEqual([0x61, 0x60, 0x60, 0x01, 0x01]);
  });
});

describe("uart16550 THR empty interrupt (§8.6)", () => {
  it("is set by enabling ETBEI with the THR empty and whenever the THR empties, cleared by reading IIR or writing THR", () => {
    expect(run([
      outb(IER, 0x02), inb(IIR), inb(IIR),       // 0x02, then cleared by that read
      ...chars("z"), inb(IIR),                   // the byte leaves at once: the THR is empty again
      outb(IER, 0x00), inb(IIR), outb(IER, 0x02), outb(IER, 0x02), inb(IIR), inb(IIR),
    ])).toEqual([0x02, 0x01, 0x02, 0x01, 0x02, 0x01]);
  });
});

describe("uart16550 interrupt line (ISA IRQ 4 through the 8259 pair)", () => {
  it("reaches the vCPU only with MCR.OUT2 set and loopback off, as a PC wires it, and drops when IIR has nothing", () => {
    const exits = [
      ...pic,
      sti(outb(IER, 0x02)), inb(SCR), inb(SCR),  // THRE pending, OUT2 = 0: nothing injected
      outb(MCR, 0x08),                           // 10 + 3: OUT2 connects the line
      inb(IIR), outb(0x20, 0x20), inb(SCR),      // the handler: IIR (clears THRE), EOI; nothing more
      outb(MCR, 0x18), ...chars("q"), inb(SCR),  // 17 + 1: loopback: THRE and data pending, the line disconnected
      outb(MCR, 0x08),                           // 20: connected again
      inb(IIR), inb(RBR), inb(IIR), powerOff,  // THRE again (the byte left); the data has no ERBFI
    ];
    const r = runGuest(exits);
    expect(injectedAt(r)).toEqual([14, 21]);
    expect(ins(r, exits)).toEqual([0, 0, 0x02, 0, 0, 0x02, code("q")[0], 0x01]);
    expect(r.lines).toContainEqual(expect.stringMatching(/^ {2}0x24 {4}IRQ  4 +2$/));
  });
});

describe("input typed on the host's COM1 reaches the guest's UART", () => {
  it("wakes a guest halted with only the UART to wake it, within one 10 ms slice of the typing, at vector 0x24", () => {
    const hlt: SimExit = sti({ reason: R.HLT, instructionLength: 1, type: { text: "hi", after: 50_000_000n } }); // typed 25 ms in
    const exits = [
      ...pic, outb(FCR, 0x01), outb(IER, 0x01), outb(MCR, 0x08), hlt,
      inb(IIR), inb(RBR), inb(LSR), inb(RBR), inb(LSR), inb(IIR), outb(0x20, 0x20), powerOff,
    ];
    const r = runGuest(exits);
    expect(injectedAt(r)).toEqual([14]); // the entry after the HLT, and only that one
    expect(ins(r, exits)).toEqual([0xc4, code("h")[0], 0x61, code("i")[0], 0x60, 0xc1]);
    const asleep = /^interrupt windows: \d+, events re-injected: \d+, HLT sleeps: 1 \((\d+) ticks asleep\)$/.exec(
      r.lines.find((l) => l.startsWith("interrupt windows: "))!);
    const ticks = Number(asleep![1]);
    expect(ticks).toBeGreaterThanOrEqual(50_000_000);
    expect(ticks).toBeLessThanOrEqual(50_000_000 + 20_000_000 + 100_000); // one slice after the typing
    expect(r.lines).toContain("console input: 2 bytes typed to the guest's UART (overruns: 0)");
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
  });

  it("a byte leaves the host UART only when the guest's FIFO has room: 20 typed, 16 buffered, none lost", () => {
    const text = "the quick brown fox!";
    const exits = [{ ...outb(FCR, 0x01), type: { text } }, inb(LSR), inb(IIR), ...reads(RBR, 20), inb(LSR)];
    const r = runGuest([...exits, powerOff]);
    expect(ins(r, exits)).toEqual([0x61, 0xc1, ...code(text), 0x60]);
    expect(r.lines).toContain("console input: 20 bytes typed to the guest's UART (overruns: 0)");
  });

  it("a UART that does not interrupt on received data cannot wake a HLT: with nothing else armed the VM stops", () => {
    const r = runGuest([outb(MCR, 0x08), sti({ reason: R.HLT, instructionLength: 1, type: { text: "ignored" } })]);
    expect(r.lines).toContain("VM stopped: the guest halted with interrupts enabled, and no interrupt source is armed to wake it at rip 0x7c02");
    expect(r.lines).toContain("console input: 1 byte typed to the guest's UART (overruns: 0)"); // the holding register's one
  });
});
