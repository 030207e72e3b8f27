// Test probes for the legacy PC devices (drivers/i8259.ts, i8254.ts,
// port-b.ts, rtc-cmos.ts), exported from kernel/main.ts so that the unit
// tests can reach what no port read shows: the 8259 pair's answer to the
// vCPU (pending(), the INTA cycle) and device Timers firing. Each call
// builds a fresh VM object with the devices wired exactly as the VM build
// wires them (kernel/run-guest.ts addLegacyPc), runs a script of steps on
// it and reports; none touches the hardware or any state the boot path
// uses, and boot/ never calls them. Time passes by moving the VM clock's
// TSC offset, on top of the simulated TSC's own steps.
import { Vm } from "./vm/vm";
import { GuestMemory } from "./vm/guest-memory";
import { addLegacyPc } from "./run-guest";

const SCRATCH_BYTES: i32 = 8192;
const scratch = memory.data(SCRATCH_BYTES);

// Where a test lays out the script (and reads the results): 8 KiB.
export function probeDevicesScratch(): usize {
  return scratch;
}

// One step: three u32 (op, a, b). Steps that answer append one u64 to the
// results.
const OP_OUT: u32 = 1;        // write byte b to port a
const OP_IN: u32 = 2;         // read a byte from port a → the value
const OP_ADVANCE: u32 = 3;    // time passes: a | b << 32 guest-TSC ticks
const OP_RUN_TIMERS: u32 = 4; // the vCPU loop's clock.runExpired() → how many fired
const OP_PENDING: u32 = 5;    // pic.pending() → the vector, or all-ones for -1
const OP_DELIVER: u32 = 6;    // pending(), then acknowledge() it if any → the vector or all-ones
const OP_INTA: u32 = 7;       // an INTA cycle whatever is pending → the vector
const OP_IRQ: u32 = 8;        // a device drives ISA IRQ a to level b
const OP_DEADLINE: u32 = 9;   // clock.nextDeadline() → absolute guest TSC (all-ones: none)
const OP_NOW: u32 = 10;       // clock.now()

// Run `count` steps from `steps` on fresh devices whose clock runs at
// `tscKhz`, with `ramMiB` of guest RAM and the RTC started at `rtcStart`
// (Unix seconds). Results go to `out` as u64; returns how many.
export function probeDevices(tscKhz: u32, ramMiB: u32, rtcStart: u64, steps: usize, count: u32, out: usize): u32 {
  const ram = <u64>ramMiB << 20;
  const vm = new Vm(new GuestMemory(0, ram));
  vm.clock.tscKhz = tscKhz;
  const pc = addLegacyPc(vm, ram, rtcStart);
  let results: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const at = steps + <usize>i * 12;
    const op = load<u32>(at);
    const a = load<u32>(at, 4);
    const b = load<u32>(at, 8);
    let v: u64 = 0;
    let answers = true;
    if (op == OP_OUT) {
      vm.ports.write(a, 1, b);
      answers = false;
    } else if (op == OP_IN) v = <u64>vm.ports.read(a, 1);
    else if (op == OP_ADVANCE) {
      vm.clock.offset += <u64>a | <u64>b << 32;
      answers = false;
    } else if (op == OP_RUN_TIMERS) v = <u64>vm.clock.runExpired();
    else if (op == OP_PENDING) v = <u64><i64>pc.pic.pending();
    else if (op == OP_DELIVER) {
      const vector = pc.pic.pending();
      if (vector >= 0) pc.pic.acknowledge(<u32>vector);
      v = <u64><i64>vector;
    } else if (op == OP_INTA) v = <u64>pc.pic.inta();
    else if (op == OP_IRQ) {
      pc.pic.setIrq(a, b != 0);
      answers = false;
    } else if (op == OP_DEADLINE) v = vm.clock.nextDeadline();
    else if (op == OP_NOW) v = vm.clock.now();
    else answers = false;
    if (answers) {
      store<u64>(out + <usize>results * 8, v);
      results++;
    }
  }
  return results;
}
