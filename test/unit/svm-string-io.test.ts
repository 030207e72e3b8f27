// INS/OUTS under SVM where EXITINFO1 gives neither the address size nor the
// segment, as QEMU 7.2's TCG does (bits 12:7 read 0): the core takes both
// from the instruction's prefixes (kernel/svm/string-io-prefixes.ts). Each
// case once went wrong on TCG (the hostile-string-io guest, issue 11 item 4).
import { describe, expect, it } from "vitest";
import { VMCB } from "../sim/hal.js";
import { qemuTcgSvm } from "../sim/cpu-profiles.js";
import { runSvmGuest, X, powerOff } from "../sim/scripted-svm.js";

// IOIO EXITINFO1 as TCG fills it (APM Vol. 2 §15.10.2): port, IN (bit 0),
// string (2), REP (3), 8-bit operand (4); no address size, no segment.
const tcgInfo1 = (port: number, isIn: boolean) => (BigInt(port) << 16n) | (isIn ? 1n : 0n) | (1n << 2n) | (1n << 3n) | (1n << 4n);
const u64 = (vmcb: Uint8Array, at: number) => new DataView(vmcb.buffer, vmcb.byteOffset).getBigUint64(at, true);
const UNCLAIMED = 0x1234;

describe("SVM string I/O without the address-size and segment bits", () => {
  it("an FS override on REP OUTSB reads FS:SI, not DS:SI", () => {
    const text = "from FS\n";
    const code = [0x64, 0xf3, 0x6e]; // FS: REP OUTSB
    const exit = {
      code: X.IOIO, info1: tcgInfo1(0x3f8, false), info2: 0x7c03n, rax: 0n,
      regs: { rcx: BigInt(text.length), rsi: 0x100n },
      save: { [VMCB.SEG_FS + VMCB.SEG_BASE]: 0x20000n },
    };
    const r = runSvmGuest(qemuTcgSvm, [exit, powerOff], code, "", (ram) => {
      ram.set(Buffer.from("from DS\n"), 0x100);
      ram.set(Buffer.from(text), 0x20100);
    });
    expect(r.guestLines).toEqual(["from FS"]);
    expect(u64(r.hal.vmruns[1].vmcb, VMCB.RIP)).toBe(0x7c03n);
  });

  it("a 16-bit DI wraps at 64 KiB inside ES, and only CX counts", () => {
    const code = [0xf3, 0x6c]; // REP INSB
    const exit = {
      code: X.IOIO, info1: tcgInfo1(UNCLAIMED, true), info2: 0x7c02n, rax: 0n,
      regs: { rcx: 0x10004n, rdi: 0xfffen },
      save: { [VMCB.SEG_ES + VMCB.SEG_BASE]: 0x10000n },
    };
    let ram!: Uint8Array;
    const r = runSvmGuest(qemuTcgSvm, [exit, powerOff], code, "", (m) => { ram = m; ram.fill(0x5a, 0x10000, 0x20010); });
    expect([...ram.subarray(0x1fffe, 0x20002)]).toEqual([0xff, 0xff, 0x5a, 0x5a]); // not past ES's 64 KiB
    expect([...ram.subarray(0x10000, 0x10003)]).toEqual([0xff, 0xff, 0x5a]);       // wrapped to ES:0
    const vmcb = r.hal.vmruns[1].vmcb;
    const regs = r.hal.vmruns[1].regs;
    expect(regs.rdi).toBe(2n);
    expect(regs.rcx).toBe(0x10000n); // CX counted down; ECX's upper half kept
    expect(u64(vmcb, VMCB.RIP)).toBe(0x7c02n);
  });

  it("a 67 prefix in real mode makes the address 32 bits: EDI does not wrap", () => {
    const code = [0x67, 0xf3, 0x6c]; // A32 REP INSB
    const exit = {
      code: X.IOIO, info1: tcgInfo1(UNCLAIMED, true), info2: 0x7c03n, rax: 0n,
      regs: { rcx: 4n, rdi: 0xfffen },
      save: { [VMCB.SEG_ES + VMCB.SEG_BASE]: 0x10000n },
    };
    let ram!: Uint8Array;
    const r = runSvmGuest(qemuTcgSvm, [exit, powerOff], code, "", (m) => { ram = m; });
    expect([...ram.subarray(0x1fffe, 0x20002)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(r.hal.vmruns[1].regs.rdi).toBe(0x10002n);
  });
});
