// The vCPU interface the exit layer and the vCPU loop use. The VMX backend
// (kernel/vmx/) and the SVM backend (kernel/svm/) implement it: each only
// enters the guest, decodes the exit into the neutral record and encodes
// the guest state; the loop itself is kernel/vm/vcpu-loop.ts. A vCPU
// belongs to one VM and owns its exit frame, exit record and MSR values.
import { RSP, RAX, RBX, RSI, FRAME_BYTES } from "./frame";
import { Vm, StopReason } from "./vm";
import { ExitInfo } from "./exit";
import { InitialState, AR_L } from "./initial-state";
import { VirtualMsrs } from "./virtual-msrs";
import { InterruptController } from "./irq";
import { ApicMsrs } from "./apic-msrs";
import { CR0_PE, EFER_LMA } from "../arch/x86";
import { allocPage } from "../mm/linear";
import { hostTimer } from "../platform/host-timer";
import { GuestFeatures } from "./guest-features";
import { Insn, MmioFailure } from "./mmio/insn";
import { wrmsr, xsetbv } from "../hal/imports";
import { IA32_TSC_AUX } from "./msr-policy";
import { XCR0_X87 } from "../arch/x86";
import { guestCr4Reserved } from "./control-registers";
import { ProgressWatch } from "./progress";
import { CpuidTable } from "./cpuid-table";

export * from "./frame";

// Interruption types of an injected event, shared by the VMX
// VM-entry interruption-information field (SDM Vol. 3C §25.8.3, Table
// 25-17) and SVM EVENTINJ (APM Vol. 2 §15.20) where they agree.
export const EVENT_EXTERNAL: u32 = 0;
export const EVENT_NMI: u32 = 2;
export const EVENT_HW_EXCEPTION: u32 = 3;
export const EVENT_SW_INTERRUPT: u32 = 4;
export const EVENT_PRIV_SW_EXCEPTION: u32 = 5; // VMX only (INT1)
export const EVENT_SW_EXCEPTION: u32 = 6;      // VMX: INT3, INTO
const SEG_CS: u32 = 1; // segment index, SDM encoding order (ES CS SS DS FS GS)

export abstract class Vcpu {
  // The guest's general-purpose registers, filled by the trampoline on
  // every exit (kernel/vm/frame.ts); page-aligned in linear memory.
  frame: usize;
  exit: ExitInfo = new ExitInfo();
  msrs: VirtualMsrs = new VirtualMsrs();
  // What the backend enabled for the guest, filled at creation; CPUID and
  // the MSR policy offer only what it says works.
  features: GuestFeatures = new GuestFeatures();
  // Where the vCPU takes external interrupts from (its local APIC, or the
  // 8259 in virtual-wire mode); null: none are wired.
  interrupts: InterruptController | null = null;
  // Its local APIC's MSRs (IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC);
  // null: no APIC model, and those MSRs raise #GP.
  apic: ApicMsrs | null = null;
  // An event is queued for the next entry (injectEvent since the last one).
  eventQueued: bool = false;
  // The instruction of the last access to device memory, decoded into this
  // record (kernel/vm/mmio/): made once here, so the exit path allocates nothing.
  mmio: Insn = new Insn();
  // The CR4 bits the guest may not set (kernel/vm/control-registers.ts),
  // from its CPUID: fixed at each start, before the backend loads its state.
  cr4Reserved: u64 = 0;
  // This exit's handling moved the guest on: advance() moved RIP, or one
  // element of a REP was done with RIP left on it (madeProgress). The loop
  // clears it before each dispatch; with the run of exits that did not
  // (kernel/vm/progress.ts).
  progressed: bool = false;
  progress: ProgressWatch = new ProgressWatch();
  // The host CPU refused a guest's XSETBV that the checks passed
  // (kernel/exits/xsetbv.ts): said once.
  hostRefusedXsetbv: bool = false;
  // The guest's CPUID answers for this boot (kernel/vm/cpuid-table.ts).
  cpuid: CpuidTable = new CpuidTable();

