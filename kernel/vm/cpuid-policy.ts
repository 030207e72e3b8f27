// The guest's view of CPUID, decided here and only here (kernel/exits/cpuid.ts
// asks, kernel/exits/xsetbv.ts takes its XCR0 limit from leaf 0DH, kernel/vm/
// control-registers.ts the CR4 bits the guest may set).
//
// A whitelist: TABLE names, per leaf (and subleaf where it matters) and
// register, the host bits the guest sees. Everything else reads as zero —
// leaves the table does not describe, and every bit it does not pass. A
// bit is passed only where the guest can use it as the CPU documents it:
// the instruction works in VMX non-root operation and in SVM guest mode
// with EPT/NPT and no extra control, or the backend enabled what it needs
// (GuestFeatures, kernel/vm/guest-features.ts). On top of the host's bits,
// synthesize() sets the few values tsvisor decides itself: the max-leaf
// clamps, the one-processor topology of leaf 01H EBX, the hypervisor bit,
// OSXSAVE, the XSAVE sizes, the linear-address width, the local APIC's
// features (below), and the tsvisor leaves 40000000H-40000001H.
//
// The local APIC is the guest's own model (drivers/lapic/), whatever the
// host has: where the vCPU has one (GuestFeatures.lapic), leaf 01H says
// APIC (EDX[9]), x2APIC (ECX[21]) and TSC-deadline (ECX[24]), leaf 06H
// ARAT (EAX[2]: the timer runs on the VM clock, never stopped by the
// vCPU's idle states), and 40000001H EBX its timer's clock in kHz.
//
// Hidden because nothing behind them is virtualized (the reason for each
// group is beside its row when it shares a register with kept bits):
//   VMX, SMX, SVM and leaf 8000000AH (no nested virtualization); MONITOR/
//   MWAIT and MONITORX (would idle the physical CPU); LA57 (the guest page
//   walk is 4-level); PDCM and leaf 0AH (no PMU), DS/DTES64, DS-CPL;
//   ACPI/TM/TM2/EIST/thermal and the rest of leaf 06H; MCE/MCA (no machine-check
//   MSRs); MTRR (only IA32_MTRR_DEF_TYPE is shadowed); PSN, CNXT-ID, SDBG,
//   xTPR, DCA; SGX, PT (leaf 14H), MPX, RDT, TSX, PKU/OSPKE, WAITPKG, CET,
//   TSC_ADJUST, AVX-512, AMX, the speculation-control MSR bits (IBRS, STIBP,
//   SSBD, L1D_FLUSH, ARCH_CAPABILITIES, CORE_CAPABILITIES...); XSAVES/XSS
//   under VMX (the "enable XSAVES" control is off; SVM cannot hide them, so
//   there they are offered, GuestFeatures.xsaves); HTT, leaves 0BH/1FH and the
//   core counts (one logical processor); AMD's CmpLegacy, ExtApicSpace,
//   AltMovCr8, OSVW, IBS, SKINIT, WDT, LWP, TCE, NodeId, TOPOEXT, the
//   performance-counter extensions, FFXSR (EFER.FFXSR is not writable,
//   kernel/exits/msr.ts) and leaves 80000009H and up (SEV, topology, ...).
// Not yet offered, for the platform work to decide: leaf 15H/16H (a
// crystal clock in 15H also fixes the APIC timer's period for Linux).
//
// References: Intel SDM Vol. 2A, CPUID (Tables 3-8 to 3-11 and the leaf
// descriptions, "SDM" below); AMD APM Vol. 3, Appendix E ("APM").
import { LAPIC_TIMER_TSC_SHIFT } from "../../drivers/lapic/lapic-timer";
import { cpuid as halCpuid } from "../hal/imports";
import { CpuidResult } from "../cpu/cpuid";
import { cpu } from "../cpu/identify";
import { Vcpu } from "./vcpu";
import { GuestFeatures } from "./guest-features";
import * as X from "../arch/x86";

