// Deliberate faults, chosen on the command line (selftest=...), that prove
// a core bug stops the machine with a clear report instead of running on
// corrupted. Like Linux's lkdtm, they exist so the boot tests can show it.
import { begin, endl, line, putBytes } from "./console/console";
import { optionIs, findOption, valueLength } from "./boot/cmdline";
import { rdmsr } from "./hal/imports";

// An MSR index outside every architectural and vendor range (SDM Vol. 4,
// APM Vol. 2 Appendix A): RDMSR of it raises #GP (SDM Vol. 2B RDMSR) on
// hardware and Bochs. QEMU's TCG returns 0 instead (and, unlike hardware,
// spins on a MOV to CR4 with reserved bits rather than raising #GP), so
// there this selftest reports that the fault did not happen.
const NONEXISTENT_MSR: u32 = 0x0badc0de;

let depthSink: u32 = 0;

// Not a tail call, and its result is used, so no optimizer can turn it into a loop.
function recurse(depth: u32): u32 {
  depthSink += depth;
  return recurse(depth + 1) ^ depthSink;
}

// Run the selftest the command line asks for, if any. Returns true if none
// was asked for, false if the kind is unknown or the fault did not stop us.
export function runSelftest(cmdline: usize, len: u32): bool {
  const at = findOption(cmdline, len, "selftest");
  if (at < 0) return true;
  begin("selftest: ");
  putBytes(cmdline + at, valueLength(cmdline, len, at));
  endl();
  if (optionIs(cmdline, len, "selftest", "trap-oob")) {
    // One byte past the end of linear memory.
    const end = <usize>memory.size() << 16;
    depthSink = load<u8>(end);
  } else if (optionIs(cmdline, len, "selftest", "trap-unreachable")) {
    unreachable();
  } else if (optionIs(cmdline, len, "selftest", "trap-stack")) {
    depthSink = recurse(0);
  } else if (optionIs(cmdline, len, "selftest", "abort")) {
    assert(depthSink == 0xffffffff, "selftest abort");
  } else if (optionIs(cmdline, len, "selftest", "cpu-exception")) {
    depthSink = <u32>rdmsr(NONEXISTENT_MSR);
  } else {
    line("selftest: unknown kind; known: trap-oob, trap-unreachable, trap-stack, abort, cpu-exception");
    return false;
  }
  line("selftest: the fault did not stop the core");
  return false;
}
