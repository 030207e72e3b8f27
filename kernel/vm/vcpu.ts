// The vCPU interface the exit layer uses. The VMX backend (kernel/vmx/) and
// the SVM backend implement it; handlers in kernel/exits/ see only this.
// General-purpose registers live in an exit frame in linear memory (the
// trampoline fills it), indexed as in x86 encodings: 0 RAX, 1 RCX, 2 RDX,
// 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15.
export const RAX: u32 = 0;
export const RCX: u32 = 1;
export const RDX: u32 = 2;
export const RBX: u32 = 3;
export const RSP: u32 = 4;
export const RBP: u32 = 5;
export const RSI: u32 = 6;
export const RDI: u32 = 7;

import { Vm } from "./vm";
import { GuestFeatures } from "./guest-features";

export const FRAME_BYTES: usize = 128;

export abstract class Vcpu {
  frame: usize = 0; // 16 x u64, page-aligned; slot 4 (RSP) is kept by the backend
  features: GuestFeatures = new GuestFeatures(); // filled by the backend at creation

  gpr(i: u32): u64 {
    return i == RSP ? this.rsp() : load<u64>(this.frame + <usize>i * 8);
  }
  setGpr(i: u32, v: u64): void {
    if (i == RSP) this.setRsp(v);
    else store<u64>(this.frame + <usize>i * 8, v);
  }

  abstract rip(): u64;
  abstract setRip(v: u64): void;
  abstract rsp(): u64;
  abstract setRsp(v: u64): void;
  abstract rflags(): u64;
  abstract cr0(): u64;
  abstract cr3(): u64;
  abstract cr4(): u64;
  abstract efer(): u64;
  abstract setEfer(v: u64): void;
  // The guest's MOV to CR4 (the backend keeps the bits it owns, e.g. VMXE).
  abstract setCr4(v: u64): void;
  // Deliver a hardware exception to the guest on the next entry.
  abstract injectException(vector: u32, errorCode: u32, hasErrorCode: bool): void;

  // Enter the guest and handle its exits until the VM stops.
  abstract run(vm: Vm): void;

  // Move past the instruction that exited.
  advance(length: u32): void {
    this.setRip(this.rip() + length);
  }
}