// Row word 2: the register (low nibble) and when the row applies (high nibble).
const EAX: u32 = 0;
const EBX: u32 = 1;
const ECX: u32 = 2;
const EDX: u32 = 3;
const REG_MASK: u32 = 0xf;
const ALWAYS: u32 = 0 << 4;
const IF_XSAVE: u32 = 1 << 4;   // GuestFeatures.xsave
const IF_RDTSCP: u32 = 2 << 4;  // GuestFeatures.rdtscp
const IF_INVPCID: u32 = 3 << 4; // GuestFeatures.invpcid
const IF_XSAVES: u32 = 4 << 4;  // GuestFeatures.xsaves
const COND_MASK: u32 = 0xf0;
const ANY: u32 = 0xffffffff; // subleaf: every one (the host's answer for it)
const ALL: u32 = 0xffffffff; // mask: every bit
const ROW: i32 = 4;

// The XCR0 components a guest may enable: x87, SSE, AVX (SDM Vol. 1
// §13.1). Not MPX, AVX-512, PT, PKRU, AMX or any supervisor (XSS) state.
const GUEST_XCR0: u32 = <u32>(X.XCR0_X87 | X.XCR0_SSE | X.XCR0_AVX);
// Linear-address width of the guest's 4-level page walk.
const GUEST_LINEAR_BITS: u32 = 48;
const LEAF_BASIC: u32 = 0x0;
const LEAF_FEATURES: u32 = 0x1;
const LEAF_THERMAL_POWER: u32 = 0x6;
const LEAF_XSAVE: u32 = 0xd;
const LEAF_TSC_CRYSTAL: u32 = 0x15;
const LEAF_FREQUENCY: u32 = 0x16;
const LEAF_EXT: u32 = 0x80000000;
const LEAF_ADDRESS_SIZES: u32 = 0x80000008;
const LEAF_HV_BASE: u32 = 0x40000000;
const LEAF_HV_TSC: u32 = 0x40000001;
const LEAF_HV_LAST: u32 = 0x4fffffff;
// "tsvisorTSVI" as EBX, ECX, EDX (little-endian), like KVM's "KVMKVMKVM".
const SIG_EBX: u32 = 0x69767374; // "tsvi"
const SIG_ECX: u32 = 0x54726f73; // "sorT"
const SIG_EDX: u32 = 0x00495653; // "SVI\0"

