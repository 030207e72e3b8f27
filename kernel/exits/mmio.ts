// EPT violation / #NPF. Guest RAM is mapped whole by EPT/NPT, so a nested
// page fault is an access outside it: MMIO. The device that claims the
// address gets it, through the instruction that made it: fetched at CS:RIP
// through the guest's page tables, decoded and emulated (kernel/vm/mmio/,
// as bhyve does it: the CPU gives the address, not the access, so the
// instruction says what the access was). An address no device claims
// follows the unclaimed policy (kernel/vm/mmio/unclaimed.ts): today, stop.
import { Vcpu } from "../vm/vcpu";
import { ExitInfo, Action, ACCESS_FETCH, ACCESS_PAGE_WALK } from "../vm/exit";
import { StopReason } from "../vm/vm";
import { Insn, MmioFailure } from "../vm/mmio/insn";
import { decode } from "../vm/mmio/decode";
import { emulate } from "../vm/mmio/emulate";
import { codeBits, fetchInstruction } from "../vm/mmio/fetch";
import { Unclaimed, unclaimedAccess } from "../vm/mmio/unclaimed";

function fail(vcpu: Vcpu, d: Insn, gpa: u64, why: MmioFailure): Action {
  d.failure = why;
  vcpu.vm.stop(StopReason.MmioFailed, 0, gpa);
  return Action.Stop;
}

export function handleNestedPageFault(vcpu: Vcpu, exit: ExitInfo): Action {
  const vm = vcpu.vm;
  const gpa = exit.gpa;
  if (!vm.mmio.claims(gpa) && unclaimedAccess(gpa) == Unclaimed.Stop) {
    vm.stop(StopReason.BadAccess, 0, gpa);
    return Action.Stop;
  }
  const d = vcpu.mmio;
  d.fetched = 0;
  // Code is never run from device memory, and page tables there are not
  // the instruction's operand: neither can be emulated by this decoder.
  if ((exit.access & ACCESS_FETCH) != 0) return fail(vcpu, d, gpa, MmioFailure.ExecuteMmio);
  if ((exit.access & ACCESS_PAGE_WALK) != 0) return fail(vcpu, d, gpa, MmioFailure.PageWalk);
  const bits = codeBits(vcpu);
  if (fetchInstruction(vcpu, d, bits) == 0) return fail(vcpu, d, gpa, MmioFailure.NotFetched);
  if (!decode(d, bits)) return fail(vcpu, d, gpa, MmioFailure.Undecodable);
  if (!emulate(vcpu, d, gpa)) return fail(vcpu, d, gpa, d.failure);
  return Action.Resume;
}
