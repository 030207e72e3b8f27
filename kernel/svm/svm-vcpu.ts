// An SVM vCPU: one VMCB. It enters the guest (VMRUN through the
// trampoline), decodes each #VMEXIT into the neutral record and keeps the
// guest's registers that live in the VMCB; the loop that drives it is
// kernel/vm/vcpu-loop.ts. Intercepts match what the VMX backend traps
// (kernel/vmx/controls.ts).
import { svmRun } from "../hal/imports";
import * as B from "./vmcb";
import { kindOfSvmExit, VMEXIT_IOIO, VMEXIT_IRET, VMEXIT_EXCP_BASE } from "./exit-codes";
import { instructionLength, minimumLength, MAX_INSN } from "./insn-length";
import { stringIoPrefixes } from "./string-io-prefixes";
import { decodeCrWrite } from "./cr-decode";
import { decodeSvmTaskSwitch } from "./task-switch-decode";
import { vmcbSegment, writeVmcbState } from "./vmcb-state";
import { Vcpu, RAX, RSI, RDI } from "../vm/vcpu";
import { ExitInfo, ExitKind, IoExit, PendingEvent, CR_LMSW, ACCESS_READ, ACCESS_WRITE, ACCESS_FETCH, ACCESS_PAGE_WALK } from "../vm/exit";
import { Vm } from "../vm/vm";
import { InitialState, vmxAccessRights, svmAttributes } from "../vm/initial-state";
import { linearToGuestPhysical, NO_TRANSLATION } from "../vm/guest-walk";
import { allocPage, allocPages, physOf } from "../mm/linear";
import { EFER_LMA, EFER_SVME, PAT_RESET, RFLAGS_IF } from "../arch/x86";
import { begin, endl, puts, putHex } from "../console/console";

const TLB_FLUSH_ALL: u8 = 1;
const GUEST_ASID: u32 = 1; // 0 is the host's
// EVENTINJ (APM Vol. 2 §15.20): vector 7:0, type 10:8, EV 11, V 31, error code 63:32.
const EVENT_ERROR_VALID: u64 = 1 << 11;
const EVENT_VALID: u64 = <u64>1 << 31;
const IOPM_PAGES: usize = 3; // 12 KiB (§15.10.1)
export const MSRPM_PAGES: usize = 2; // 8 KiB (§15.11)
// #NPF EXITINFO1 (§15.25.6): the page-fault error code — bit 1 write, bit 4
// fetch — and bit 33: the fault came from the walk of the guest's page tables.
const NPF_WRITE: u64 = 1 << 1;
const NPF_FETCH: u64 = 1 << 4;
// V_INTR fields (APM Vol. 2 §15.21.4, Table B-1 offset 0x60).
const V_IRQ: u64 = 1 << 8;
const V_INTR_PRIO_15: u64 = 0xf << 16;
const V_IGN_TPR: u64 = 1 << 20;
// Physical interrupts are masked by the host's IF (saved by VMRUN, set by
// the trampoline) rather than the guest's, so a guest spinning with IF=0
// still exits on the hypervisor's timer (§15.21.1).
const V_INTR_MASKING: u64 = 1 << 24;
const NPF_PAGE_TABLES: u64 = <u64>1 << 33;
const bytes = memory.data(16);
const PAGE: u64 = 4096;
// CS.L in the VMCB's packed segment attribute (APM Vol. 2 §15.5.1:
// descriptor bits 55:52 in attribute bits 11:8, L is bit 53).
const ATTRIB_L: u32 = 1 << 9;
// CS.D (descriptor bit 54): the default operand and address size is 32.
const ATTRIB_DB: u32 = 1 << 10;

const NO_IRET: u64 = 0xffffffffffffffff;
const SEG_SS_INDEX: u32 = 2; // ES CS SS DS FS GS order
// RFLAGS.TF (bit 8) and RF (bit 16); #DB is vector 1 (SDM Vol. 3A §18.3.1.4).
const RFLAGS_TF: u64 = 1 << 8;
const RFLAGS_RF: u64 = 1 << 16;
const DB_VECTOR: u32 = 1;