// leaf, subleaf, register | condition, mask of the host's bits the guest
// sees. Rows in ascending leaf order (the lookup stops at a larger leaf);
// several rows may share a register, and their masks add up.
const TABLE: StaticArray<u32> = [
  // 00H: EAX (max basic leaf) synthesized; the vendor string. SDM CPUID leaf 00H.
  0x0, ANY, EBX | ALWAYS, ALL,
  0x0, ANY, ECX | ALWAYS, ALL,
  0x0, ANY, EDX | ALWAYS, ALL,
  // 01H EAX: family, model, stepping. SDM Figure 3-6.
  0x1, ANY, EAX | ALWAYS, ALL,
  // 01H EBX: brand index, CLFLUSH line size; bits 31:16 (logical-processor
  // count, APIC ID) synthesized for one processor. SDM Table 3-8.
  0x1, ANY, EBX | ALWAYS, 0x0000ffff,
  // 01H ECX: instruction-set extensions and PCID that run natively under
  // EPT/NPT. SDM Table 3-10.
  0x1, ANY, ECX | ALWAYS, X.CPUID1_ECX_SSE3 | X.CPUID1_ECX_PCLMULQDQ | X.CPUID1_ECX_SSSE3 | X.CPUID1_ECX_CX16 |
    X.CPUID1_ECX_PCID | X.CPUID1_ECX_SSE4_1 | X.CPUID1_ECX_SSE4_2 | X.CPUID1_ECX_MOVBE | X.CPUID1_ECX_POPCNT |
    X.CPUID1_ECX_AES | X.CPUID1_ECX_RDRAND,
  // 01H ECX: XSAVE and the AVX family need the guest's XCR0 loaded by XSETBV.
  0x1, ANY, ECX | IF_XSAVE, X.CPUID1_ECX_XSAVE | X.CPUID1_ECX_AVX | X.CPUID1_ECX_FMA | X.CPUID1_ECX_F16C,
  // 01H EDX: the base architecture the guest owns (paging, TSC, FPU/SSE,
  // SYSENTER); APIC is synthesized (the guest's own model). Not MCE, MTRR,
  // MCA, PSN, DS, ACPI, TM, HTT, PBE. SDM Table 3-11.
  0x1, ANY, EDX | ALWAYS, X.CPUID1_EDX_FPU | X.CPUID1_EDX_VME | X.CPUID1_EDX_DE | X.CPUID1_EDX_PSE |
    X.CPUID1_EDX_TSC | X.CPUID1_EDX_MSR | X.CPUID1_EDX_PAE | X.CPUID1_EDX_CX8 |
    X.CPUID1_EDX_SEP | X.CPUID1_EDX_PGE | X.CPUID1_EDX_CMOV | X.CPUID1_EDX_PAT | X.CPUID1_EDX_PSE36 |
    X.CPUID1_EDX_CLFSH | X.CPUID1_EDX_MMX | X.CPUID1_EDX_FXSR | X.CPUID1_EDX_SSE | X.CPUID1_EDX_SSE2 |
    X.CPUID1_EDX_SS,
  // 02H: cache and TLB descriptors, as the host's. SDM CPUID leaf 02H.
  0x2, ANY, EAX | ALWAYS, ALL,
  0x2, ANY, EBX | ALWAYS, ALL,
  0x2, ANY, ECX | ALWAYS, ALL,
  0x2, ANY, EDX | ALWAYS, ALL,
  // 04H, every subleaf: cache parameters, without the sharing and core
  // counts of EAX[31:14] (one logical processor). SDM CPUID leaf 04H.
  0x4, ANY, EAX | ALWAYS, 0x00003fff,
  0x4, ANY, EBX | ALWAYS, ALL,
  0x4, ANY, ECX | ALWAYS, ALL,
  0x4, ANY, EDX | ALWAYS, ALL,
  // 07H subleaf 0 (EAX, the last subleaf, reads 0: only this one is
  // described): native extensions and CR4 features. Not TSC_ADJUST, SGX,
  // HLE/RTM, RDT, MPX, AVX-512, PT. SDM Table 3-8, leaf 07H.
  0x7, 0, EBX | ALWAYS, X.CPUID7_EBX_FSGSBASE | X.CPUID7_EBX_BMI1 | X.CPUID7_EBX_FDP_EXCPTN_ONLY |
    X.CPUID7_EBX_SMEP | X.CPUID7_EBX_BMI2 | X.CPUID7_EBX_ERMS | X.CPUID7_EBX_FCS_FDS_DEPRECATED |
    X.CPUID7_EBX_RDSEED | X.CPUID7_EBX_ADX | X.CPUID7_EBX_SMAP | X.CPUID7_EBX_CLFLUSHOPT | X.CPUID7_EBX_CLWB |
    X.CPUID7_EBX_SHA,
  0x7, 0, EBX | IF_XSAVE, X.CPUID7_EBX_AVX2,
  0x7, 0, EBX | IF_INVPCID, X.CPUID7_EBX_INVPCID,
  // 07H.0 ECX: not AVX-512, PKU/OSPKE, WAITPKG, CET, LA57, MAWAU, Key
  // Locker, ENQCMD, SGX_LC, PKS.
  0x7, 0, ECX | ALWAYS, X.CPUID7_ECX_PREFETCHWT1 | X.CPUID7_ECX_UMIP | X.CPUID7_ECX_GFNI |
    X.CPUID7_ECX_CLDEMOTE | X.CPUID7_ECX_MOVDIRI | X.CPUID7_ECX_MOVDIR64B,
  0x7, 0, ECX | IF_XSAVE, X.CPUID7_ECX_VAES | X.CPUID7_ECX_VPCLMULQDQ, // VEX.256 forms: AVX state
  0x7, 0, ECX | IF_RDTSCP, X.CPUID7_ECX_RDPID, // VMX: #UD unless "enable RDTSCP"
  // 07H.0 EDX: not the speculation-control MSRs, TSX, AMX, UINTR, hybrid.
  0x7, 0, EDX | ALWAYS, X.CPUID7_EDX_FSRM | X.CPUID7_EDX_MD_CLEAR | X.CPUID7_EDX_SERIALIZE,
  // 0DH.0: XCR0 components the guest may enable (EDX: none above bit 31);
  // EBX/ECX sizes synthesized for them. SDM CPUID leaf 0DH; Vol. 1 §13.2.
  0xd, 0, EAX | IF_XSAVE, GUEST_XCR0,
  // 0DH.1: XSAVEOPT, XSAVEC, XGETBV with ECX = 1; XSAVES only where the
  // backend cannot hide it (SVM); not XFD, no XSS components (ECX/EDX);
  // EBX synthesized.
  0xd, 1, EAX | IF_XSAVE, X.CPUIDD1_EAX_XSAVEOPT | X.CPUIDD1_EAX_XSAVEC | X.CPUIDD1_EAX_XGETBV_ECX1,
  0xd, 1, EAX | IF_XSAVES, X.CPUIDD1_EAX_XSAVES,
  // 0DH.2: the AVX component's size and offset. No subleaf above 2.
  0xd, 2, EAX | IF_XSAVE, ALL,
  0xd, 2, EBX | IF_XSAVE, ALL,
  0xd, 2, ECX | IF_XSAVE, X.CPUIDDN_ECX_ALIGNED,
  // 80000000H: EAX (max extended leaf) synthesized; AMD's vendor string. APM E.4.1.
  0x80000000, ANY, EBX | ALWAYS, ALL,
  0x80000000, ANY, ECX | ALWAYS, ALL,
  0x80000000, ANY, EDX | ALWAYS, ALL,
  // 80000001H EAX/EBX: AMD's family/model/stepping, brand ID, package type. APM E.4.2.
  0x80000001, ANY, EAX | ALWAYS, ALL,
  0x80000001, ANY, EBX | ALWAYS, ALL,
  // 80000001H ECX: LAHF in long mode, LZCNT, PREFETCHW, AMD's SSE4A,
  // misaligned SSE, TBM. Not SVM, CmpLegacy, ExtApicSpace, AltMovCr8, OSVW,
  // IBS, SKINIT, WDT, LWP, TCE, NodeId, TOPOEXT, perfctr, MONITORX.
  // SDM Table 3-8 leaf 80000001H; APM E.4.2.
  0x80000001, ANY, ECX | ALWAYS, X.CPUID81_ECX_LAHF_LM | X.CPUID81_ECX_ABM | X.CPUID81_ECX_SSE4A |
    X.CPUID81_ECX_MISALIGNSSE | X.CPUID81_ECX_PREFETCHW | X.CPUID81_ECX_TBM,
  0x80000001, ANY, ECX | IF_XSAVE, X.CPUID81_ECX_XOP | X.CPUID81_ECX_FMA4, // YMM state
  // 80000001H EDX: SYSCALL, NX, 1 GiB pages, long mode, AMD's copies of
  // leaf 01H EDX (the same choice: not MCE, MTRR, MCA) and MMX/3DNow!
  // extensions. Not FFXSR (EFER.FFXSR is not writable).
  0x80000001, ANY, EDX | ALWAYS, X.CPUID1_EDX_FPU | X.CPUID1_EDX_VME | X.CPUID1_EDX_DE | X.CPUID1_EDX_PSE |
    X.CPUID1_EDX_TSC | X.CPUID1_EDX_MSR | X.CPUID1_EDX_PAE | X.CPUID1_EDX_CX8 | X.CPUID1_EDX_APIC |
    X.CPUID81_EDX_SYSCALL | X.CPUID1_EDX_PGE | X.CPUID1_EDX_CMOV | X.CPUID1_EDX_PAT | X.CPUID1_EDX_PSE36 |
    X.CPUID81_EDX_NX | X.CPUID81_EDX_MMXEXT | X.CPUID1_EDX_MMX | X.CPUID1_EDX_FXSR | X.CPUID81_EDX_PAGE1GB |
    X.CPUID81_EDX_LM | X.CPUID81_EDX_3DNOWEXT | X.CPUID81_EDX_3DNOW,
  0x80000001, ANY, EDX | IF_RDTSCP, X.CPUID81_EDX_RDTSCP, // VMX: #UD unless "enable RDTSCP"
  // 80000002H-80000004H: the brand string. SDM/APM E.4.3.
  0x80000002, ANY, EAX | ALWAYS, ALL,
  0x80000002, ANY, EBX | ALWAYS, ALL,
  0x80000002, ANY, ECX | ALWAYS, ALL,
  0x80000002, ANY, EDX | ALWAYS, ALL,
  0x80000003, ANY, EAX | ALWAYS, ALL,
  0x80000003, ANY, EBX | ALWAYS, ALL,
  0x80000003, ANY, ECX | ALWAYS, ALL,
  0x80000003, ANY, EDX | ALWAYS, ALL,
  0x80000004, ANY, EAX | ALWAYS, ALL,
  0x80000004, ANY, EBX | ALWAYS, ALL,
  0x80000004, ANY, ECX | ALWAYS, ALL,
  0x80000004, ANY, EDX | ALWAYS, ALL,
  // 80000005H-80000006H: L1/L2/L3 cache and TLB descriptions. APM E.4.4-E.4.5.
  0x80000005, ANY, EAX | ALWAYS, ALL,
  0x80000005, ANY, EBX | ALWAYS, ALL,
  0x80000005, ANY, ECX | ALWAYS, ALL,
  0x80000005, ANY, EDX | ALWAYS, ALL,
  0x80000006, ANY, EAX | ALWAYS, ALL,
  0x80000006, ANY, EBX | ALWAYS, ALL,
  0x80000006, ANY, ECX | ALWAYS, ALL,
  0x80000006, ANY, EDX | ALWAYS, ALL,
  // 80000007H: the invariant TSC only (the guest reads the host's TSC);
  // not power management or RAS. APM E.4.6.
  0x80000007, ANY, EDX | ALWAYS, X.CPUID87_EDX_INVARIANT_TSC,
  // 80000008H EAX: physical and linear address sizes (linear clamped to
  // the 4-level walk); not AMD's guest-physical size, which is for nested
  // paging. EBX: CLZERO and the FXSAVE error-pointer behaviour, not
  // IBPB/IBRS/STIBP/SSBD, INVLPGB, RDPRU, WBNOINVD (trapped with WBINVD).
  // ECX (core counts) and EDX read 0. APM E.4.7.
  0x80000008, ANY, EAX | ALWAYS, 0x0000ffff,
  0x80000008, ANY, EBX | ALWAYS, X.CPUID88_EBX_CLZERO | X.CPUID88_EBX_RSTR_FP_ERR_PTRS,
];

