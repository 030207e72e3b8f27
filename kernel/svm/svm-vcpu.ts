// An SVM vCPU: one VMCB. It enters the guest (VMRUN through the
// trampoline), decodes each #VMEXIT into the neutral record and keeps the
// guest's registers that live in the VMCB; the loop that drives it is
// kernel/vm/vcpu-loop.ts. Intercepts match what the VMX backend traps
// (kernel/vmx/controls.ts).
import { svmRun } from "../hal/imports";
import * as B from "./vmcb";
import { kindOfSvmExit, VMEXIT_IOIO } from "./exit-codes";
import { instructionLength, minimumLength, MAX_INSN } from "./insn-length";
import { vmcbSegment, writeVmcbState } from "./vmcb-state";
import { Vcpu, RAX, RSI, RDI } from "../vm/vcpu";
import { ExitInfo, ExitKind, IoExit, ACCESS_READ, ACCESS_WRITE, ACCESS_FETCH, ACCESS_PAGE_WALK } from "../vm/exit";
import { Vm } from "../vm/vm";
import { InitialState, vmxAccessRights } from "../vm/initial-state";
import { linearToGuestPhysical, NO_TRANSLATION } from "../vm/guest-walk";
import { allocPage, allocPages, physOf } from "../mm/linear";
import { EFER_LMA, EFER_SVME, PAT_RESET } from "../arch/x86";
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
const NPF_PAGE_TABLES: u64 = <u64>1 << 33;
const bytes = memory.data(16);

export class SvmVcpu extends Vcpu {
  vmcb: usize;
  hostVmcb: usize;
  nripSave: bool;

  constructor(vm: Vm, id: u32, nptRoot: u64, msrpm: usize, nripSave: bool) {
    super(vm, id);
    this.vmcb = allocPage();
    this.hostVmcb = allocPage();
    this.nripSave = nripSave;
    const v = this.vmcb;
    // Intercept every port: an all-ones permission map.
    const iopm = allocPages(IOPM_PAGES);
    memory.fill(iopm, 0xff, IOPM_PAGES * 4096);
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
    store<u64>(v + B.G_PAT, PAT_RESET); // the guest's PAT under nested paging (§15.25.8)
  }

  enter(): bool {
    const v = this.vmcb;
    store<u64>(v + B.RAX, load<u64>(this.frame + <usize>RAX * 8));
    svmRun(this.frame, physOf(v), physOf(this.hostVmcb));
    store<u64>(this.frame + <usize>RAX * 8, load<u64>(v + B.RAX));
    store<u8>(v + B.TLB_CONTROL, 0);
    store<u64>(v + B.EVENTINJ, 0); // consumed by the entry
    return true;
  }

  loadState(s: InitialState): void { writeVmcbState(this.vmcb, s); }

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
  setCr4(x: u64): void { store<u64>(this.vmcb + B.CR4, x); }
  segmentBase(i: u32): u64 { return load<u64>(this.vmcb + vmcbSegment(i) + B.SEG_BASE); }
  segmentAr(i: u32): u32 { return vmxAccessRights(<u32>load<u16>(this.vmcb + vmcbSegment(i) + B.SEG_ATTRIB)); }

  injectEvent(type: u32, vector: u32, errorCode: u32, deliverErrorCode: bool): void {
    store<u64>(this.vmcb + B.EVENTINJ, <u64>vector | (<u64>type << 8) | EVENT_VALID |
      (deliverErrorCode ? EVENT_ERROR_VALID | (<u64>errorCode << 32) : 0));
  }

  decodeExit(e: ExitInfo): void {
    const code = load<u64>(this.vmcb + B.EXITCODE);
    const info1 = load<u64>(this.vmcb + B.EXITINFO1);
    const info2 = load<u64>(this.vmcb + B.EXITINFO2);
    e.raw = <u32>code;
    e.kind = kindOfSvmExit(code, info1);
    e.qualification = info1;
    e.gpa = 0;
    e.access = 0;
    if (e.kind == ExitKind.NestedPageFault) {
      e.gpa = info2;
      e.access = (info1 & NPF_FETCH) != 0 ? ACCESS_FETCH : (info1 & NPF_WRITE) != 0 ? ACCESS_WRITE : ACCESS_READ;
      if ((info1 & NPF_PAGE_TABLES) != 0) e.access |= ACCESS_PAGE_WALK;
    }
    if (code == VMEXIT_IOIO) {
      decodeIoio(e.io, info1, this);
      // IOIO always reports the next RIP in EXITINFO2 (§15.10.2).
      e.instructionLength = <u32>(info2 - this.rip());
    } else if (this.nripSave) {
      e.instructionLength = <u32>(load<u64>(this.vmcb + B.NRIP) - this.rip());
    } else {
      e.instructionLength = this.decodeLength(e.kind);
    }
  }

  // No NRIP save: fetch the instruction and decode its length.
  private decodeLength(kind: ExitKind): u32 {
    const mem = this.vm.memory;
    const linear = load<u64>(this.vmcb + B.SEG_CS + B.SEG_BASE) + this.rip();
    const gpa = linearToGuestPhysical(this, mem, linear);
    let n: u32 = MAX_INSN;
    if (gpa != NO_TRANSLATION && gpa < mem.size && mem.size - gpa < <u64>n) n = <u32>(mem.size - gpa);
    if (gpa != NO_TRANSLATION && mem.read(gpa, bytes, n)) {
      const len = instructionLength(bytes, n, kind, (this.efer() & EFER_LMA) != 0);
      if (len != 0) return len;
    }
    return minimumLength(kind);
  }
}

// IOIO EXITINFO1 (APM Vol. 2 §15.10.2, Figure 15-2): bit 0 IN, bit 2 string,
// bit 3 REP, bits 6:4 operand size (one-hot 8/16/32), bits 9:7 address size
// (one-hot 16/32/64), bits 12:10 effective segment (ES CS SS DS FS GS),
// bits 31:16 port.
const SEG_DS_INDEX: u32 = 3;
const SEG_ES_INDEX: u32 = 0;

export function decodeIoio(io: IoExit, info1: u64, vcpu: SvmVcpu): void {
  io.isIn = (info1 & 1) != 0;
  io.isString = (info1 & (1 << 2)) != 0;
  io.isRep = (info1 & (1 << 3)) != 0;
  io.size = (info1 & (1 << 4)) != 0 ? 1 : (info1 & (1 << 5)) != 0 ? 2 : 4;
  io.addressBytes = (info1 & (1 << 7)) != 0 ? 2 : (info1 & (1 << 8)) != 0 ? 4 : 8;
  io.port = <u32>(info1 >> 16) & 0xffff;
  if (!io.isString) return;
  // INS stores at ES:rDI; OUTS reads from seg:rSI (the effective segment).
  const mask: u64 = io.addressBytes == 8 ? 0xffffffffffffffff : (<u64>1 << (<u64>io.addressBytes * 8)) - 1;
  const segIndex = <u32>((info1 >> 10) & 7);
  const seg = io.isIn ? SEG_ES_INDEX : segIndex < 6 ? segIndex : SEG_DS_INDEX;
  const index = vcpu.gpr(io.isIn ? RDI : RSI) & mask;
  io.linearAddress = vcpu.segmentBase(seg) + index;
}
