// A VMX vCPU: one VMCS, the exit frame, and the run loop — enter, decode
// the exit into the neutral record, dispatch, repeat until the VM stops.
import { vmclear, vmptrld, vmread, vmwrite, vmEnter, rdtsc } from "../hal/imports";
import * as F from "./vmcs-fields";
import { Vcpu, FRAME_BYTES } from "../vm/vcpu";
import { ExitInfo, ExitKind, Action } from "../vm/exit";
import { Vm, StopReason } from "../vm/vm";
import { dispatchExit } from "../vm/dispatch";
import { recordExit } from "../vm/stats";
import { decodeVmxExit } from "./exit-decode";
import { instructionErrorText } from "./instruction-errors";
import { allocPage, physOf } from "../mm/linear";
import { begin, endl, puts, putDec, putHex } from "../console/console";

// VM-entry interruption information (SDM Vol. 3C §25.8.3, Table 25-17).
const INTR_TYPE_HW_EXCEPTION: u32 = 3 << 8;
const INTR_DELIVER_ERROR_CODE: u32 = 1 << 11;
const INTR_VALID: u32 = <u32>1 << 31;
const CR0_PE: u64 = 1;
const CR4_VMXE: u64 = 1 << 13;

export class VmxVcpu extends Vcpu {
  vmcs: usize = 0;
  launched: bool = false;
  exit: ExitInfo = new ExitInfo();

  // Allocate and load the VMCS; false (with the reason printed) on failure.
  create(revision: u32): bool {
    this.vmcs = allocPage();
    store<u32>(this.vmcs, revision);
    this.frame = allocPage();
    assert(FRAME_BYTES <= 4096);
    const pa = physOf(this.vmcs);
    if (vmclear(pa) != 0 || vmptrld(pa) != 0) {
      begin("VMX: VMCLEAR/VMPTRLD of the VMCS failed");
      endl();
      return false;
    }
    return true;
  }

  rip(): u64 { return vmread(F.GUEST_RIP); }
  setRip(v: u64): void { vmwrite(F.GUEST_RIP, v); }
  rsp(): u64 { return vmread(F.GUEST_RSP); }
  setRsp(v: u64): void { vmwrite(F.GUEST_RSP, v); }
  rflags(): u64 { return vmread(F.GUEST_RFLAGS); }
  cr0(): u64 { return vmread(F.GUEST_CR0); }
  cr3(): u64 { return vmread(F.GUEST_CR3); }
  cr4(): u64 { return vmread(F.GUEST_CR4); }
  efer(): u64 { return vmread(F.GUEST_IA32_EFER); }
  // With "load IA32_EFER" on entry the CPU takes EFER from here; LMA and the
  // "IA-32e mode guest" entry control follow CR0.PG on their own (SDM Vol. 3C
  // §28.3.1: VM exits store EFER.LMA into that control).
  setEfer(v: u64): void { vmwrite(F.GUEST_IA32_EFER, v); }
  // CR4.VMXE must stay set while the guest runs (CR4 fixed-0); the guest
  // sees its own value through the read shadow (SDM Vol. 3C §25.6.6).
  setCr4(v: u64): void {
    vmwrite(F.GUEST_CR4, v | CR4_VMXE);
    vmwrite(F.CR4_READ_SHADOW, v);
  }

  injectException(vector: u32, errorCode: u32, hasErrorCode: bool): void {
    // No error code is delivered in real mode (SDM Vol. 3C §26.2.1.3).
    const withCode = hasErrorCode && (this.cr0() & CR0_PE) != 0;
    vmwrite(F.VM_ENTRY_INTR_INFO_FIELD, vector | INTR_TYPE_HW_EXCEPTION | INTR_VALID | (withCode ? INTR_DELIVER_ERROR_CODE : 0));
    if (withCode) vmwrite(F.VM_ENTRY_EXCEPTION_ERROR_CODE, errorCode);
  }

  // Run until the VM stops.
  run(vm: Vm): void {
    while (vm.stopReason == StopReason.None) {
      const st = vmEnter(this.frame, this.launched ? 1 : 0);
      const t0 = rdtsc();
      if (st != 0) {
        reportEntryInstructionFailure(st, this.launched);
        vm.stop(StopReason.EntryFailed, 0, st);
        return;
      }
      this.launched = true;
      decodeVmxExit(this.exit);
      if (this.exit.kind == ExitKind.EntryFailure) {
        reportEntryFailure(this.exit);
        vm.stop(StopReason.EntryFailed, 0, this.exit.raw);
      } else if (dispatchExit(this, this.exit) == Action.Stop && vm.stopReason == StopReason.None) {
        vm.stop(StopReason.Unhandled, 0, this.exit.raw);
      }
      recordExit(this.exit.kind, rdtsc() - t0);
    }
  }
}

function reportEntryInstructionFailure(status: u32, launched: bool): void {
  begin(launched ? "VMX: VMRESUME failed: " : "VMX: VMLAUNCH failed: ");
  if (status == 1) {
    puts("VMfailInvalid (no current VMCS)");
  } else {
    const n = <u32>vmread(F.VM_INSTRUCTION_ERROR);
    puts(instructionErrorText(n));
    puts(" (VM-instruction error ");
    putDec(n);
    puts(")");
  }
  endl();
}

// VM-entry failure reported as an exit (SDM Vol. 3C §27.8): reason 33
// invalid guest state, 34 MSR loading, 41 machine-check event.
function reportEntryFailure(exit: ExitInfo): void {
  begin("VMX: VM entry failed: ");
  if (exit.raw == 33) puts("invalid guest state");
  else if (exit.raw == 34) puts("MSR loading");
  else if (exit.raw == 41) puts("machine-check event");
  else puts("reason ");
  puts(" (exit reason ");
  putDec(exit.raw);
  puts(", qualification ");
  putHex(exit.qualification);
  puts(")");
  endl();
}