function lastLeafBelow(limit: u32): u32 {
  let max: u32 = 0;
  for (let i = 0; i < TABLE.length; i += ROW) {
    const leaf = TABLE[i];
    if (leaf < limit && leaf > max) max = leaf;
  }
  return max;
}
// What leaves 00H and 80000000H report as the last leaf: the table's.
const TABLE_LAST_BASIC: u32 = lastLeafBelow(LEAF_HV_BASE);
const TABLE_LAST_EXT: u32 = lastLeafBelow(0xffffffff);

const host = memory.data(16, 16); // the host's EAX, EBX, ECX, EDX
const out = memory.data(16, 16);  // the guest's
const view = new CpuidResult();

function hostCpuid(leaf: u32, subleaf: u32): void {
  halCpuid(leaf, subleaf, host);
}

// Whether the host itself describes the leaf (past its last leaf, an Intel
// CPU answers with its last basic leaf's data, SDM CPUID).
function hostHasLeaf(leaf: u32): bool {
  if (leaf < LEAF_HV_BASE) return leaf <= cpu.maxLeaf;
  return leaf >= LEAF_EXT && cpu.maxExtLeaf != 0 && leaf <= cpu.maxExtLeaf;
}

function applies(condition: u32, f: GuestFeatures): bool {
  if (condition == ALWAYS) return true;
  if (condition == IF_XSAVE) return f.xsave;
  if (condition == IF_RDTSCP) return f.rdtscp;
  if (condition == IF_XSAVES) return f.xsave && f.xsaves;
  return condition == IF_INVPCID && f.invpcid;
}

