// Test probes for the ACPI tables (kernel/firmware/acpi-tables.ts) and the
// PM registers (drivers/acpi-pm.ts), exported from kernel/main.ts for the
// unit tests only; boot/ never calls them. The table probe builds into a
// fresh GuestMemory over host frames the test maps, through the same
// GuestMemory.write the VM build uses; the PM probe runs a script on a
// fresh device whose SCI goes to a recording sink, to reach what no port
// read shows (the SCI level, the host's power button). Time passes by
// moving the VM clock's TSC offset.
import { Vm } from "./vm/vm";
import { GuestMemory } from "./vm/guest-memory";
import { IrqLine, IrqSink } from "./vm/irq";
import { buildAcpiTables } from "./firmware/acpi-tables";
import { AcpiPm, SCI_IRQ } from "../drivers/acpi-pm";

// Guest RAM of `ramMiB` at host `hostBase`; the tables for `cpus` at
// guest-physical [base, base + bytes). The RSDP's address, or 0.
export function probeAcpiTables(hostBase: u64, ramMiB: u32, base: u64, bytes: u32, cpus: u32): u64 {
  return buildAcpiTables(new GuestMemory(hostBase, <u64>ramMiB << 20), base, bytes, cpus);
}

class LevelRecorder extends IrqSink {
  line: u32 = 0xffffffff;
  high: bool = false;
  setIrq(line: u32, high: bool): void {
    this.line = line;
    this.high = high;
  }
}

// One step: four u32 (op, a, b, c). Steps that answer append one u64.
const OP_READ: u32 = 1;     // read `b` bytes at offset a → the value
const OP_WRITE: u32 = 2;    // write `b` bytes of c at offset a
const OP_ADVANCE: u32 = 3;  // time passes: a | b << 32 guest-TSC ticks
const OP_PRESS: u32 = 4;    // the host presses the power button
const OP_SCI: u32 = 5;      // → the SCI: line << 1 | level (all-ones line: never driven)
const OP_STOP: u32 = 6;     // → the VM's stop reason << 32 | status
const OP_NOW: u32 = 7;      // → clock.now(), the guest TSC

export function probeAcpiPm(tscKhz: u32, steps: usize, count: u32, out: usize): u32 {
  const vm = new Vm(new GuestMemory(0, 2 << 20));
  vm.clock.tscKhz = tscKhz;
  const sink = new LevelRecorder();
  const pm = new AcpiPm(vm, new IrqLine(sink, SCI_IRQ));
  let results: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const at = steps + <usize>i * 16;
    const op = load<u32>(at);
    const a = load<u32>(at, 4);
    const b = load<u32>(at, 8);
    const c = load<u32>(at, 12);
    let v: u64 = 0;
    let answers = true;
    if (op == OP_READ) v = <u64>pm.read(a, b);
    else if (op == OP_WRITE) {
      pm.write(a, b, c);
      answers = false;
    } else if (op == OP_ADVANCE) {
      vm.clock.offset += <u64>a | <u64>b << 32;
      answers = false;
    } else if (op == OP_PRESS) {
      pm.pressPowerButton();
      answers = false;
    } else if (op == OP_SCI) v = <u64>sink.line << 1 | (sink.high ? 1 : 0);
    else if (op == OP_STOP) v = <u64>vm.stopReason << 32 | <u64>vm.status;
    else if (op == OP_NOW) v = vm.clock.now();
    else answers = false;
    if (answers) {
      store<u64>(out + <usize>results * 8, v);
      results++;
    }
  }
  return results;
}
