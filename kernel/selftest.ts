// Deliberate faults, chosen on the command line (selftest=...), that prove
// a core bug stops the machine with a clear report instead of running on
// corrupted. Like Linux's lkdtm, they exist so the boot tests can show it.
import { begin, endl, line, putBytes } from "./console/console";
import { optionIs, findOption, valueLength } from "./boot/cmdline";
import { rdmsr, rdmsrSafe, xsetbv } from "./hal/imports";
import { hostHasXsave } from "./platform/xsave";
import { XCR0_X87 } from "./arch/x86";

// An MSR index outside every architectural and vendor range (SDM Vol. 4,
// APM Vol. 2 Appendix A): RDMSR of it raises #GP (SDM Vol. 2B RDMSR) on
// hardware and Bochs. QEMU's TCG returns 0 instead (and, unlike hardware,
// spins on a MOV to CR4 with reserved bits rather than raising #GP), so
// there this selftest reports that the fault did not happen.
const NONEXISTENT_MSR: u32 = 0x0badc0de;

let depthSink: u32 = 0;
const msrOut = memory.data(8, 8);

// The fault fix-ups (boot/fault-fixups.S): a #GP in the host's XSETBV or
// RDMSR that the HAL survives, as a guest's refused XCR0 would be. XCR0
// with x87 (bit 0) clear is refused by every CPU with XSAVE (SDM Vol. 2C
// XSETBV: #GP if XCR0[0] = 0). The run goes on to its guest after it.
function hostFaultFixups(): bool {
  let ok = true;
  if (!hostHasXsave()) line("selftest: XSETBV not tried (XSAVE is off in the hypervisor)");
  else if (xsetbv(0, 0) == 0) {
    line("selftest: XSETBV of XCR0=0 did not fault");
    ok = false;
  } else {
    xsetbv(0, XCR0_X87);
    line("selftest: XSETBV of XCR0=0 raised #GP and the hypervisor carried on: ok");
  }
  if (rdmsrSafe(NONEXISTENT_MSR, msrOut) != 0) line("selftest: RDMSR of a nonexistent MSR did not fault (as under QEMU TCG)");
  else line("selftest: RDMSR of a nonexistent MSR raised #GP and the hypervisor carried on: ok");
  return ok;
}

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
  } else if (optionIs(cmdline, len, "selftest", "host-fault")) {
    return hostFaultFixups();
  } else {
    line("selftest: unknown kind; known: trap-oob, trap-unreachable, trap-stack, abort, cpu-exception, host-fault");
    return false;
  }
  line("selftest: the fault did not stop the core");
  return false;
}
