// A VMX vCPU: one VMCS. It enters the guest (VMLAUNCH, then VMRESUME),
// decodes exits into the neutral record (kernel/vmx/exit-decode.ts) and
// keeps the guest's registers that live in the VMCS; the loop that drives
// it is kernel/vm/vcpu-loop.ts.
import { vmclear, vmptrld, vmread, vmwrite, vmEnter, rdtsc, invept, wrmsr, writeCr } from "../hal/imports";
import { hostTimer } from "../platform/host-timer";
import * as F from "./vmcs-fields";
import { Vcpu } from "../vm/vcpu";
import { ExitInfo, ExitKind } from "../vm/exit";
import { Vm } from "../vm/vm";
import { InitialState } from "../vm/initial-state";
import { decodeVmxExit } from "./exit-decode";
import { writeGuestState, FixedCrBits } from "./vmcs-guest-state";
import { instructionErrorText } from "./instruction-errors";
import { allocPage, physOf } from "../mm/linear";
import { CR0_PG, CR4_PAE, EFER_LMA, RFLAGS_IF } from "../arch/x86";
import { IA32_STAR, IA32_LSTAR, IA32_CSTAR, IA32_FMASK, IA32_KERNEL_GS_BASE } from "../vm/msr-policy";
import { PROC_INTERRUPT_WINDOW_EXITING, PROC_NMI_WINDOW_EXITING, ENTRY_IA32E_MODE_GUEST } from "./controls";
import { decodeVectoring, decodeTaskSwitch } from "./exit-decode";
import { begin, endl, puts, putDec, putHex } from "../console/console";

// VM-entry interruption information (SDM Vol. 3C §25.8.3, Table 25-17):
// vector in 7:0, type in 10:8, deliver-error-code 11, valid 31.
const INTR_DELIVER_ERROR_CODE: u32 = 1 << 11;
const INTR_VALID: u32 = <u32>1 << 31;
const pdpte = memory.data(8);

export class VmxVcpu extends Vcpu {
  vmcs: usize;
  launched: bool = false;
  // The primary processor-based controls as last written, so that toggling
  // interrupt-window exiting needs no VMREAD.
  procControls: u32 = 0;
  // The VMX-preemption timer, where the CPU has it: it counts down while
  // the guest runs at the TSC's rate >> preemptionShift (IA32_VMX_MISC
  // bits 4:0, SDM Vol. 3C §26.5.1) and exits at zero (reason 52).
  preemptionTimer: bool = false;
  preemptionShift: u64 = 0;
  // The EPT pointer, and the INVEPT type that flushes what is cached for
  // it (vmx-create.ts; 0: the CPU has no INVEPT).
  eptp: u64 = 0;
  inveptType: u32 = 0;
  // The fixed CR0/CR4 bits and the guest/host masks, read at each start.
  crs: FixedCrBits = new FixedCrBits();

  constructor(vm: Vm, id: u32, revision: u32) {
    super(vm, id);
    this.vmcs = allocPage();
    store<u32>(this.vmcs, revision); // VMCS revision identifier (SDM §25.2)
  }

  // Make this VMCS current; false (with the reason printed) on failure.
  activate(): bool {
    const pa = physOf(this.vmcs);
    if (vmclear(pa) != 0 || vmptrld(pa) != 0) {
      begin("VMX: VMCLEAR/VMPTRLD of the VMCS failed");
      endl();
      return false;
    }
    return true;
  }

  enter(): bool {
    const st = vmEnter(this.frame, this.launched ? 1 : 0);
    if (st != 0) {
      reportEntryInstructionFailure(st, this.launched);
      return false;
    }
    this.launched = true;
    this.eventQueued = false; // VM entry consumed it (SDM Vol. 3C §27.6)
    return true;
  }

  armTimer(deadline: u64): void {
    if (!this.preemptionTimer) {
      super.armTimer(deadline);
      return;
    }
    const now = rdtsc();
    const until = hostTimer.limit(now, deadline);
    let value = until > now ? (until - now) >> this.preemptionShift : 0;
    if (value > 0xffffffff) value = 0xffffffff;
    vmwrite(F.VMX_PREEMPTION_TIMER_VALUE, value);
  }

  decodeExit(exit: ExitInfo): void {
    decodeVmxExit(exit);
    decodeVectoring(exit.vectoring, <u32>vmread(F.IDT_VECTORING_INFO_FIELD), exit.instructionLength);
    if (exit.kind == ExitKind.TaskSwitch) decodeTaskSwitch(exit.task, exit.qualification, exit.vectoring);
  }
  loadState(s: InitialState): void {
    this.crs.read(this.cr4Reserved);
    writeGuestState(s, this.crs);
  }

