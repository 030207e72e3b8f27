// Property tests of the exit path (issue 11): random guest states and
// random exit records — every VMX basic exit reason and unknown ones, SVM
// exit codes with and without NRIP save, random qualifications / EXITINFO,
// instruction lengths, registers, interrupted events, ports, MSRs and
// guest-physical addresses (test/sim/exit-fuzz-exits.ts) — delivered in
// sequences through the simulated VMCS / VMCB (test/sim/exit-fuzz-run.ts).
// For any such sequence, ended by a power-off if the VM still runs:
//   1. the core never traps (no wasm trap, no panic, no #GP of its own);
//   2. every VM entry passes the CPU's checks on the guest state (SDM Vol.
//      3C §27.3.1, §27.2.1.3; APM Vol. 2 §15.5.1, §15.20);
//   3. the VM stops (never entered past the power-off, never hangs), the
//      hypervisor reports why, and it powers the machine off.
// TSVISOR_FUZZ_RUNS raises the number of cases per property; a failure
// prints fast-check's seed and path to replay it (fc.assert's message).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { skylakeX, iceLakeSp, epycRome, qemuTcgSvm, CpuProfile } from "../sim/cpu-profiles.js";
import { fuzzScriptArb } from "../sim/exit-fuzz-exits.js";
import { Backend, FuzzRun, describeRun, runFuzzCase } from "../sim/exit-fuzz-run.js";
import { vmxEntryViolations } from "../sim/vmcs-guest-state-check.js";
import { vmrunViolations } from "../sim/vmcb-state-check.js";
import { VMCS, VMCB } from "../sim/hal.js";

const RUNS = Number(process.env.TSVISOR_FUZZ_RUNS ?? 200);
const TIMEOUT = 60_000 + RUNS * 500;

const PROFILES: Record<Backend, CpuProfile[]> = { vmx: [skylakeX, iceLakeSp], svm: [epycRome, qemuTcgSvm] };
// The guest's start (kernel/loader/flat-image.ts) before the first exit.
const START = ["", "guest_mode=protected32", "guest_mode=long64"];

const caseArb = (backend: Backend) => fc.record({
  cpu: fc.constantFrom(...PROFILES[backend].map((p) => p.name)), // by name: a counterexample stays readable
  start: fc.constantFrom(...START),
  script: fuzzScriptArb,
});

function check(backend: Backend, property: (run: FuzzRun) => string | null): void {
  fc.assert(fc.property(caseArb(backend), (c) => {
    const run = runFuzzCase(backend, PROFILES[backend].find((p) => p.name === c.cpu)!, c.start, c.script);
    const why = property(run);
    if (why !== null) throw new Error(`${why}\n${describeRun(run)}`);
  }), { numRuns: RUNS });
}

const neverTraps = (run: FuzzRun) =>
  run.outcome === "trap" || run.outcome === "panic" ? "the core trapped or panicked" : null;
const entriesValid = (run: FuzzRun) =>
  run.violations.length > 0 ? "the core entered the guest with a state the CPU refuses" : null;
const stopsCleanly = (run: FuzzRun) => {
  if (run.outcome !== "ok") return `the run did not end cleanly (${run.outcome})`;
  if (!run.r.lines.some((l) => l.startsWith("VM stopped: "))) return "no \"VM stopped\" report";
  if (run.r.poweredOff === null) return "the hypervisor did not power the machine off";
  return null;
};

describe.each<Backend>(["vmx", "svm"])("random exits under %s", (backend) => {
  it("never trap the core", () => check(backend, neverTraps), TIMEOUT);
  it("never make it enter the guest with an invalid state", () => check(backend, entriesValid), TIMEOUT);
  it("end in a reported stop and the hypervisor's power-off", () => check(backend, stopsCleanly), TIMEOUT);
});

describe("the fuzzer's own cases", () => {
  it("a script of only the power-off enters once with a valid state and powers off", () => {
    for (const backend of ["vmx", "svm"] as const) {
      const run = runFuzzCase(backend, PROFILES[backend][0], "", []);
      expect(run.outcome).toBe("ok");
      expect(run.violations).toEqual([]);
      expect(run.entries).toBe(1);
      expect(run.r.lines).toContain("VM stopped: the guest powered off with status 0");
    }
  });

  // The checkers are not vacuous: the core's first entry passes, and each
  // rule broken on purpose is named.
  it.each<[string, Record<number, bigint>, RegExp]>([
    ["RIP above 4 GiB in real mode", { [VMCS.GUEST_RIP]: 0x100000000n }, /bits 63:32/],
    ["RFLAGS bit 1 clear", { [VMCS.GUEST_RFLAGS]: 0n }, /RFLAGS/],
    ["CR0 without NE", { [VMCS.GUEST_CR0]: 0x10n }, /fixed-1/],
    ["EFER.LMA without IA-32e mode", { [VMCS.GUEST_IA32_EFER]: 0x500n }, /LMA/],
    ["STI blocking with IF clear", { [VMCS.GUEST_INTERRUPTIBILITY_INFO]: 1n, [VMCS.GUEST_RFLAGS]: 2n }, /STI/],
    ["an interrupt injected with IF clear", { [VMCS.VM_ENTRY_INTR_INFO_FIELD]: 0x80000030n, [VMCS.GUEST_RFLAGS]: 2n }, /IF clear/],
    ["#GP with an error code in real mode", { [VMCS.VM_ENTRY_INTR_INFO_FIELD]: 0x80000b0dn }, /deliver-error-code/],
    ["INT n of length 16", { [VMCS.VM_ENTRY_INTR_INFO_FIELD]: 0x80000421n, [VMCS.VM_ENTRY_INSTRUCTION_LEN]: 16n }, /length/],
  ])("the VMX checker refuses %s", (_n, change, why) => {
    const vmcs = runFuzzCase("vmx", skylakeX, "", []).r.hal.entries[0].vmcs;
    expect(vmxEntryViolations(vmcs, skylakeX)).toEqual([]);
    const bad = new Map(vmcs);
    for (const [f, v] of Object.entries(change)) bad.set(Number(f), v);
    expect(vmxEntryViolations(bad, skylakeX).join("\n")).toMatch(why);
  });

  it.each<[string, number, bigint, RegExp]>([
    ["EFER.SVME clear", VMCB.EFER, 0n, /SVME/],
    ["ASID 0", VMCB.GUEST_ASID, 0n, /ASID/],
    ["CR0.NW without CD", VMCB.CR0, 0x20000010n, /NW/],
    ["an exception with vector 2", VMCB.EVENTINJ, 0x80000302n, /vector 2/],
    ["RIP above 4 GiB in real mode", VMCB.RIP, 0x100000000n, /bits 63:32/],
  ])("the SVM checker refuses %s", (_n, off, value, why) => {
    const vmcb = runFuzzCase("svm", epycRome, "", []).r.hal.vmruns[0].vmcb;
    expect(vmrunViolations(vmcb, epycRome)).toEqual([]);
    const bad = vmcb.slice();
    const v = new DataView(bad.buffer);
    if (off === VMCB.GUEST_ASID) v.setUint32(off, Number(value), true);
    else v.setBigUint64(off, value, true);
    expect(vmrunViolations(bad, epycRome).join("\n")).toMatch(why);
  });
});