export class SvmVcpu extends Vcpu {
  vmcb: usize;
  hostVmcb: usize;
  nripSave: bool;
  // NMI blocking, which SVM leaves to the hypervisor (APM Vol. 2 §15.21.3):
  // set when an NMI is injected, ended by the guest's IRET — intercepted,
  // so the exit comes before the IRET runs: the blocking ends once the
  // vCPU has moved on from it (`iretAt`, checked at the next exits; KVM
  // does the same, "awaiting IRET completion").
  private nmiBlocked: bool = false;
  private iretAt: u64 = NO_IRET;
  private irqWindow: bool = false;
  private nmiWindow: bool = false;
  // Single-stepping the guest over its IRET, to end the NMI blocking right
  // after it when no interrupt window can (IF stays 0): RFLAGS.TF and RF
  // set, #DB intercepted (as KVM's nmi_singlestep); `stepTfRf` the guest's
  // own TF and RF then.
  private stepping: bool = false;
  private stepTfRf: u64 = 0;

  constructor(vm: Vm, id: u32, nptRoot: u64, msrpm: usize, nripSave: bool) {
    super(vm, id);
    this.vmcb = allocPage();
    this.hostVmcb = allocPage();
    this.nripSave = nripSave;
    const v = this.vmcb;
    // Intercept every port: an all-ones permission map.
    const iopm = allocPages(IOPM_PAGES);
    memory.fill(iopm, 0xff, IOPM_PAGES * 4096);
    // Every write of CR0 and CR4: VMRUN does not check what the guest
    // writes there, so the hypervisor enforces the CPU's rules (kernel/exits/
    // cr-access.ts). Reads, CR3 and CR8 (V_TPR) run natively.
    store<u16>(v + B.INTERCEPT_CR_WRITE, B.CR_WRITE_CR0 | B.CR_WRITE_CR4);
    store<u32>(v + B.INTERCEPT_MISC1, B.MISC1_INTR | B.MISC1_NMI | B.MISC1_CPUID | B.MISC1_INVD | B.MISC1_HLT |
      B.MISC1_INVLPGA | B.MISC1_IOIO_PROT | B.MISC1_MSR_PROT | B.MISC1_TASK_SWITCH | B.MISC1_SHUTDOWN);
    store<u32>(v + B.INTERCEPT_MISC2, B.MISC2_VMRUN | B.MISC2_VMMCALL | B.MISC2_VMLOAD | B.MISC2_VMSAVE |
      B.MISC2_STGI | B.MISC2_CLGI | B.MISC2_SKINIT | B.MISC2_WBINVD | B.MISC2_MONITOR | B.MISC2_MWAIT |
      B.MISC2_XSETBV);
    store<u64>(v + B.IOPM_BASE_PA, physOf(iopm));
    store<u64>(v + B.MSRPM_BASE_PA, physOf(msrpm));
    store<u32>(v + B.GUEST_ASID, GUEST_ASID);
    store<u8>(v + B.TLB_CONTROL, TLB_FLUSH_ALL);
    store<u64>(v + B.NP_ENABLE, 1);
    store<u64>(v + B.N_CR3, nptRoot);
    store<u32>(v + B.VMCB_CLEAN, 0); // nothing cached: every field is reloaded on VMRUN
    store<u64>(v + B.G_PAT, PAT_RESET); // the guest's PAT under nested paging (§15.25.8)
    store<u64>(v + B.V_INTR, V_INTR_MASKING);
  }