function reg(r: u32): u32 { return load<u32>(out + <usize>r * 4); }
function setReg(r: u32, v: u32): void { store<u32>(out + <usize>r * 4, v); }

// The host's bits the table passes for this leaf and subleaf.
function passHostBits(leaf: u32, subleaf: u32, f: GuestFeatures): void {
  let fetched = false;
  for (let i = 0; i < TABLE.length; i += ROW) {
    const l = unchecked(TABLE[i]);
    if (l < leaf) continue;
    if (l > leaf) break;
    const s = unchecked(TABLE[i + 1]);
    const w = unchecked(TABLE[i + 2]);
    if ((s != ANY && s != subleaf) || !applies(w & COND_MASK, f)) continue;
    if (!fetched) {
      hostCpuid(leaf, subleaf);
      fetched = true;
    }
    const r = w & REG_MASK;
    setReg(r, reg(r) | (load<u32>(host + <usize>r * 4) & unchecked(TABLE[i + 3])));
  }
}

// Bytes of a standard-format XSAVE area holding these XCR0 components
// (SDM Vol. 1 §13.4.3: each component's offset and size from 0DH.n).
function xsaveBytes(components: u32): u32 {
  let bytes = X.XSAVE_LEGACY_AND_HEADER_BYTES;
  if ((components & <u32>X.XCR0_AVX) != 0) {
    hostCpuid(LEAF_XSAVE, 2);
    const end = load<u32>(host, 4) + load<u32>(host);
    if (end > bytes) bytes = end;
  }
  return bytes;
}

