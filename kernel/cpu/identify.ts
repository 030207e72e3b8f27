// Who made this CPU, which model it is, and which virtualization features
// CPUID announces (Intel SDM Vol. 2A CPUID; AMD APM Vol. 3 Appendix E).
import { cpuid } from "./cpuid";

// CPUID.01H:ECX bits (SDM Vol. 2A Table 3-10).
const CPUID1_ECX_VMX: u32 = 1 << 5;
const CPUID1_ECX_SMX: u32 = 1 << 6;
const CPUID1_ECX_HYPERVISOR: u32 = 1 << 31; // reserved for hypervisor use
const CPUID1_ECX_XSAVE: u32 = 1 << 26;
const CPUID1_ECX_RDRAND: u32 = 1 << 30;
// CPUID.(EAX=07H,ECX=0):EBX[18] RDSEED (SDM Vol. 2A Table 3-8).
const CPUID7_EBX_RDSEED: u32 = 1 << 18;
// CPUID.80000001H:ECX[2] SVM (APM Vol. 3 E.4.2).
const CPUID81_ECX_SVM: u32 = 1 << 2;

export const LEAF_EXT_MAX: u32 = 0x80000000;
const LEAF_BRAND_FIRST: u32 = 0x80000002;
const LEAF_BRAND_LAST: u32 = 0x80000004;
const LEAF_HYPERVISOR: u32 = 0x40000000;

const vendorBytes = memory.data(12);
const brandBytes = memory.data(48);
const hypervisorSigBytes = memory.data(12);

export class CpuInfo {
  maxLeaf: u32 = 0;
  maxExtLeaf: u32 = 0;
  vendor: usize = vendorBytes; // 12 ASCII bytes
  brand: usize = brandBytes; // up to 48 ASCII bytes, NUL-padded
  hasBrand: bool = false;
  family: u32 = 0;
  model: u32 = 0;
  stepping: u32 = 0;
  vmx: bool = false;
  smx: bool = false;
  svm: bool = false;
  xsave: bool = false;
  // The random number generators (the virtio entropy device's source).
  rdrand: bool = false;
  rdseed: bool = false;
  underHypervisor: bool = false;
  hypervisorSig: usize = hypervisorSigBytes;

  // The vendor, decided once from the string (the exit path asks: CPUID and
  // MSR policies differ by vendor).
  intel: bool = false;
  amd: bool = false;

  isIntel(): bool { return this.intel; }
  isAmd(): bool { return this.amd; }
}

function vendorIs(p: usize, s: string): bool {
  for (let i = 0; i < 12; i++) if (<u32>load<u8>(p + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}

function store3(p: usize, a: u32, b: u32, c: u32): void {
  store<u32>(p, a);
  store<u32>(p, b, 4);
  store<u32>(p, c, 8);
}

export const cpu = new CpuInfo();

export function identifyCpu(): CpuInfo {
  let r = cpuid(0);
  cpu.maxLeaf = r.eax;
  store3(cpu.vendor, r.ebx, r.edx, r.ecx); // vendor string order: EBX, EDX, ECX
  cpu.intel = vendorIs(cpu.vendor, "GenuineIntel");
  cpu.amd = vendorIs(cpu.vendor, "AuthenticAMD") || vendorIs(cpu.vendor, "HygonGenuine");
  if (cpu.maxLeaf >= 1) {
    r = cpuid(1);
    // Family/model/stepping (SDM Vol. 2A Figure 3-6): extended fields apply
    // to family 0Fh (family) and to families 06h and 0Fh (model).
    const base = (r.eax >> 8) & 0xf;
    cpu.family = base == 0xf ? base + ((r.eax >> 20) & 0xff) : base;
    cpu.model = (r.eax >> 4) & 0xf;
    if (base == 0x6 || base == 0xf) cpu.model |= ((r.eax >> 16) & 0xf) << 4;
    cpu.stepping = r.eax & 0xf;
    cpu.vmx = (r.ecx & CPUID1_ECX_VMX) != 0;
    cpu.smx = (r.ecx & CPUID1_ECX_SMX) != 0;
    cpu.xsave = (r.ecx & CPUID1_ECX_XSAVE) != 0;
    cpu.rdrand = (r.ecx & CPUID1_ECX_RDRAND) != 0;
    cpu.underHypervisor = (r.ecx & CPUID1_ECX_HYPERVISOR) != 0;
  }
  if (cpu.maxLeaf >= 7) cpu.rdseed = (cpuid(7, 0).ebx & CPUID7_EBX_RDSEED) != 0;
  r = cpuid(LEAF_EXT_MAX);
  cpu.maxExtLeaf = r.eax >= LEAF_EXT_MAX ? r.eax : 0;
  if (cpu.maxExtLeaf >= 0x80000001) cpu.svm = (cpuid(0x80000001).ecx & CPUID81_ECX_SVM) != 0;
  if (cpu.maxExtLeaf >= LEAF_BRAND_LAST) {
    cpu.hasBrand = true;
    for (let leaf = LEAF_BRAND_FIRST; leaf <= LEAF_BRAND_LAST; leaf++) {
      r = cpuid(leaf);
      const p = cpu.brand + (leaf - LEAF_BRAND_FIRST) * 16;
      store<u32>(p, r.eax);
      store3(p + 4, r.ebx, r.ecx, r.edx);
    }
  }
  if (cpu.underHypervisor) {
    r = cpuid(LEAF_HYPERVISOR);
    store3(cpu.hypervisorSig, r.ebx, r.ecx, r.edx);
  }
  return cpu;
}

// The guest's physical-address width: the host's (CPUID 80000008H EAX[7:0],
// which the guest sees too), or 36 where the leaf is missing or says
// nothing (SDM Vol. 3A §4.1.4).
export function physAddressBits(): u32 {
  const bits = cpu.maxExtLeaf >= 0x80000008 ? cpuid(0x80000008).eax & 0xff : 0;
  return bits >= 36 ? bits : 36;
}