  enter(): bool {
    const v = this.vmcb;
    store<u64>(v + B.RAX, load<u64>(this.frame + <usize>RAX * 8));
    // With V_INTR_MASKING the guest's CR8 is V_TPR (APM Vol. 2 §15.21.1):
    // the local APIC's task priority goes in, and a CR8 the guest wrote
    // comes back out (SDM Vol. 3A §12.8.6.1).
    const ic = this.interrupts;
    if (ic !== null) store<u8>(v + B.V_INTR, <u8>ic.cr8());
    svmRun(this.frame, physOf(v), physOf(this.hostVmcb));
    if (ic !== null) {
      const vtpr = <u32>load<u8>(v + B.V_INTR) & 0xf;
      if (vtpr != ic.cr8()) ic.setCr8(vtpr);
    }
    store<u64>(this.frame + <usize>RAX * 8, load<u64>(v + B.RAX));
    store<u8>(v + B.TLB_CONTROL, 0);
    store<u64>(v + B.EVENTINJ, 0); // consumed by the entry
    this.eventQueued = false;
    return true;
  }

  loadState(s: InitialState): void { writeVmcbState(this.vmcb, s); }

  // writeVmcbState covers the state-save area a boot starts from
  // (segments with FS, GS, LDTR and TR, descriptor tables, CPL, EFER,
  // CR0/CR3/CR4, DR6/DR7, RFLAGS, RIP, RSP); the neutral reset() clears
  // V_IRQ and the VINTR intercept. Left here, as after RESET (APM Vol. 2
  // §14.1.3, Table 14-1; QEMU's reset clears the same):
  //   - EVENTINJ (no event to inject, §15.20) and the interrupt shadow
  //     (§15.21.5); V_TPR 0, the next boot's APIC priority (V_INTR keeps
  //     only V_INTR_MASKING);
  //   - CR2, and the VMLOAD/VMSAVE state that writeVmcbState does not
  //     write — SYSCALL (STAR, LSTAR, CSTAR, SFMASK), KernelGsBase, SYSENTER
  //     CS/ESP/EIP (§15.5.2) — at 0;
  //   - G_PAT at the power-on PAT (§15.25.8);
  //   - the TLBs, which RESET empties: TLB_CONTROL flushes every ASID on
  //     the next VMRUN (§15.16), as at the first.
  resetBackend(): void {
    const v = this.vmcb;
    this.nmiBlocked = false;
    this.iretAt = NO_IRET;
    this.nmiWindow = false;
    this.stepping = false;
    this.setDbIntercept(false);
    this.setIretIntercept(false);
    store<u64>(v + B.EVENTINJ, 0);
    store<u64>(v + B.INTERRUPT_SHADOW, 0);
    store<u64>(v + B.V_INTR, V_INTR_MASKING);
    store<u64>(v + B.CR2, 0);
    store<u64>(v + B.STAR, 0);
    store<u64>(v + B.LSTAR, 0);
    store<u64>(v + B.CSTAR, 0);
    store<u64>(v + B.SFMASK, 0);
    store<u64>(v + B.KERNEL_GS_BASE, 0);
    store<u64>(v + B.SYSENTER_CS, 0);
    store<u64>(v + B.SYSENTER_ESP, 0);
    store<u64>(v + B.SYSENTER_EIP, 0);
    store<u64>(v + B.G_PAT, PAT_RESET);
    store<u8>(v + B.TLB_CONTROL, TLB_FLUSH_ALL);
  }

  reportEntryFailure(exit: ExitInfo): void {
    begin("SVM: VMRUN refused the guest state (VMEXIT_INVALID, exit code ");
    putHex(load<u64>(this.vmcb + B.EXITCODE));
    puts(")");
    endl();
  }

