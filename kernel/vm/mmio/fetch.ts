// The instruction at the guest's CS:RIP: its code size and its bytes.
import { Vcpu } from "../vcpu";
import { Insn, MAX_INSN } from "./insn";
import { readGuestLinear } from "../guest-walk";
import { AR_DB, AR_L } from "../initial-state";
import { EFER_LMA, RFLAGS_VM } from "../../arch/x86";

const SEG_CS: u32 = 1;

// 16, 32 or 64: 64-bit mode is IA-32e mode with CS.L; otherwise CS.D
// chooses 32-bit code, and virtual-8086 mode is 16-bit (SDM Vol. 3A
// §3.4.5 "D/B" and "L" flags; Vol. 1 §3.6.1).
export function codeBits(vcpu: Vcpu): u32 {
  const ar = vcpu.segmentAr(SEG_CS);
  if ((vcpu.efer() & EFER_LMA) != 0 && (ar & AR_L) != 0) return 64;
  if ((vcpu.rflags() & RFLAGS_VM) != 0) return 16;
  return (ar & AR_DB) != 0 ? 32 : 16;
}

// Fetch up to 15 bytes at CS.base + RIP into `d` through the guest's page
// tables (an instruction may cross into a page mapped elsewhere). In 64-bit
// mode the CS base is taken as 0 (SDM Vol. 3A §3.4.4); elsewhere linear
// addresses wrap at 4 GiB. Returns how many bytes were fetched.
export function fetchInstruction(vcpu: Vcpu, d: Insn, bits: u32): u32 {
  const linear = bits == 64 ? vcpu.rip() : (vcpu.segmentBase(SEG_CS) + vcpu.rip()) & 0xffffffff;
  d.linear = linear;
  d.fetched = readGuestLinear(vcpu, vcpu.vm.memory, linear, d.bytesPtr, MAX_INSN, bits != 64);
  return d.fetched;
}
