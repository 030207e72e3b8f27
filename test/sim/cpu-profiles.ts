// CPUID leaves and MSR values of real processors (and of the test hosts),
// for driving the core's capability report. Values are as those CPUs report
// them; each field's meaning is decoded by the core per Intel SDM Vol. 3D
// Appendix A and AMD APM Vol. 3 Appendix E.
export interface CpuProfile {
  name: string;
  cpuid: Record<string, readonly [number, number, number, number]>; // "0xLEAF" or "0xLEAF:SUB"
  msrs: Record<number, bigint>;
}

// The vendor string as CPUID leaf 0 returns it: EBX, EDX, ECX.
function vendor(s: string, maxLeaf: number): readonly [number, number, number, number] {
  const b = Buffer.from(s, "latin1");
  return [maxLeaf, b.readUInt32LE(0), b.readUInt32LE(8), b.readUInt32LE(4)];
}

// CPUID 0x80000002..4: the brand string, 16 bytes per leaf.
function brand(s: string): Record<string, readonly [number, number, number, number]> {
  const b = Buffer.alloc(48);
  b.write(s, "latin1");
  const out: Record<string, readonly [number, number, number, number]> = {};
  for (let i = 0; i < 3; i++) {
    out[`0x${(0x80000002 + i).toString(16)}`] = [0, 4, 8, 12].map((o) => b.readUInt32LE(i * 16 + o)) as never;
  }
  return out;
}

function hypervisorLeaf(sig: string): Record<string, readonly [number, number, number, number]> {
  const b = Buffer.from(sig, "latin1");
  return { "0x40000000": [0x40000001, b.readUInt32LE(0), b.readUInt32LE(4), b.readUInt32LE(8)] };
}

const VMX = 1 << 5;
const HYPERVISOR = 1 << 31;
const SVM = 1 << 2;
const LM = 1 << 29;