  rip(): u64 { return load<u64>(this.vmcb + B.RIP); }
  setRip(x: u64): void { store<u64>(this.vmcb + B.RIP, x); }
  rsp(): u64 { return load<u64>(this.vmcb + B.RSP); }
  setRsp(x: u64): void { store<u64>(this.vmcb + B.RSP, x); }
  rflags(): u64 { return load<u64>(this.vmcb + B.RFLAGS); }
  setRflags(x: u64): void { store<u64>(this.vmcb + B.RFLAGS, x); }
  cr0(): u64 { return load<u64>(this.vmcb + B.CR0); }
  cr3(): u64 { return load<u64>(this.vmcb + B.CR3); }
  cr4(): u64 { return load<u64>(this.vmcb + B.CR4); }
  // The guest never sees EFER.SVME (SVM is hidden from it), but it stays set.
  efer(): u64 { return load<u64>(this.vmcb + B.EFER) & ~EFER_SVME; }
  setEfer(x: u64): void { store<u64>(this.vmcb + B.EFER, x | EFER_SVME); }
  setCr0(x: u64): void { store<u64>(this.vmcb + B.CR0, x); }
  setCr4(x: u64): void { store<u64>(this.vmcb + B.CR4, x); }
  // The guest's TLB entries are tagged by its ASID; flushing every ASID at
  // the next VMRUN (§15.16.1) is the one TLB control QEMU's TCG has.
  pagingChanged(): void { store<u8>(this.vmcb + B.TLB_CONTROL, TLB_FLUSH_ALL); }
  segmentBase(i: u32): u64 { return load<u64>(this.vmcb + vmcbSegment(i) + B.SEG_BASE); }
  segmentAr(i: u32): u32 { return vmxAccessRights(<u32>load<u16>(this.vmcb + vmcbSegment(i) + B.SEG_ATTRIB)); }
  segmentSelector(i: u32): u32 { return <u32>load<u16>(this.vmcb + vmcbSegment(i)); }
  segmentLimit(i: u32): u32 { return load<u32>(this.vmcb + vmcbSegment(i) + B.SEG_LIMIT); }
  // The packed attribute (svmAttributes); the CPL field follows SS.DPL
  // (bits 6:5 of the access rights), as VMRUN takes the CPL from it
  // (APM Vol. 2 §15.5.1) and startCpl sets it at a start.
  setSegment(i: u32, selector: u32, base: u64, limit: u32, ar: u32): void {
    const at = this.vmcb + vmcbSegment(i);
    store<u16>(at, <u16>selector);
    store<u16>(at + B.SEG_ATTRIB, <u16>svmAttributes(ar));
    store<u32>(at + B.SEG_LIMIT, limit);
    store<u64>(at + B.SEG_BASE, base);
    if (i == SEG_SS_INDEX) store<u8>(this.vmcb + B.CPL, <u8>((ar >> 5) & 3));
  }
  gdtrBase(): u64 { return load<u64>(this.vmcb + B.SEG_GDTR + B.SEG_BASE); }
  gdtrLimit(): u32 { return load<u32>(this.vmcb + B.SEG_GDTR + B.SEG_LIMIT); }
  idtrBase(): u64 { return load<u64>(this.vmcb + B.SEG_IDTR + B.SEG_BASE); }
  idtrLimit(): u32 { return load<u32>(this.vmcb + B.SEG_IDTR + B.SEG_LIMIT); }
  setCr3(x: u64): void { store<u64>(this.vmcb + B.CR3, x); }
  dr7(): u64 { return load<u64>(this.vmcb + B.DR7); }
  setDr7(x: u64): void { store<u64>(this.vmcb + B.DR7, x); }
  // SVM leaves NMI blocking to the hypervisor: as for an injected NMI.
  blockNmis(): void { this.noteNmiInjected(); }

  injectEvent(type: u32, vector: u32, errorCode: u32, deliverErrorCode: bool): void {
    store<u64>(this.vmcb + B.EVENTINJ, <u64>vector | (<u64>type << 8) | EVENT_VALID |
      (deliverErrorCode ? EVENT_ERROR_VALID | (<u64>errorCode << 32) : 0));
    this.eventQueued = true;
  }
  // EVENTINJ re-delivers software interrupts by their vector alone: the
  // saved RIP already points past the INTn (§15.20).
  setEventInstructionLength(length: u32): void {}
  setTscOffset(offset: u64): void { store<u64>(this.vmcb + B.TSC_OFFSET, offset); }

