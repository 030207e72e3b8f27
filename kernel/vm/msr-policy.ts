// The guest's MSRs, declared in one table: for each MSR a guest may touch,
// whether it is passed through (the guest's RDMSR/WRMSR run on the real
// MSR, with no exit) or emulated by the hypervisor (it exits, and
// kernel/exits/msr.ts answers). Every MSR not in the table exits and gets
// #GP, as on a CPU without it (SDM Vol. 2B RDMSR/WRMSR: "#GP(0) if ECX
// specifies a reserved or unimplemented MSR address").
//
// A passed-through MSR is safe only where the guest's value cannot leak
// into the host or another guest; the note on each entry says why it holds.
// The VMX MSR bitmap and the SVM MSR permission map are built from this
// table (buildVmxMsrBitmap, buildSvmMsrPermissionMap) and the unit tests
// check both against it.

import { cpu } from "../cpu/identify";

export const MSR_GP: u32 = 0;       // not in the table: #GP
export const MSR_PASS: u32 = 1;     // no exit: the guest uses the real MSR
export const MSR_EMULATED: u32 = 2; // exits to kernel/exits/msr.ts

export const IA32_TSC: u32 = 0x10;
export const IA32_APIC_BASE: u32 = 0x1b;
export const IA32_BIOS_SIGN_ID: u32 = 0x8b;
export const IA32_SYSENTER_CS: u32 = 0x174;
export const IA32_SYSENTER_ESP: u32 = 0x175;
export const IA32_SYSENTER_EIP: u32 = 0x176;
export const IA32_MISC_ENABLE: u32 = 0x1a0;
export const IA32_TSC_DEADLINE: u32 = 0x6e0;
export const IA32_XSS: u32 = 0xda0;
// The x2APIC registers (SDM Vol. 3A §12.12.1.2, Table 12-6).
export const X2APIC_MSR_FIRST: u32 = 0x800;
export const X2APIC_MSR_LAST: u32 = 0x8ff;
export const IA32_PAT: u32 = 0x277;
export const IA32_MTRR_DEF_TYPE: u32 = 0x2ff;
export const IA32_EFER: u32 = 0xc0000080;
export const IA32_STAR: u32 = 0xc0000081;
export const IA32_LSTAR: u32 = 0xc0000082;
export const IA32_CSTAR: u32 = 0xc0000083;
export const IA32_FMASK: u32 = 0xc0000084;
export const IA32_FS_BASE: u32 = 0xc0000100;
export const IA32_GS_BASE: u32 = 0xc0000101;
export const IA32_KERNEL_GS_BASE: u32 = 0xc0000102;
export const IA32_TSC_AUX: u32 = 0xc0000103;
// AMD family 0Fh-11h: the Interrupt Pending Message register, which says
// which message (SMI or C1E) an I/O read of the IntPend port triggers
// (BKDG for AMD Family 10h, MSRC001_0055). Linux reads it on those
// families to know whether C1E needs its workaround (AMD erratum 400),
// and QEMU's `qemu64` is family 0Fh.
export const AMD_INT_PENDING_MSG: u32 = 0xc0010055;

// The condition an entry needs to be in force (else the MSR gets #GP).
const ALWAYS: u32 = 0;
const WITH_RDTSCP: u32 = 1; // the guest has RDTSCP/RDPID (kernel/vm/guest-features.ts)
const ON_AMD_K8_TO_11H: u32 = 2; // the CPU (whose vendor and family the guest sees) is AMD family 0Fh-11h
const ON_INTEL: u32 = 3;         // the CPU is Intel's
const WITH_XSAVES: u32 = 4;      // the guest has XSAVES (kernel/vm/guest-features.ts)