// Intel Core i7-7800X (Skylake-X), the model Bochs emulates as corei7_skylake_x.
export const skylakeX: CpuProfile = {
  name: "Intel Skylake-X",
  cpuid: {
    "0x0": vendor("GenuineIntel", 0x16),
    "0x1": [0x00050654, 0x02100800, 0x7ffefbbf & ~HYPERVISOR | VMX, 0xbfebfbff], // APIC ID 2, 16 logical
    "0x2": [0x00feff01, 0x000000f0, 0, 0],
    "0x4:0": [0x1c004121, 0x01c0003f, 0x0000003f, 0],   // L1d 32 KiB, 2 threads, 8 cores
    "0x4:1": [0x1c004122, 0x01c0003f, 0x0000003f, 0],   // L1i 32 KiB
    "0x4:2": [0x1c004143, 0x03c0003f, 0x000003ff, 0],   // L2 1 MiB
    "0x4:3": [0x1c03c163, 0x0280003f, 0x00002fff, 0x4], // L3 8.25 MiB, 16 threads, complex indexing
    "0x5": [0x40, 0x40, 0x3, 0x00002020],               // MONITOR/MWAIT
    "0x6": [0x77, 0x2, 0x9, 0],                         // thermal and power
    // FSGSBASE TSC_ADJUST BMI1 HLE AVX2 FDP SMEP BMI2 ERMS INVPCID RTM RDT-M FCS/FDS MPX RDT-A
    // AVX512F/DQ RDSEED ADX SMAP CLFLUSHOPT CLWB PT AVX512CD/BW/VL; PKU; MD_CLEAR and the
    // speculation controls (IBRS STIBP L1D_FLUSH ARCH_CAPABILITIES SSBD).
    "0x7:0": [0, 0xd39ffffb, 0x00000008, 0xbc000400],
    "0xa": [0x07300404, 0, 0, 0x00000603],              // architectural PMU v4
    "0xb:0": [1, 2, 0x100, 2],                          // SMT level (x2APIC ID 2)
    "0xb:1": [5, 12, 0x201, 2],                         // core level
    "0xd:0": [0x000002ff, 0x00000a80, 0x00000a88, 0],   // XCR0 may hold x87..PKRU
    "0xd:1": [0x0000000f, 0x00000a00, 0x00000100, 0],   // XSAVEOPT XSAVEC XGETBV1 XSAVES; XSS: PT
    "0xd:2": [0x00000100, 0x00000240, 0, 0],            // AVX
    "0xd:3": [0x00000040, 0x000003c0, 0, 0],            // MPX BNDREGS
    "0xd:4": [0x00000040, 0x00000400, 0, 0],            // MPX BNDCSR
    "0xd:5": [0x00000040, 0x00000440, 0, 0],            // AVX-512 opmask
    "0xd:6": [0x00000200, 0x00000480, 0, 0],            // ZMM_Hi256
    "0xd:7": [0x00000400, 0x00000680, 0, 0],            // Hi16_ZMM
    "0xd:8": [0x00000080, 0, 0x1, 0],                   // PT (supervisor)
    "0xd:9": [0x00000008, 0x00000a80, 0, 0],            // PKRU
    "0x14:0": [1, 0xf, 0x7, 0],                         // processor trace
    "0x15": [2, 0x124, 0, 0],                           // TSC/crystal ratio
    "0x16": [0xdac, 0xfa0, 0x64, 0],                    // 3500/4000/100 MHz
    "0x80000000": [0x80000008, 0, 0, 0],
    "0x80000001": [0, 0, 0x121, 0x2c100800 | LM],      // LAHF LZCNT PREFETCHW; SYSCALL NX 1G RDTSCP LM
    ...brand("Intel(R) Core(TM) i7-7800X CPU @ 3.50GHz"),
    "0x80000006": [0, 0, 0x04008040, 0],                // L2 1 MiB, 64-byte lines
    "0x80000007": [0, 0, 0, 0x100],                     // invariant TSC
    "0x80000008": [0x0000302e, 0, 0, 0],                // 46 physical, 48 linear address bits
  },
  msrs: {
    0x3a: 0x5n,                    // locked, VMX outside SMX enabled
    0x480: 0x00da040000000004n,    // revision 4, 1024-byte region, WB, TRUE controls
    0x481: 0x0000007f00000016n,    // pin-based: allowed-0 0x16, allowed-1 0x7f
    0x482: 0xfff9fffe0401e172n,    // allowed-1 bit 63: secondary controls
    0x483: 0x01ffffff00036dffn,    // VM-exit
    0x484: 0x0003ffff000011ffn,    // VM-entry
    0x485: 0x00000000600401e0n,    // misc (as Bochs's model reports it): preemption timer at TSC >> 0
    0x486: 0x0000000080000021n,    // CR0 fixed-0: PG, NE, PE
    0x487: 0x00000000ffffffffn,    // CR0 fixed-1
    0x488: 0x0000000000002000n,    // CR4 fixed-0: VMXE
    0x489: 0x00000000003767ffn,    // CR4 fixed-1
    0x48b: 0x00553cfe00000000n,    // EPT, VPID, unrestricted guest allowed
    0x48c: 0x00000f0106734141n,    // 4-level walk, WB, 2M, 1G, INVEPT, INVVPID
    0x48d: 0x0000007f00000016n,    // TRUE pin-based
    0x48e: 0xfff9fffe04006172n,    // TRUE processor-based: CR3-load/store exiting may be 0
    0x48f: 0x01ffffff00036dfbn,    // TRUE VM-exit
    0x490: 0x0003ffff000011fbn,    // TRUE VM-entry
    0xc0000080: 0x500n,            // IA32_EFER: LME, LMA (the hypervisor runs in long mode)
  },
};

// The same CPU whose firmware locked IA32_FEATURE_CONTROL with VMX off.
export const skylakeVmxLockedOff: CpuProfile = {
  ...skylakeX,
  name: "Intel Skylake-X, VT-x disabled in firmware",
  msrs: { ...skylakeX.msrs, 0x3a: 0x1n },
};

// ... and whose firmware left it unlocked.
export const skylakeUnlocked: CpuProfile = {
  ...skylakeX,
  name: "Intel Skylake-X, IA32_FEATURE_CONTROL unlocked",
  msrs: { ...skylakeX.msrs, 0x3a: 0x0n },
};