  interruptible(): bool {
    return (this.rflags() & RFLAGS_IF) != 0 && (load<u64>(this.vmcb + B.INTERRUPT_SHADOW) & 1) == 0;
  }

  // INTERRUPT_SHADOW bit 0 (APM Vol. 2 §15.21.5).
  endInterruptShadow(): void {
    const p = this.vmcb + B.INTERRUPT_SHADOW;
    const v = load<u64>(p);
    if ((v & 1) != 0) store<u64>(p, v & ~<u64>1);
  }

  // A virtual interrupt of the highest priority, TPR ignored: the VINTR
  // intercept fires when the guest could take it (§15.21.4).
  setInterruptWindow(on: bool): void {
    this.irqWindow = on;
    this.applyWindow();
  }

  nmiInjectable(): bool {
    if (this.iretAt != NO_IRET && this.rip() != this.iretAt) {
      this.nmiBlocked = false;
      this.iretAt = NO_IRET;
    }
    return !this.nmiBlocked && (load<u64>(this.vmcb + B.INTERRUPT_SHADOW) & 1) == 0;
  }

  // After the IRET exit, a single step brings the vCPU back as soon as
  // the IRET has run (a virtual-interrupt window would wait for IF = 1,
  // which an NMI handler's return need not set).
  setNmiWindow(on: bool): void {
    this.nmiWindow = on;
    if (on && this.iretAt != NO_IRET && !this.stepping) {
      const f = this.rflags();
      this.stepTfRf = f & (RFLAGS_TF | RFLAGS_RF);
      this.setRflags(f | RFLAGS_TF | RFLAGS_RF);
      this.setDbIntercept(true);
      this.stepping = true;
    }
  }

  // Is this exit the #DB of that single step? Then it is the NMI window:
  // TF and RF back as the guest had them, unless its IRET loaded its own
  // (APM Vol. 2 §13.1.5: the trap comes after the instruction).
  private stepDone(code: u64): bool {
    if (!this.stepping || code != VMEXIT_EXCP_BASE + DB_VECTOR) return false;
    this.stepping = false;
    this.setDbIntercept(false);
    this.setRflags(this.rflags() & ~((RFLAGS_TF | RFLAGS_RF) & ~this.stepTfRf));
    return true;
  }

  private setDbIntercept(on: bool): void {
    const p = this.vmcb + B.INTERCEPT_EXCEPTIONS;
    const bits = load<u32>(p);
    store<u32>(p, on ? bits | (1 << DB_VECTOR) : bits & ~(<u32>1 << DB_VECTOR));
  }

  noteNmiInjected(): void {
    this.nmiBlocked = true;
    this.iretAt = NO_IRET;
    this.setIretIntercept(true);
  }

  // The IRET intercept's exit (kernel/exits/faults.ts handleNmiWindow); the
  // single step's needs nothing more (stepDone).
  nmiWindowExit(): void {
    if (<u64>this.exit.raw != VMEXIT_IRET) return;
    this.iretAt = this.rip();
    this.setIretIntercept(false);
    this.applyWindow();
  }

  private setIretIntercept(on: bool): void {
    const p = this.vmcb + B.INTERCEPT_MISC1;
    const misc1 = load<u32>(p);
    store<u32>(p, on ? misc1 | B.MISC1_IRET : misc1 & ~B.MISC1_IRET);
  }

  private applyWindow(): void {
    const on = this.irqWindow || (this.nmiWindow && this.iretAt != NO_IRET);
    const v = this.vmcb;
    const vintr = load<u64>(v + B.V_INTR) & ~(V_IRQ | V_INTR_PRIO_15 | V_IGN_TPR);
    store<u64>(v + B.V_INTR, on ? vintr | V_IRQ | V_INTR_PRIO_15 | V_IGN_TPR : vintr);
    const misc1 = load<u32>(v + B.INTERCEPT_MISC1);
    store<u32>(v + B.INTERCEPT_MISC1, on ? misc1 | B.MISC1_VINTR : misc1 & ~B.MISC1_VINTR);
  }

