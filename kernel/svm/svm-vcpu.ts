// An SVM vCPU: one VMCB, the exit frame, and the run loop — VMRUN, decode
// the #VMEXIT into the neutral record, dispatch, repeat until the VM stops.
// Intercepts match what the VMX backend traps (kernel/vmx/controls.ts).
import { svmRun, rdtsc } from "../hal/imports";
import * as B from "./vmcb";
import { kindOfSvmExit, VMEXIT_IOIO } from "./exit-codes";
import { instructionLength, minimumLength, MAX_INSN } from "./insn-length";
import { Vcpu, RAX, RSI, RDI } from "../vm/vcpu";
import { ExitInfo, ExitKind, Action } from "../vm/exit";
import { Vm, StopReason } from "../vm/vm";
import { dispatchExit } from "../vm/dispatch";
import { recordExit } from "../vm/stats";
import { io } from "../exits/io";
import { linearToGuestPhysical, NO_TRANSLATION } from "../vm/guest-walk";
import { allocPage, allocPages, physOf } from "../mm/linear";
import { begin, endl, puts, putHex } from "../console/console";

const EFER_SVME: u64 = 1 << 12; // must be set in the guest's EFER for VMRUN (§15.5.1)
const EFER_LMA: u64 = 1 << 10;
const CR0_PE: u64 = 1;
const TLB_FLUSH_ALL: u8 = 1;
const GUEST_ASID: u32 = 1; // 0 is the host's
// EVENTINJ (APM Vol. 2 §15.20): vector, type 3 = exception, EV, V.
const EVENT_EXCEPTION: u64 = 3 << 8;
const EVENT_ERROR_VALID: u64 = 1 << 11;
const EVENT_VALID: u64 = <u64>1 << 31;
// Segment attributes, VMCB-compressed (descriptor bits 47:40 and 55:52).
const ATTR_CODE_16: u16 = 0x9b;
const ATTR_DATA_16: u16 = 0x93;
const ATTR_LDT: u16 = 0x82;
const ATTR_TSS_BUSY: u16 = 0x8b;
const IOPM_PAGES: usize = 3; // 12 KiB (§15.10.1)
const MSRPM_PAGES: usize = 2; // 8 KiB (§15.11)
const bytes = memory.data(16);

export class SvmVcpu extends Vcpu {
  vmcb: usize = 0;
  hostVmcb: usize = 0;
  nripSave: bool = false;
  exit: ExitInfo = new ExitInfo();

  create(nptRoot: u64, nripSave: bool): void {
    this.vmcb = allocPage();
    this.hostVmcb = allocPage();
    this.frame = allocPage();
    this.nripSave = nripSave;
    const v = this.vmcb;
    // Intercept every port and every MSR: all-ones permission maps.
    const iopm = allocPages(IOPM_PAGES);
    memory.fill(iopm, 0xff, IOPM_PAGES * 4096);
    const msrpm = allocPages(MSRPM_PAGES);
    memory.fill(msrpm, 0xff, MSRPM_PAGES * 4096);
    store<u32>(v + B.INTERCEPT_MISC1, B.MISC1_INTR | B.MISC1_NMI | B.MISC1_CPUID | B.MISC1_INVD | B.MISC1_HLT |
      B.MISC1_IOIO_PROT | B.MISC1_MSR_PROT | B.MISC1_SHUTDOWN);
    store<u32>(v + B.INTERCEPT_MISC2, B.MISC2_VMRUN | B.MISC2_VMMCALL | B.MISC2_VMLOAD | B.MISC2_VMSAVE |
      B.MISC2_STGI | B.MISC2_CLGI | B.MISC2_SKINIT | B.MISC2_WBINVD | B.MISC2_XSETBV);
    store<u64>(v + B.IOPM_BASE_PA, physOf(iopm));
    store<u64>(v + B.MSRPM_BASE_PA, physOf(msrpm));
    store<u32>(v + B.GUEST_ASID, GUEST_ASID);
    store<u8>(v + B.TLB_CONTROL, TLB_FLUSH_ALL);
    store<u64>(v + B.NP_ENABLE, 1);
    store<u64>(v + B.N_CR3, nptRoot);
    store<u32>(v + B.VMCB_CLEAN, 0); // nothing cached: every field is reloaded on VMRUN
  }