// Intel Xeon Platinum 8380 (Ice Lake-SP): 5-level paging (LA57, 57 linear
// address bits), RDPID, VAES/GFNI, more AVX-512 and SGX. Its VMX capability
// MSRs are taken as Skylake-X's: the controls tsvisor uses are the same.
export const iceLakeSp: CpuProfile = {
  name: "Intel Ice Lake-SP",
  cpuid: {
    "0x0": vendor("GenuineIntel", 0x1b),
    "0x1": [0x000606a6, 0x00800800, 0x7ffefbff & ~HYPERVISOR | VMX, 0xbfebfbff],
    "0x4:0": [0xfc004121, 0x02c0003f, 0x0000003f, 0],   // L1d 48 KiB
    "0x4:1": [0xfc004122, 0x01c0003f, 0x0000003f, 0],
    "0x4:2": [0xfc004143, 0x04c0003f, 0x000003ff, 0],   // L2 1.25 MiB
    "0x4:3": [0xfc1fc163, 0x02c0003f, 0x0000ffff, 0x4], // L3 60 MiB
    "0x6": [0x77, 0x2, 0x9, 0],
    // + SGX, SHA, AVX512_IFMA; ECX: AVX512_VBMI UMIP PKU OSPKE VBMI2 GFNI VAES VPCLMULQDQ VNNI
    // BITALG TME VPOPCNTDQ LA57 RDPID SGX_LC; EDX: FSRM MD_CLEAR PCONFIG and the speculation controls.
    "0x7:0": [0, 0xf3bfbfff, 0x40417f5e, 0xbc040410],
    "0xb:0": [1, 2, 0x100, 0],
    "0xb:1": [7, 80, 0x201, 0],
    "0xd:0": [0x000002e7, 0x00000a88, 0x00000a88, 0],   // x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM PKRU
    "0xd:1": [0x0000000f, 0x00000a88, 0x00000100, 0],
    "0xd:2": [0x00000100, 0x00000240, 0, 0],
    "0xd:5": [0x00000040, 0x00000440, 0, 0],
    "0xd:6": [0x00000200, 0x00000480, 0, 0],
    "0xd:7": [0x00000400, 0x00000680, 0, 0],
    "0xd:9": [0x00000008, 0x00000a80, 0, 0],
    "0x12:0": [0x3, 0, 0, 0x381f],                      // SGX
    "0x80000000": [0x80000008, 0, 0, 0],
    "0x80000001": [0, 0, 0x121, 0x2c100800 | LM],
    ...brand("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz"),
    "0x80000006": [0, 0, 0x05007040, 0],
    "0x80000007": [0, 0, 0, 0x100],
    "0x80000008": [0x00003934, 0x00000200, 0, 0],       // 52 physical, 57 linear; WBNOINVD
  },
  msrs: skylakeX.msrs,
};

// Intel Core 2 Duo T7200 (Merom): VMX without secondary controls, so no EPT.
// IA32_VMX_PROCBASED_CTLS2 and IA32_VMX_EPT_VPID_CAP do not exist on it.
export const merom: CpuProfile = {
  name: "Intel Core 2 (Merom)",
  cpuid: {
    "0x0": vendor("GenuineIntel", 0xa),
    "0x1": [0x000006f6, 0x00020800, 0x0000e3bd | VMX, 0xbfebfbff],
    "0x80000000": [0x80000008, 0, 0, 0],
    "0x80000001": [0, 0, 0x1, 0x20100000 | LM],
    ...brand("Intel(R) Core(TM)2 CPU         T7200  @ 2.00GHz"),
  },
  msrs: {
    0x3a: 0x5n,
    0x480: 0x005a08000000000dn,    // revision 13, no TRUE controls
    0x482: 0x7ff9fffe0401e172n,    // allowed-1 bit 63 clear: no secondary controls
  },
};