  constructor(public vm: Vm, public id: u32) {
    assert(FRAME_BYTES <= 4096);
    this.frame = allocPage();
  }

  gpr(i: u32): u64 {
    return i == RSP ? this.rsp() : load<u64>(this.frame + <usize>i * 8);
  }
  setGpr(i: u32, v: u64): void {
    if (i == RSP) this.setRsp(v);
    else store<u64>(this.frame + <usize>i * 8, v);
  }

  // Put the vCPU in a loader's start: the backend's state (segments,
  // control registers, RIP, RSP, RFLAGS), then the general-purpose
  // registers that boot protocols pass arguments in.
  start(s: InitialState): void {
    this.cr4Reserved = guestCr4Reserved(this);
    this.loadState(s);
    this.cpuid.build(this);
    this.setGpr(RAX, s.rax);
    this.setGpr(RBX, s.rbx);
    this.setGpr(RSI, s.rsi);
  }

  // Back to the processor's state after RESET (SDM Vol. 3A §10.1.1, Table
  // 10-1; APM Vol. 2 §14.1.3, Table 14-1), for the next boot of a guest
  // that reset the machine (kernel/run-guest.ts), as far as start() does
  // not write it: before loadState() and start(), and before the boot's
  // devices are wired (they set `interrupts` and `apic` again).
  //   - the general-purpose registers 0 (as the first boot's zeroed frame;
  //     Table 10-1 has EDX = the processor signature, which no boot passes);
  //   - nothing queued for injection, nor an event the last exit interrupted
  //     to deliver again, no interrupt window asked for;
  //   - no MMIO failure on record; the emulated MSRs at their power-on
  //     values (kernel/vm/virtual-msrs.ts);
  //   - the TSC offset at the VM clock's (a fresh clock's 0 after
  //     Vm.resetPlatform: the host's TSC, as at the first boot);
  //   - XCR0 = 1, x87 only ("after reset all bits (except bit 0) in XCR0
  //     are cleared", SDM Vol. 3A §2.6), where the guest could load it;
  //   - IA32_TSC_AUX 0: passed through and switched by neither backend
  //     (kernel/vm/msr-policy.ts), so the last boot's value is in the
  //     processor (its reset value is not architectural; QEMU's is 0);
  //   - the backend's own state (resetBackend).
  // CR8 is the local APIC's task priority, and the next boot's APIC starts
  // at 0. Not reset: DR0-DR3 (and DR6 under VMX), which live in the
  // processor and which the HAL cannot write — DR7 = 400H (loadState)
  // disables every breakpoint they hold until a guest sets them again —
  // and the x87/SSE/AVX registers, which the core never touches (a guest
  // initializes them before use: FNINIT, LDMXCSR).
  reset(): void {
    memory.fill(this.frame, 0, FRAME_BYTES);
    this.eventQueued = false;
    this.exit.vectoring.valid = false;
    this.mmio.failure = MmioFailure.None;
    this.progress.reset();
    this.msrs.reset();
    this.interrupts = null;
    this.apic = null;
    this.setInterruptWindow(false);
    this.setTscOffset(this.vm.clock.offset);
    if (this.features.xsave) xsetbv(0, XCR0_X87);
    if (this.features.rdtscp) wrmsr(IA32_TSC_AUX, 0);
    this.resetBackend();
  }

  // ---- what a backend provides ----
  // Clear what a previous boot left in the VMCS / VMCB, and in processor
  // state the backend does not switch, beyond what loadState() writes
  // (for reset()).
  abstract resetBackend(): void;
  // Enter the guest and return at its next exit; false if the entry itself
  // failed (the backend has said why).
  abstract enter(): bool;
  // Fill the neutral exit record from the backend's exit information.
  abstract decodeExit(exit: ExitInfo): void;
  // Say why the CPU refused the guest state (exit kind EntryFailure).
  abstract reportEntryFailure(exit: ExitInfo): void;
  // Turn a loader's initial state into the VMCS / VMCB.
  abstract loadState(s: InitialState): void;