  decodeExit(e: ExitInfo): void {
    const code = load<u64>(this.vmcb + B.EXITCODE);
    const info1 = load<u64>(this.vmcb + B.EXITINFO1);
    const info2 = load<u64>(this.vmcb + B.EXITINFO2);
    e.raw = <u32>code;
    e.kind = this.stepDone(code) ? ExitKind.NmiWindow : kindOfSvmExit(code, info1);
    decodeExitIntInfo(e.vectoring, load<u64>(this.vmcb + B.EXITINTINFO));
    e.qualification = info1;
    e.gpa = 0;
    e.access = 0;
    if (e.kind == ExitKind.NestedPageFault) {
      e.gpa = info2;
      e.access = (info1 & NPF_FETCH) != 0 ? ACCESS_FETCH : (info1 & NPF_WRITE) != 0 ? ACCESS_WRITE : ACCESS_READ;
      if ((info1 & NPF_PAGE_TABLES) != 0) e.access |= ACCESS_PAGE_WALK;
    }
    if (code == VMEXIT_IOIO) {
      // IOIO always reports the next RIP in EXITINFO2 (§15.10.2).
      e.instructionLength = <u32>(info2 - this.rip());
      decodeIoio(e.io, info1, this, e.instructionLength);
    } else if (e.kind == ExitKind.CrAccess) {
      const len = this.decodeCr(e);
      e.instructionLength = this.nripSave ? <u32>(load<u64>(this.vmcb + B.NRIP) - this.rip()) : len;
    } else if (e.kind == ExitKind.TaskSwitch) {
      // No next RIP for this intercept (it has fault semantics): the
      // handler decodes the switching instruction where it needs it.
      decodeSvmTaskSwitch(e.task, info1, info2, e.vectoring);
      e.instructionLength = 0;
    } else if (this.nripSave) {
      e.instructionLength = <u32>(load<u64>(this.vmcb + B.NRIP) - this.rip());
    } else {
      e.instructionLength = this.decodeLength(e.kind);
    }
  }

  // Which write of CR0 or CR4 exited, from its bytes (kernel/svm/
  // cr-decode.ts); its length, 0 if the bytes are none of them.
  private decodeCr(e: ExitInfo): u32 {
    const mode64 = this.mode64();
    const n = this.fetch(this.codeBase(mode64) + this.rip(), MAX_INSN);
    const len = decodeCrWrite(bytes, n, mode64, e.cr);
    if (e.cr.type == CR_LMSW) e.cr.lmswSource = <u32>this.gpr(e.cr.gpr) & 0xffff;
    return len;
  }

  // String I/O: its address size and segment from the `length` bytes at
  // RIP (./string-io-prefixes.ts), or 0 if they cannot be fetched.
  stringIoPrefixes(length: u32): u32 {
    const mode64 = this.mode64();
    const want = length < MAX_INSN ? length : MAX_INSN;
    const n = this.fetch(this.codeBase(mode64) + this.rip(), want);
    if (n == 0 || n < want) return 0;
    const csD = (<u32>load<u16>(this.vmcb + B.SEG_CS + B.SEG_ATTRIB) & ATTRIB_DB) != 0;
    return stringIoPrefixes(bytes, n, mode64, csD);
  }

  private mode64(): bool {
    return (this.efer() & EFER_LMA) != 0 && (<u32>load<u16>(this.vmcb + B.SEG_CS + B.SEG_ATTRIB) & ATTRIB_L) != 0;
  }
  private codeBase(mode64: bool): u64 { return mode64 ? 0 : load<u64>(this.vmcb + B.SEG_CS + B.SEG_BASE); }