// AMD EPYC 7702 (Zen 2), firmware-enabled SVM with the lock set.
export const epycRome: CpuProfile = {
  name: "AMD EPYC 7702",
  cpuid: {
    "0x0": vendor("AuthenticAMD", 0x10),
    "0x1": [0x00830f10, 0x05400800, 0x7ed8320b, 0x178bfbff], // APIC ID 5, 64 logical; MONITOR; HTT
    "0x5": [0x40, 0x40, 0x3, 0x11],
    "0x6": [0x4, 0, 0x1, 0],
    // FSGSBASE BMI1 AVX2 SMEP BMI2 PQM PQE RDSEED ADX SMAP CLFLUSHOPT CLWB SHA; UMIP RDPID
    "0x7:0": [0, 0x219c91a9, 0x00400004, 0],
    "0xd:0": [0x00000007, 0x00000340, 0x00000340, 0],
    "0xd:1": [0x0000000f, 0x00000340, 0, 0],
    "0xd:2": [0x00000100, 0x00000240, 0, 0],
    "0x80000000": [0x80000020, 0x68747541, 0x444d4163, 0x69746e65], // AMD repeats the vendor string
    // ECX: LAHF CmpLegacy SVM ExtApicSpace AltMovCr8 ABM SSE4A MisAlignSse PREFETCHW OSVW IBS
    // SKINIT WDT TCE TOPOEXT PerfCtrExtCore/NB DataBkpt PerfCtrExtLLC MONITORX AddrMaskExt;
    // EDX: the leaf 1 copies (with MCE MTRR MCA), SYSCALL NX MmxExt FFXSR 1G RDTSCP LM
    "0x80000001": [0x00830f10, 0x40000000, 0x75c237ff | SVM, 0x2fd3fbff],
    ...brand("AMD EPYC 7702 64-Core Processor"),
    "0x80000005": [0xff40ff40, 0xff40ff40, 0x20080140, 0x20080140],
    "0x80000006": [0x48006400, 0x68006400, 0x02006140, 0x01009140],
    "0x80000007": [0, 0x1b, 0, 0x00006799],             // invariant TSC among power management bits
    "0x80000008": [0x00003030, 0x010eb757, 0x0000703f, 0], // 48/48 bits; CLZERO IRPERF ... IBPB STIBP; 64 threads
    "0x8000000a": [0x1, 0x8000, 0, 0x0001bcff], // NP, NRIPS, VMCB clean, flush by ASID, decode assists ...
    "0x80000019": [0xf040f040, 0, 0, 0],
    "0x8000001d:0": [0x00004121, 0x01c0003f, 0x0000003f, 0],
    "0x8000001e": [0x0000000a, 0x00000105, 0, 0],
    "0x8000001f": [0x0001000f, 0x0000016f, 0x000001fd, 0x00000001], // SME, SEV
  },
  msrs: { 0xc0010114: 0x8n, 0xc0000080: 0x500n, 0xc0010117: 0n }, // VM_CR: LOCK, SVMDIS clear; EFER; VM_HSAVE_PA
};

export const epycSvmDisabled: CpuProfile = {
  ...epycRome,
  name: "AMD EPYC 7702, SVM disabled in firmware",
  msrs: { 0xc0010114: 0x18n },      // VM_CR: LOCK | SVMDIS
};

// QEMU 7.2 TCG with -cpu qemu64,+svm,+npt, as our boot on it reports.
export const qemuTcgSvm: CpuProfile = {
  name: "QEMU TCG qemu64,+svm,+npt",
  cpuid: {
    "0x0": vendor("AuthenticAMD", 0xd),
    "0x1": [0x00060fb1, 0x00000800, 0x80a02001, 0x078bfbfd],
    "0x80000000": [0x8000000a, 0, 0, 0],
    "0x80000001": [0x00060fb1, 0, 0x00000001 | SVM, 0x2191abfd | LM],
    ...brand("QEMU Virtual CPU version 2.5+"),
    "0x8000000a": [0x1, 0x10, 0, 0x1],             // NP only: no NRIPS, clean bits, decode assists
    ...hypervisorLeaf("TCGTCGTCGTCG"),
  },
  msrs: { 0xc0010114: 0x0n, 0xc0000080: 0x500n, 0xc0010117: 0n },
};

// ... with +xsave, which tsvisor leaves off under TCG (kernel/platform/xsave.ts).
export const qemuTcgSvmXsave: CpuProfile = {
  ...qemuTcgSvm,
  name: "QEMU TCG qemu64,+svm,+npt,+xsave",
  cpuid: {
    ...qemuTcgSvm.cpuid,
    "0x1": [0x00060fb1, 0x00000800, 0x80a02001 | (1 << 26), 0x078bfbfd],
    "0xd:0": [0x3, 0x240, 0x240, 0],
  },
};

// QEMU TCG's plain qemu64: SVM is in its default feature set, NPT is not.
export const qemu64Plain: CpuProfile = {
  name: "QEMU TCG qemu64",
  cpuid: { ...qemuTcgSvm.cpuid, "0x8000000a": [0x1, 0x10, 0, 0x0] },
  msrs: { 0xc0010114: 0x0n },
};

// qemu64,-svm: neither VMX nor SVM.
export const qemu64NoSvm: CpuProfile = {
  name: "QEMU TCG qemu64,-svm",
  cpuid: {
    ...qemuTcgSvm.cpuid,
    "0x80000001": [0x00060fb1, 0, 0x00000001, 0x2191abfd | LM],
    "0x8000000a": [0, 0, 0, 0],
  },
  msrs: {},
};

// An AMD CPU as Bochs 2.7's "ryzen" model presents it: SVM and NPT in
// CPUID, NRIP save, but no VM_CR MSR (RDMSR of it raises #GP).
export const bochsRyzen: CpuProfile = {
  ...epycRome,
  name: "Bochs ryzen (no VM_CR)",
  msrs: { 0xc0000080: 0x500n, 0xc0010117: 0n },
};