  abstract rip(): u64;
  abstract setRip(v: u64): void;
  abstract rsp(): u64;
  abstract setRsp(v: u64): void;
  abstract rflags(): u64;
  abstract setRflags(v: u64): void;
  abstract cr0(): u64;
  abstract cr3(): u64;
  abstract cr4(): u64;
  abstract efer(): u64;
  abstract setEfer(v: u64): void;
  // The guest's view of CR0 and CR4 is what cr0() and cr4() return; these
  // load an emulated MOV to CR0 / CR4 the rules allowed (kernel/vm/
  // control-registers.ts), the backend keeping the bits it owns underneath
  // (VMX: CR0.NE, CR4.VMXE).
  abstract setCr0(v: u64): void;
  abstract setCr4(v: u64): void;
  // An emulated write changed how the guest translates addresses: drop its
  // cached translations, as the write itself would have (SDM Vol. 3A
  // §4.10.4.1), and reload what the CPU takes from the tables at such a
  // write (the PAE PDPTEs under VMX, §4.4.1).
  abstract pagingChanged(): void;
  // The base of segment i (ES CS SS DS FS GS, SDM encoding order).
  abstract segmentBase(i: u32): u64;
  // Its access rights in the VMX encoding (kernel/vm/initial-state.ts AR_*):
  // D/B and L of CS give the code size.
  abstract segmentAr(i: u32): u32;
  // Segment i's selector and limit (bytes, G applied). Here and in
  // setSegment, i also names LDTR (6) and TR (7), the VMCS and initial-state
  // order (kernel/vm/initial-state.ts SegmentState).
  abstract segmentSelector(i: u32): u32;
  abstract segmentLimit(i: u32): u32;
  // Load segment i's selector and descriptor cache, as a segment load or a
  // task switch does (kernel/exits/task-switch.ts); `ar` in the VMX
  // encoding, AR_UNUSABLE for a null selector. Loading SS sets the CPL
  // (SS.DPL, as VMX takes it: SDM Vol. 3C §25.4.1; the VMCB's CPL field).
  abstract setSegment(i: u32, selector: u32, base: u64, limit: u32, ar: u32): void;
  abstract gdtrBase(): u64;
  abstract gdtrLimit(): u32;
  abstract idtrBase(): u64;
  abstract idtrLimit(): u32;
  // A CR3 the guest's own instruction would load (a task switch's, from
  // the new TSS); the caller then calls pagingChanged().
  abstract setCr3(v: u64): void;
  abstract dr7(): u64;
  abstract setDr7(v: u64): void;
  // An NMI's delivery was completed by the hypervisor (a task switch
  // through the NMI's task gate): block NMIs until the guest's IRET, as
  // the delivery would have (SDM Vol. 3A §7.7.1; APM Vol. 2 §8.2.2).
  abstract blockNmis(): void;
  // The offset the CPU adds to the TSC the guest reads (VMX TSC offsetting,
  // SDM Vol. 3C §26.6.5; SVM TSC_OFFSET, APM Vol. 2 §15.30.5): the VM
  // clock's, so RDTSC, RDTSCP and RDMSR(IA32_TSC) agree.
  abstract setTscOffset(offset: u64): void;
  // Queue an event for delivery on the next entry (sets eventQueued).
  abstract injectEvent(type: u32, vector: u32, errorCode: u32, deliverErrorCode: bool): void;
  // Software events re-delivered need the instruction's length (VMX).
  abstract setEventInstructionLength(length: u32): void;
  // Can the guest take an external interrupt at its next instruction:
  // RFLAGS.IF set and no STI / MOV SS shadow (SDM Vol. 3C §25.4.2 Table
  // 25-3; APM Vol. 2 §15.21.5)?
  abstract interruptible(): bool;
  // The instruction in an STI or MOV SS shadow has been carried out by the
  // hypervisor (e.g. the HLT of STI; HLT): the shadow ends with it (SDM Vol.
  // 3A §7.8.3 "Masking Exceptions and Interrupts When Switching Stacks", Vol.
  // 2B STI: interrupts are recognized after the next instruction). Left in
  // the guest state, it would hold off an interrupt for one more guest
  // instruction, past the wake-up of an STI; HLT loop.
  abstract endInterruptShadow(): void;
  // Exit as soon as the guest can take an interrupt (VMX interrupt-window
  // exiting, SDM Vol. 3C §26.7.5; SVM V_IRQ with the VINTR intercept, APM
  // Vol. 2 §15.21.4), or stop asking.
  abstract setInterruptWindow(on: bool): void;
  // Could an NMI be injected now: no NMI blocking (the last NMI's handler
  // has returned by IRET, SDM Vol. 3A §7.7.1, APM Vol. 2 §8.2.2) and no STI
  // or MOV SS shadow (SDM Vol. 3C §26.3.1.5 refuses the injection in a MOV
  // SS shadow; some processors also block NMIs after STI, §26.3.1.5's note).
  abstract nmiInjectable(): bool;
  // Ask for an exit once nmiInjectable() may have become true, or stop asking.
  abstract setNmiWindow(on: bool): void;
  // An NMI was queued for this entry: what the backend must do for the
  // guest's NMI blocking.
  abstract noteNmiInjected(): void;