  // No NRIP save: fetch the instruction and decode its length. 64-bit mode
  // is long mode with a 64-bit CS (CS.L); there the CS base is taken as 0
  // (SDM Vol. 3A §3.4.4). Compatibility mode (CS.L clear) is 32-bit code.
  private decodeLength(kind: ExitKind): u32 {
    const mode64 = this.mode64();
    const n = this.fetch(this.codeBase(mode64) + this.rip(), MAX_INSN);
    const len = n == 0 ? 0 : instructionLength(bytes, n, kind, mode64);
    return len != 0 ? len : minimumLength(kind);
  }

  // Copy up to `max` bytes from guest-linear `linear` into `bytes`, each
  // 4 KiB page translated on its own (an instruction may cross into a page
  // mapped elsewhere); stops at the first byte that is unmapped or outside
  // guest RAM. Returns how many bytes were copied.
  private fetch(linear: u64, max: u32): u32 {
    const mem = this.vm.memory;
    let got: u32 = 0;
    while (got < max) {
      const at = linear + got;
      const gpa = linearToGuestPhysical(this, mem, at);
      if (gpa == NO_TRANSLATION || mem.bytesFrom(gpa) == 0) break;
      let chunk = min<u64>(<u64>(max - got), PAGE - (at & (PAGE - 1)));
      if (chunk > mem.bytesFrom(gpa)) chunk = mem.bytesFrom(gpa);
      if (!mem.read(gpa, bytes + got, <u32>chunk)) break;
      got += <u32>chunk;
    }
    return got;
  }
}

// EXITINTINFO (APM Vol. 2 §15.7.2): the EVENTINJ format — vector 7:0,
// type 10:8, EV 11, V 31, error code 63:32.
function decodeExitIntInfo(e: PendingEvent, info: u64): void {
  e.valid = (info & EVENT_VALID) != 0;
  if (!e.valid) return;
  e.vector = <u32>info & 0xff;
  e.type = <u32>(info >> 8) & 7;
  e.hasErrorCode = (info & EVENT_ERROR_VALID) != 0;
  e.errorCode = <u32>(info >> 32);
  e.instructionLength = 0;
}

// IOIO EXITINFO1 (APM Vol. 2 §15.10.2, Figure 15-2): bit 0 IN, bit 2 string,
// bit 3 REP, bits 6:4 operand size (one-hot 8/16/32), bits 9:7 address size
// (one-hot 16/32/64), bits 12:10 effective segment (ES CS SS DS FS GS),
// bits 31:16 port.
const SEG_DS_INDEX: u32 = 3;
const SEG_ES_INDEX: u32 = 0;

export function decodeIoio(io: IoExit, info1: u64, vcpu: SvmVcpu, length: u32): void {
  io.isIn = (info1 & 1) != 0;
  io.isString = (info1 & (1 << 2)) != 0;
  io.isRep = (info1 & (1 << 3)) != 0;
  io.size = (info1 & (1 << 4)) != 0 ? 1 : (info1 & (1 << 5)) != 0 ? 2 : 4;
  io.addressBytes = (info1 & (1 << 7)) != 0 ? 2 : (info1 & (1 << 8)) != 0 ? 4 : 8;
  io.port = <u32>(info1 >> 16) & 0xffff;
  if (!io.isString) return;
  // The address size and OUTS's segment from the prefixes (./string-io-
  // prefixes.ts), when the bytes can be fetched; else EXITINFO1's.
  let segIndex = <u32>((info1 >> 10) & 7);
  const decoded = vcpu.stringIoPrefixes(length);
  if (decoded != 0) {
    io.addressBytes = decoded & 0xff;
    segIndex = decoded >> 8;
  }
  // INS stores at ES:rDI; OUTS reads from seg:rSI (the effective segment).
  const mask: u64 = io.addressBytes == 8 ? 0xffffffffffffffff : (<u64>1 << (<u64>io.addressBytes * 8)) - 1;
  const seg = io.isIn ? SEG_ES_INDEX : segIndex < 6 ? segIndex : SEG_DS_INDEX;
  io.segment = seg;
  const index = vcpu.gpr(io.isIn ? RDI : RSI) & mask;
  io.linearAddress = vcpu.segmentBase(seg) + index;
}
