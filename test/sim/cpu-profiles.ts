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
    "0x1": [0x00050654, 0x00010800, 0x7ffefbbf & ~HYPERVISOR | VMX, 0xbfebfbff],
    "0xd:0": [0x000002ff, 0x00000a80, 0x00000a88, 0],   // XCR0 may hold x87..PKRU
    "0x80000000": [0x80000008, 0, 0, 0],
    "0x80000001": [0, 0, 0x121, 0x2c100800 | LM],
    ...brand("Intel(R) Core(TM) i7-7800X CPU @ 3.50GHz"),
  },
  msrs: {
    0x3a: 0x5n,                    // locked, VMX outside SMX enabled
    0x480: 0x00da040000000004n,    // revision 4, 1024-byte region, WB, TRUE controls
    0x481: 0x0000007f00000016n,    // pin-based: allowed-0 0x16, allowed-1 0x7f
    0x482: 0xfff9fffe0401e172n,    // allowed-1 bit 63: secondary controls
    0x483: 0x01ffffff00036dffn,    // VM-exit
    0x484: 0x0003ffff000011ffn,    // VM-entry
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
    "0x1": [0x00830f10, 0x00400800, 0x7ed8320b, 0x178bfbff],
    "0x80000000": [0x80000020, 0, 0, 0],
    "0x80000001": [0x00830f10, 0x40000000, 0x75c237ff | SVM, 0x2fd3fbff],
    ...brand("AMD EPYC 7702 64-Core Processor"),
    "0x8000000a": [0x1, 0x8000, 0, 0x0001bcff], // NP, NRIPS, VMCB clean, flush by ASID, decode assists ...
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