  // Real mode at 0:entry, SP = stack (the reset state but for CS:IP).
  setupRealMode(entry: u64, stack: u64): void {
    const v = this.vmcb;
    for (let s = B.SEG_ES; s <= B.SEG_TR; s += 16) {
      store<u16>(v + s, 0);
      store<u32>(v + s + B.SEG_LIMIT, 0xffff);
      store<u64>(v + s + B.SEG_BASE, 0);
      let attr = ATTR_DATA_16;
      if (s == B.SEG_CS) attr = ATTR_CODE_16;
      else if (s == B.SEG_LDTR) attr = ATTR_LDT;
      else if (s == B.SEG_TR) attr = ATTR_TSS_BUSY;
      else if (s == B.SEG_GDTR || s == B.SEG_IDTR) attr = 0;
      store<u16>(v + s + B.SEG_ATTRIB, attr);
    }
    store<u32>(v + B.SEG_IDTR + B.SEG_LIMIT, 0x3ff); // the real-mode IVT
    store<u8>(v + B.CPL, 0);
    store<u64>(v + B.EFER, EFER_SVME);
    store<u64>(v + B.CR0, 0x30); // ET, NE
    store<u64>(v + B.CR3, 0);
    store<u64>(v + B.CR4, 0);
    store<u64>(v + B.DR7, 0x400);
    store<u64>(v + B.DR6, 0xffff0ff0);
    store<u64>(v + B.RFLAGS, 2);
    store<u64>(v + B.RIP, entry);
    store<u64>(v + B.RSP, stack);
    store<u64>(v + B.G_PAT, 0x0007040600070406); // power-on PAT
  }

  rip(): u64 { return load<u64>(this.vmcb + B.RIP); }
  setRip(x: u64): void { store<u64>(this.vmcb + B.RIP, x); }
  rsp(): u64 { return load<u64>(this.vmcb + B.RSP); }
  setRsp(x: u64): void { store<u64>(this.vmcb + B.RSP, x); }
  rflags(): u64 { return load<u64>(this.vmcb + B.RFLAGS); }
  cr0(): u64 { return load<u64>(this.vmcb + B.CR0); }
  cr3(): u64 { return load<u64>(this.vmcb + B.CR3); }
  cr4(): u64 { return load<u64>(this.vmcb + B.CR4); }
  // The guest never sees EFER.SVME (SVM is hidden from it), but it stays set.
  efer(): u64 { return load<u64>(this.vmcb + B.EFER) & ~EFER_SVME; }
  setEfer(x: u64): void { store<u64>(this.vmcb + B.EFER, x | EFER_SVME); }
  setCr4(x: u64): void { store<u64>(this.vmcb + B.CR4, x); }

  injectException(vector: u32, errorCode: u32, hasErrorCode: bool): void {
    const withCode = hasErrorCode && (this.cr0() & CR0_PE) != 0;
    store<u64>(this.vmcb + B.EVENTINJ, <u64>vector | EVENT_EXCEPTION | EVENT_VALID |
      (withCode ? EVENT_ERROR_VALID | (<u64>errorCode << 32) : 0));
  }

  run(vm: Vm): void {
    while (vm.stopReason == StopReason.None) {
      store<u64>(this.vmcb + B.RAX, load<u64>(this.frame + <usize>RAX * 8));
      svmRun(this.frame, physOf(this.vmcb), physOf(this.hostVmcb));
      const t0 = rdtsc();
      store<u64>(this.frame + <usize>RAX * 8, load<u64>(this.vmcb + B.RAX));
      store<u8>(this.vmcb + B.TLB_CONTROL, 0);
      store<u64>(this.vmcb + B.EVENTINJ, 0); // consumed by the entry
      this.decode(vm);
      if (this.exit.kind == ExitKind.EntryFailure) {
        begin("SVM: VMRUN refused the guest state (VMEXIT_INVALID, exit code ");
        putHex(load<u64>(this.vmcb + B.EXITCODE));
        puts(")");
        endl();
        vm.stop(StopReason.EntryFailed);
      } else if (dispatchExit(this, this.exit) == Action.Stop && vm.stopReason == StopReason.None) {
        vm.stop(StopReason.Unhandled, 0, this.exit.raw);
      }
      recordExit(this.exit.kind, rdtsc() - t0);
    }
  }