// The values tsvisor decides itself, on top of the host's bits.
function synthesize(leaf: u32, subleaf: u32, vcpu: Vcpu, apicId: u32): void {
  const f = vcpu.features;
  if (leaf == LEAF_BASIC) {
    const last = min(cpu.maxLeaf, TABLE_LAST_BASIC);
    setReg(EAX, tellsTscRate(vcpu) ? max(last, LEAF_FREQUENCY) : last);
  } else if (leaf == LEAF_FEATURES) {
    // One logical processor (HTT clear), with this vCPU's initial APIC ID.
    setReg(EBX, reg(EBX) | (1 << 16) | (apicId << 24));
    let ecx = reg(ECX) | X.CPUID1_ECX_HYPERVISOR;
    // OSXSAVE mirrors the guest's CR4.OSXSAVE, not the hypervisor's (SDM Table 3-10).
    if (f.xsave && (vcpu.cr4() & X.CR4_OSXSAVE) != 0) ecx |= X.CPUID1_ECX_OSXSAVE;
    if (f.lapic) {
      ecx |= X.CPUID1_ECX_X2APIC | X.CPUID1_ECX_TSC_DEADLINE;
      setReg(EDX, reg(EDX) | X.CPUID1_EDX_APIC);
    }
    setReg(ECX, ecx);
  } else if (leaf == LEAF_THERMAL_POWER) {
    if (f.lapic) setReg(EAX, X.CPUID6_EAX_ARAT);
  } else if (leaf == LEAF_XSAVE && f.xsave && subleaf <= 1) {
    // The sizes follow the guest's components, not the host's: ECX for
    // all of them, EBX for those enabled in XCR0 (the CPU's own answer,
    // which is the guest's XCR0: tsvisor never loads another, and XSETBV
    // keeps it within these components).
    hostCpuid(LEAF_XSAVE, 0);
    const components = load<u32>(host) & GUEST_XCR0;
    const enabled0 = load<u32>(host, 4);
    hostCpuid(LEAF_XSAVE, 1);
    const enabled1 = load<u32>(host, 4);
    const all = xsaveBytes(components);
    if (subleaf == 0) {
      setReg(EBX, max(X.XSAVE_LEGACY_AND_HEADER_BYTES, min(enabled0, all)));
      setReg(ECX, all);
    } else {
      setReg(EBX, min(enabled1, all)); // compacted: for x87, SSE and AVX the same size
    }
  } else if (leaf == LEAF_EXT) {
    setReg(EAX, min(cpu.maxExtLeaf, TABLE_LAST_EXT));
  } else if (leaf == LEAF_ADDRESS_SIZES && ((reg(EAX) >> 8) & 0xff) > GUEST_LINEAR_BITS) {
    setReg(EAX, (reg(EAX) & ~0xff00) | (GUEST_LINEAR_BITS << 8));
  }
}