const INDEX: StaticArray<u32> = [
  // Emulated. IA32_TSC: the guest's TSC is the host's plus an offset, which
  // a write moves (SDM Vol. 3B §18.17). APIC base and TSC deadline: the
  // guest's local APIC model (drivers/lapic/, SDM Vol. 3A §12.4.4,
  // §12.5.4.1), as are the x2APIC MSRs 800H-8FFH (below the table: a
  // range). MISC_ENABLE, PAT and MTRR_DEF_TYPE: values of the guest's own,
  // none loaded into the host (Vol. 4 Table 2-2, §13.12.4, §13.11.2.1).
  // EFER: kept in the VMCS / VMCB guest state ("load/save IA32_EFER", SDM
  // Vol. 3C §25.8.1; APM Vol. 2 §15.5.1), written only after its bits are
  // checked.
  IA32_TSC, IA32_APIC_BASE, IA32_TSC_DEADLINE, IA32_MISC_ENABLE, IA32_PAT, IA32_MTRR_DEF_TYPE, IA32_EFER,
  // Emulated on the AMD families that have it: it reads 0 (no message: the
  // guest has no SMI handler and no C1E to work around), writes are dropped.
  AMD_INT_PENDING_MSG,
  // Emulated on Intel: IA32_BIOS_SIGN_ID, where a CPUID(1) after a write of
  // 0 leaves the microcode update's signature (SDM Vol. 3A §11.11.7.1;
  // Linux does exactly that, early_init_intel). It reads 0: the guest sees
  // no microcode update, and nothing it writes reaches the host's.
  IA32_BIOS_SIGN_ID,
  // Emulated where the guest has XSAVES: IA32_XSS, which holds only the
  // supervisor components CPUID 0DH.1 ECX:EDX offers — none, so it reads 0
  // and a write of anything else raises #GP (SDM Vol. 4 Table 2-2; Vol. 1
  // §13.3). The CPU's own stays 0 (GuestFeatures.xsaves).
  IA32_XSS,
  // Passed through, switched by the CPU on every entry and exit: SYSENTER
  // CS/ESP/EIP and FS/GS base are VMCS guest-state fields (SDM Vol. 3C
  // §25.4.1-2, saved on exit §28.3.2, host values loaded §28.5.1); under
  // SVM they are VMLOAD/VMSAVE state (APM Vol. 2 §15.5.2), which the
  // trampoline loads and saves around every VMRUN (boot/svm-trampoline.S).
  IA32_SYSENTER_CS, IA32_SYSENTER_ESP, IA32_SYSENTER_EIP, IA32_FS_BASE, IA32_GS_BASE,
  // Passed through, SYSCALL and SWAPGS state: VMLOAD/VMSAVE state under
  // SVM (as above); under VMX the CPU does not switch them, but the
  // hypervisor never executes SYSCALL, SYSRET or SWAPGS, so the guest's
  // values may stay loaded while it runs (one vCPU per processor: a second
  // vCPU on the same processor must switch them, kernel/vm/vcpu.ts).
  IA32_STAR, IA32_LSTAR, IA32_CSTAR, IA32_FMASK, IA32_KERNEL_GS_BASE,
  // Passed through where the guest has RDTSCP or RDPID, which read it
  // (SDM Vol. 2B RDTSCP): the hypervisor never reads it, so no switch.
  IA32_TSC_AUX,
];
const HANDLING: StaticArray<u32> = [
  MSR_EMULATED, MSR_EMULATED, MSR_EMULATED, MSR_EMULATED, MSR_EMULATED, MSR_EMULATED, MSR_EMULATED,
  MSR_EMULATED, MSR_EMULATED, MSR_EMULATED,
  MSR_PASS, MSR_PASS, MSR_PASS, MSR_PASS, MSR_PASS,
  MSR_PASS, MSR_PASS, MSR_PASS, MSR_PASS, MSR_PASS,
  MSR_PASS,
];
const NEEDS: StaticArray<u32> = [
  ALWAYS, ALWAYS, ALWAYS, ALWAYS, ALWAYS, ALWAYS, ALWAYS,
  ON_AMD_K8_TO_11H, ON_INTEL, WITH_XSAVES,
  ALWAYS, ALWAYS, ALWAYS, ALWAYS, ALWAYS,
  ALWAYS, ALWAYS, ALWAYS, ALWAYS, ALWAYS,
  WITH_RDTSCP,
];

// How the guest's access to `msr` is handled, given whether it has RDTSCP
// and XSAVES.
// The x2APIC range is emulated: the local APIC raises #GP outside x2APIC
// mode (IA32_APIC_BASE.EXTD clear) and for the registers Table 12-6 lacks.
export function msrHandling(msr: u32, rdtscp: bool, xsaves: bool = false): u32 {
  if (msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST) return MSR_EMULATED;
  for (let i = 0; i < INDEX.length; i++) {
    if (unchecked(INDEX[i]) != msr) continue;
    const needs = unchecked(NEEDS[i]);
    if (needs == WITH_RDTSCP && !rdtscp) return MSR_GP;
    if (needs == WITH_XSAVES && !xsaves) return MSR_GP;
    if (needs == ON_AMD_K8_TO_11H && !(cpu.isAmd() && cpu.family >= 0xf && cpu.family <= 0x11)) return MSR_GP;
    if (needs == ON_INTEL && !cpu.isIntel()) return MSR_GP;
    return unchecked(HANDLING[i]);
  }
  return MSR_GP;
}

// VMX MSR bitmap (SDM Vol. 3C §25.6.9): one 4 KiB page of four 1 KiB
// bitmaps — reads of 0-0x1FFF, reads of 0xC0000000-0xC0001FFF, then the
// same two for writes; a set bit makes the access exit. MSRs outside both
// ranges always exit.
export function buildVmxMsrBitmap(page: usize, rdtscp: bool): void {
  memory.fill(page, 0xff, 4096);
  for (let i = 0; i < INDEX.length; i++) {
    const msr = unchecked(INDEX[i]);
    if (msrHandling(msr, rdtscp) != MSR_PASS) continue;
    const high = msr >= 0xc0000000;
    const bit = msr & 0x1fff;
    const base: usize = high ? 1024 : 0;
    clearBit(page + base, bit);        // read bitmap
    clearBit(page + base + 2048, bit); // write bitmap
  }
}

// SVM MSR permission map (APM Vol. 2 §15.11, Table 15-5): 8 KiB, two bits
// per MSR (even: read, odd: write; set: intercept) for three ranges of 8K
// MSRs at 0x000 (0-0x1FFF), 0x800 (0xC0000000-) and 0x1000 (0xC0010000-).
// MSRs outside them are always intercepted.
export function buildSvmMsrPermissionMap(pages: usize, rdtscp: bool): void {
  memory.fill(pages, 0xff, 8192);
  for (let i = 0; i < INDEX.length; i++) {
    const msr = unchecked(INDEX[i]);
    if (msrHandling(msr, rdtscp) != MSR_PASS) continue;
    let base: usize = 0;
    if (msr >= 0xc0010000) base = 0x1000;
    else if (msr >= 0xc0000000) base = 0x800;
    const n = (msr & 0x1fff) * 2;
    clearBit(pages + base, n);     // read
    clearBit(pages + base, n + 1); // write
  }
}

function clearBit(bitmap: usize, bit: u32): void {
  const p = bitmap + <usize>(bit >> 3);
  store<u8>(p, load<u8>(p) & ~(<u8>1 << <u8>(bit & 7)));
}