  private decode(vm: Vm): void {
    const e = this.exit;
    const code = load<u64>(this.vmcb + B.EXITCODE);
    const info1 = load<u64>(this.vmcb + B.EXITINFO1);
    const info2 = load<u64>(this.vmcb + B.EXITINFO2);
    e.raw = <u32>code;
    e.kind = kindOfSvmExit(code, info1);
    e.qualification = info1;
    e.gpa = e.kind == ExitKind.NestedPageFault ? info2 : 0;
    if (code == VMEXIT_IOIO) {
      decodeIoio(info1, this);
      // IOIO always reports the next RIP in EXITINFO2 (§15.10.2).
      e.instructionLength = <u32>(info2 - this.rip());
    } else if (this.nripSave) {
      e.instructionLength = <u32>(load<u64>(this.vmcb + B.NRIP) - this.rip());
    } else {
      e.instructionLength = this.decodeLength(vm, e.kind);
    }
  }

  // No NRIP save: fetch the instruction and decode its length.
  private decodeLength(vm: Vm, kind: ExitKind): u32 {
    const linear = load<u64>(this.vmcb + B.SEG_CS + B.SEG_BASE) + this.rip();
    const gpa = linearToGuestPhysical(this, vm.memory, linear);
    let n: u32 = MAX_INSN;
    if (gpa != NO_TRANSLATION && gpa < vm.memory.size && vm.memory.size - gpa < <u64>n) n = <u32>(vm.memory.size - gpa);
    if (gpa != NO_TRANSLATION && vm.memory.read(gpa, bytes, n)) {
      const len = instructionLength(bytes, n, kind, (this.efer() & EFER_LMA) != 0);
      if (len != 0) return len;
    }
    return minimumLength(kind);
  }

  segmentBase(seg: usize): u64 {
    return load<u64>(this.vmcb + seg + B.SEG_BASE);
  }
}

// IOIO EXITINFO1 (APM Vol. 2 §15.10.2, Figure 15-2): bit 0 IN, bit 2 string,
// bit 3 REP, bits 6:4 operand size (one-hot 8/16/32), bits 9:7 address size
// (one-hot 16/32/64), bits 12:10 effective segment, bits 31:16 port.
const SEGMENT_ORDER: StaticArray<usize> = [B.SEG_ES, B.SEG_CS, B.SEG_SS, B.SEG_DS, B.SEG_FS, B.SEG_GS];

export function decodeIoio(info1: u64, vcpu: SvmVcpu): void {
  io.isIn = (info1 & 1) != 0;
  io.isString = (info1 & (1 << 2)) != 0;
  io.isRep = (info1 & (1 << 3)) != 0;
  io.size = (info1 & (1 << 4)) != 0 ? 1 : (info1 & (1 << 5)) != 0 ? 2 : 4;
  io.addressBytes = (info1 & (1 << 7)) != 0 ? 2 : (info1 & (1 << 8)) != 0 ? 4 : 8;
  io.port = <u32>(info1 >> 16) & 0xffff;
  if (!io.isString) return;
  // INS stores at ES:rDI; OUTS reads from seg:rSI (the effective segment).
  const mask: u64 = io.addressBytes == 8 ? 0xffffffffffffffff : (<u64>1 << (<u64>io.addressBytes * 8)) - 1;
  const segIndex = <i32>((info1 >> 10) & 7);
  const seg = io.isIn ? B.SEG_ES : SEGMENT_ORDER[segIndex < 6 ? segIndex : 3];
  const index = vcpu.gpr(io.isIn ? RDI : RSI) & mask;
  io.linearAddress = vcpu.segmentBase(seg) + index;
}