// The TSC's rate, told instead of measured, on an Intel host (where
// operating systems read these leaves; SDM CPUID leaves 15H and 16H):
// 15H says TSC = crystal × EBX / EAX with the crystal the local APIC
// timer's input clock (drivers/lapic/lapic-timer.ts: TSC / 8), so a guest
// that derives its APIC timer period from the crystal (Linux does) agrees
// with the model; 16H gives the base and maximum frequency (the TSC's)
// and the bus (the crystal) in MHz. Linux then neither calibrates the TSC
// nor needs the PIT to (arch/x86/kernel/tsc.c native_calibrate_tsc): on an
// emulated host a calibration against port reads that each cost an exit
// fails or comes out wrong.
function tellsTscRate(vcpu: Vcpu): bool {
  return cpu.isIntel() && vcpu.features.lapic && vcpu.features.apicTimerKhz != 0;
}

function timingLeaf(leaf: u32, tscKhz: u32, crystalKhz: u32): void {
  if (leaf == LEAF_TSC_CRYSTAL) {
    setReg(EAX, 1);
    setReg(EBX, 1 << LAPIC_TIMER_TSC_SHIFT);
    setReg(ECX, crystalKhz * 1000);
  } else {
    setReg(EAX, tscKhz / 1000);
    setReg(EBX, tscKhz / 1000);
    setReg(ECX, crystalKhz / 1000);
  }
}

// Leaves 40000000H-4FFFFFFFH, reserved for hypervisors: tsvisor's own.
// 40000001H: EAX the TSC's frequency in kHz (0: unknown), EBX the local
// APIC timer's input clock in kHz (0: no APIC model), as VMware's timing
// leaf 40000010H gives them.
function hypervisorLeaf(leaf: u32, tscKhz: u32, apicTimerKhz: u32): void {
  if (leaf == LEAF_HV_BASE) {
    setReg(EAX, LEAF_HV_TSC); // the last tsvisor leaf
    setReg(EBX, SIG_EBX);
    setReg(ECX, SIG_ECX);
    setReg(EDX, SIG_EDX);
  } else if (leaf == LEAF_HV_TSC) {
    setReg(EAX, tscKhz);
    setReg(EBX, apicTimerKhz);
  }
}

// What CPUID(leaf, subleaf) returns in this vCPU. The result is reused by
// the next call; nothing is allocated.
export function guestCpuid(leaf: u32, subleaf: u32, vcpu: Vcpu, apicId: u32): CpuidResult {
  memory.fill(out, 0, 16);
  if (leaf >= LEAF_HV_BASE && leaf <= LEAF_HV_LAST) {
    hypervisorLeaf(leaf, vcpu.vm.clock.tscKhz, vcpu.features.apicTimerKhz);
  } else if ((leaf == LEAF_TSC_CRYSTAL || leaf == LEAF_FREQUENCY) && tellsTscRate(vcpu)) {
    timingLeaf(leaf, vcpu.vm.clock.tscKhz, vcpu.features.apicTimerKhz);
  } else if (hostHasLeaf(leaf)) {
    passHostBits(leaf, subleaf, vcpu.features);
    synthesize(leaf, subleaf, vcpu, apicId);
  }
  view.eax = reg(EAX);
  view.ebx = reg(EBX);
  view.ecx = reg(ECX);
  view.edx = reg(EDX);
  return view;
}

// The XCR0 values XSETBV may load: the components leaf 0DH.0 offers (EDX:EAX).
export function guestXcr0Mask(vcpu: Vcpu): u64 {
  const r = guestCpuid(LEAF_XSAVE, 0, vcpu, 0);
  return (<u64>r.edx << 32) | <u64>r.eax;
}