  // An NMI-window exit (ExitKind.NmiWindow) came: what the backend notes.
  nmiWindowExit(): void {}

  // Queue an NMI (vector 2) for the next entry.
  injectNmi(): void {
    this.injectEvent(EVENT_NMI, 2, 0, false);
    this.noteNmiInjected();
  }

  // Take control back no later than `deadline` (host TSC) while the guest
  // runs. The host timer by default; VMX overrides it with its preemption
  // timer where the CPU has one.
  armTimer(deadline: u64): void {
    hostTimer.prepare(deadline);
  }

  // ---- neutral behaviour ----
  // Deliver a hardware exception on the next entry. Real mode pushes no
  // error code (SDM Vol. 3A §21.1.4; the VMX rule in Vol. 3C §26.2.1.3 and
  // the SVM one in APM Vol. 2 §15.20 both follow it).
  injectException(vector: u32, errorCode: u32, hasErrorCode: bool): void {
    this.injectEvent(EVENT_HW_EXCEPTION, vector, errorCode, hasErrorCode && (this.cr0() & CR0_PE) != 0);
  }

  // The instruction did part of its work and runs again from the same RIP
  // (a REP form's next elements): progress, for kernel/vm/progress.ts.
  madeProgress(): void {
    this.progressed = true;
  }

  // Move past the instruction that exited, which ends any interrupt shadow.
  // A length of 0 means the backend could not find it (no NRIP save and
  // bytes it cannot decode): resuming at the same RIP would exit again
  // forever, so the VM stops.
  advance(length: u32): void {
    if (length == 0) {
      this.vm.stop(StopReason.UnknownLength, 0, this.exit.raw);
      return;
    }
    // Outside 64-bit mode the instruction pointer is EIP, 32 bits (SDM Vol.
    // 1 §3.5; RIP only in 64-bit mode, §3.5.1): past an instruction that
    // ends at 4 GiB it wraps to 0, and VM entry refuses a RIP with bits
    // 63:32 set there (SDM Vol. 3C §27.3.1.4). KVM truncates the same way.
    // The mode is read only when the sum leaves 32 bits: the exit path
    // spares the VMREADs otherwise.
    let next = this.rip() + <u64>length;
    if (next > 0xffffffff && !((this.efer() & EFER_LMA) != 0 && (this.segmentAr(SEG_CS) & AR_L) != 0)) next &= 0xffffffff;
    this.setRip(next);
    this.progressed = true;
    this.endInterruptShadow();
  }
}