  // writeGuestState covers the guest-state area a boot starts from
  // (segments, descriptor tables, CR0/CR3/CR4 and their read shadows, EFER
  // and the IA-32e entry control, DR7, RFLAGS, RIP, RSP, SYSENTER, and 0
  // for the interruptibility state — blocking by STI, MOV SS and NMI,
  // Table 25-3 — the activity state and the pending debug exceptions);
  // the neutral reset() clears the interrupt-window control. Left here:
  //   - the event injection of the last entry: its VM-entry interruption
  //     information (valid bit 31 clear), error code and instruction
  //     length (SDM Vol. 3C §25.8.3);
  //   - what VMX does not switch, so the guest's last values are in the
  //     processor: CR2 (0 after RESET, SDM Vol. 3A Table 10-1), and the
  //     SYSCALL and SWAPGS MSRs the policy passes through
  //     (kernel/vm/msr-policy.ts), 0 as QEMU's reset leaves them;
  //   - the TLBs, which RESET empties: INVEPT for this EPTP drops the
  //     guest-physical and combined mappings of every VPID (SDM Vol. 3C
  //     §29.4.3.1), so nothing the last boot's page tables mapped is used.
  resetBackend(): void {
    vmwrite(F.VM_ENTRY_INTR_INFO_FIELD, 0);
    vmwrite(F.VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
    vmwrite(F.VM_ENTRY_INSTRUCTION_LEN, 0);
    writeCr(2, 0);
    wrmsr(IA32_STAR, 0);
    wrmsr(IA32_LSTAR, 0);
    wrmsr(IA32_CSTAR, 0);
    wrmsr(IA32_FMASK, 0);
    wrmsr(IA32_KERNEL_GS_BASE, 0);
    if (this.inveptType != 0) invept(this.inveptType, this.eptp);
  }

  rip(): u64 { return vmread(F.GUEST_RIP); }
  setRip(v: u64): void { vmwrite(F.GUEST_RIP, v); }
  rsp(): u64 { return vmread(F.GUEST_RSP); }
  setRsp(v: u64): void { vmwrite(F.GUEST_RSP, v); }
  rflags(): u64 { return vmread(F.GUEST_RFLAGS); }
  setRflags(v: u64): void { vmwrite(F.GUEST_RFLAGS, v); }
  // What the guest reads: the read shadow where the mask owns a bit, the
  // register elsewhere (SDM Vol. 3C §25.6.6).
  cr0(): u64 {
    const m = this.crs.cr0Mask;
    return (vmread(F.GUEST_CR0) & ~m) | (vmread(F.CR0_READ_SHADOW) & m);
  }
  cr3(): u64 { return vmread(F.GUEST_CR3); }
  cr4(): u64 {
    const m = this.crs.cr4Mask;
    return (vmread(F.GUEST_CR4) & ~m) | (vmread(F.CR4_READ_SHADOW) & m);
  }
  efer(): u64 { return vmread(F.GUEST_IA32_EFER); }
  // With "load IA32_EFER" on entry the CPU takes EFER from here. LMA and the
  // "IA-32e mode guest" entry control must agree (§27.3.1.1); a guest's own
  // MOV to CR0 keeps them so (VM exits store EFER.LMA into that control,
  // §28.3.1), one the hypervisor emulates sets both here.
  setEfer(v: u64): void {
    vmwrite(F.GUEST_IA32_EFER, v);
    const entry = <u32>vmread(F.VM_ENTRY_CONTROLS);
    const want = (v & EFER_LMA) != 0 ? entry | ENTRY_IA32E_MODE_GUEST : entry & ~ENTRY_IA32E_MODE_GUEST;
    if (want != entry) vmwrite(F.VM_ENTRY_CONTROLS, want);
  }
  // The fixed bits (CR0.NE, CR4.VMXE) stay set underneath; the guest sees
  // its own value through the read shadow.
  setCr0(v: u64): void {
    vmwrite(F.GUEST_CR0, this.crs.realCr0(v));
    vmwrite(F.CR0_READ_SHADOW, v);
  }
  setCr4(v: u64): void {
    vmwrite(F.GUEST_CR4, this.crs.realCr4(v));
    vmwrite(F.CR4_READ_SHADOW, v);
  }
  // With EPT and PAE paging the CPU takes the four PDPTEs from the VMCS at
  // entry (SDM Vol. 3C §27.3.2.4) and a MOV to CR0/CR4 that the guest ran
  // itself would have loaded them from CR3 (Vol. 3A §4.4.1): load them
  // here. INVEPT drops the guest's cached translations of every VPID
  // (§29.4.3.1), as the write would have.
  pagingChanged(): void {
    const cr0 = this.cr0();
    if ((cr0 & CR0_PG) != 0 && (this.cr4() & CR4_PAE) != 0 && (this.efer() & EFER_LMA) == 0) {
      const at = this.cr3() & 0xffffffe0;
      for (let i: u32 = 0; i < 4; i++) {
        const ok = this.vm.memory.read(at + <u64>i * 8, pdpte, 8);
        vmwrite(F.GUEST_PDPTE0 + i * 2, ok ? load<u64>(pdpte) : 0);
      }
    }
    if (this.inveptType != 0) invept(this.inveptType, this.eptp);
  }
  segmentBase(i: u32): u64 { return vmread(F.GUEST_ES_BASE + i * 2); }
  segmentAr(i: u32): u32 { return <u32>vmread(F.GUEST_ES_AR_BYTES + i * 2); }
  segmentSelector(i: u32): u32 { return <u32>vmread(F.GUEST_ES_SELECTOR + i * 2); }
  segmentLimit(i: u32): u32 { return <u32>vmread(F.GUEST_ES_LIMIT + i * 2); }
  // The VMCS holds the descriptor cache as the CPU keeps it, in the VMX
  // access-rights encoding (SDM Vol. 3C §25.4.1, Table 25-2); SS.DPL is
  // the CPL there, so nothing else changes with it.
  setSegment(i: u32, selector: u32, base: u64, limit: u32, ar: u32): void {
    vmwrite(F.GUEST_ES_SELECTOR + i * 2, selector);
    vmwrite(F.GUEST_ES_BASE + i * 2, base);
    vmwrite(F.GUEST_ES_LIMIT + i * 2, limit);
    vmwrite(F.GUEST_ES_AR_BYTES + i * 2, ar);
  }
  gdtrBase(): u64 { return vmread(F.GUEST_GDTR_BASE); }
  gdtrLimit(): u32 { return <u32>vmread(F.GUEST_GDTR_LIMIT); }
  idtrBase(): u64 { return vmread(F.GUEST_IDTR_BASE); }
  idtrLimit(): u32 { return <u32>vmread(F.GUEST_IDTR_LIMIT); }
  setCr3(v: u64): void { vmwrite(F.GUEST_CR3, v); }
  dr7(): u64 { return vmread(F.GUEST_DR7); }
  setDr7(v: u64): void { vmwrite(F.GUEST_DR7, v); }
  // Blocking by NMI, bit 3 of the interruptibility state (Table 25-3),
  // which the guest's IRET ends (virtual NMIs, §26.7.1.2).
  blockNmis(): void {
    vmwrite(F.GUEST_INTERRUPTIBILITY_INFO, vmread(F.GUEST_INTERRUPTIBILITY_INFO) | 8);
  }

  injectEvent(type: u32, vector: u32, errorCode: u32, deliverErrorCode: bool): void {
    vmwrite(F.VM_ENTRY_INTR_INFO_FIELD, vector | (type << 8) | INTR_VALID | (deliverErrorCode ? INTR_DELIVER_ERROR_CODE : 0));
    if (deliverErrorCode) vmwrite(F.VM_ENTRY_EXCEPTION_ERROR_CODE, errorCode);
    this.eventQueued = true;
  }
  setEventInstructionLength(length: u32): void { vmwrite(F.VM_ENTRY_INSTRUCTION_LEN, length); }
  setTscOffset(offset: u64): void { vmwrite(F.TSC_OFFSET, offset); }

  // Blocking by STI (bit 0) or MOV SS (bit 1) in the interruptibility
  // state (SDM Vol. 3C §25.4.2, Table 25-3).
  interruptible(): bool {
    return (this.rflags() & RFLAGS_IF) != 0 && (vmread(F.GUEST_INTERRUPTIBILITY_INFO) & 3) == 0;
  }

  // Blocking by STI and by MOV SS are bits 0 and 1 (Table 25-3).
  endInterruptShadow(): void {
    const v = vmread(F.GUEST_INTERRUPTIBILITY_INFO);
    if ((v & 3) != 0) vmwrite(F.GUEST_INTERRUPTIBILITY_INFO, v & ~<u64>3);
  }

  // Interruptibility (SDM Vol. 3C §25.4.2, Table 25-3): blocking by STI
  // (bit 0), MOV SS (bit 1), NMI (bit 3; the CPU keeps it with virtual
  // NMIs, from the injection to the guest's IRET, §26.7.1.2, §27.3.1.5).
  nmiInjectable(): bool {
    return (vmread(F.GUEST_INTERRUPTIBILITY_INFO) & 0xb) == 0;
  }

  setNmiWindow(on: bool): void {
    if (this.features.nmi) this.setProcControl(PROC_NMI_WINDOW_EXITING, on);
  }

  // The CPU sets blocking by NMI itself as it delivers the injected NMI
  // (virtual NMIs, SDM Vol. 3C §26.6.1.2).
  noteNmiInjected(): void {}

  setInterruptWindow(on: bool): void { this.setProcControl(PROC_INTERRUPT_WINDOW_EXITING, on); }

  // One primary processor-based control on or off, written only when it changes.
  private setProcControl(bit: u32, on: bool): void {
    const want = on ? this.procControls | bit : this.procControls & ~bit;
    if (want == this.procControls) return;
    this.procControls = want;
    vmwrite(F.CPU_BASED_VM_EXEC_CONTROL, want);
  }

  // VM-entry failure reported as an exit (SDM Vol. 3C §27.8): reason 33
  // invalid guest state, 34 MSR loading, 41 machine-check event.
  reportEntryFailure(exit: ExitInfo): void {
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
