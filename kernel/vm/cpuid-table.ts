// The guest's CPUID answers, computed once per boot (Vcpu.start) from the
// policy (./cpuid-policy.ts), so that a CPUID exit is a table lookup: no
// walk of the policy's rows and no host CPUID per exit (issue 13). What
// the policy decides from state that changes while the guest runs stays
// out of the table or is patched on the way out:
//   - 01H ECX.OSXSAVE mirrors the guest's CR4.OSXSAVE (SDM Table 3-10): it
//     is stored clear and set on lookup;
//   - 0DH subleaves 0 and 1, whose EBX is the size of the state the
//     guest's XCR0 enables now (SDM CPUID leaf 0DH): not in the table.
// Leaves outside the table (basic leaves from 20H, other subleaves,
// anything unusual) go to the policy as before: the table is a cache of
// the policy, never a second one.
import { Vcpu } from "./vcpu";
import { guestCpuid } from "./cpuid-policy";
import { CPUID1_ECX_OSXSAVE, CR4_OSXSAVE } from "../arch/x86";

const BASIC_LEAVES: u32 = 0x20;   // 00H-1FH
const SUBLEAVES: u32 = 8;         // of a subleaf-indexed leaf: 0-7
const EXT_BASE: u32 = 0x80000000;
const EXT_LEAVES: u32 = 0x20;     // 80000000H-8000001FH
const HV_BASE: u32 = 0x40000000;
const HV_LEAVES: u32 = 2;         // 40000000H-40000001H (cpuid-policy.ts)
const EXT_SLOT: u32 = BASIC_LEAVES * SUBLEAVES;
const HV_SLOT: u32 = EXT_SLOT + EXT_LEAVES;
const SLOTS: u32 = HV_SLOT + HV_LEAVES;

const LEAF_FEATURES: u32 = 0x1;
const LEAF_XSAVE: u32 = 0xd;

// Basic leaves whose answer depends on ECX (SDM CPUID: "ECX = subleaf"):
// cache parameters 04H, extended features 07H, topology 0BH/1FH, XSAVE
// 0DH, RDT 0FH/10H, SGX 12H, PT 14H, SoC vendor 17H, TLB 18H, Key Locker
// 19H, PCONFIG 1BH, LBR 1CH, AMX 1DH/1EH, 20H's neighbours are beyond
// BASIC_LEAVES. Every other leaf ignores ECX, so one slot serves all
// subleaves. Extended leaves indexed by ECX (8000001DH, AMD's cache
// topology) go to the policy.
function subleafIndexed(leaf: u32): bool {
  return leaf == 0x4 || leaf == 0x7 || leaf == 0xb || leaf == 0xd || leaf == 0xf || leaf == 0x10 ||
    leaf == 0x12 || leaf == 0x14 || leaf == 0x17 || leaf == 0x18 || leaf == 0x19 || leaf == 0x1b ||
    leaf == 0x1c || leaf == 0x1d || leaf == 0x1e || leaf == 0x1f;
}

// The slot of (leaf, subleaf), or -1 where the policy answers.
function slotOf(leaf: u32, subleaf: u32): i32 {
  if (leaf < BASIC_LEAVES) {
    if (!subleafIndexed(leaf)) return <i32>(leaf * SUBLEAVES);
    if (subleaf >= SUBLEAVES || (leaf == LEAF_XSAVE && subleaf <= 1)) return -1;
    return <i32>(leaf * SUBLEAVES + subleaf);
  }
  if (leaf >= EXT_BASE && leaf < EXT_BASE + EXT_LEAVES && leaf != 0x8000001d) return <i32>(EXT_SLOT + leaf - EXT_BASE);
  if (leaf >= HV_BASE && leaf < HV_BASE + HV_LEAVES) return <i32>(HV_SLOT + leaf - HV_BASE);
  return -1;
}

export class CpuidTable {
  words: StaticArray<u32> = new StaticArray<u32>(<i32>(SLOTS * 4));
  // The answer of the last lookup.
  eax: u32 = 0;
  ebx: u32 = 0;
  ecx: u32 = 0;
  edx: u32 = 0;

  // Fill every slot from the policy for this vCPU (its features, APIC ID
  // and clock are fixed from here to the next boot).
  build(vcpu: Vcpu): void {
    for (let leaf: u32 = 0; leaf < BASIC_LEAVES; leaf++) {
      const subs = subleafIndexed(leaf) ? SUBLEAVES : 1;
      for (let s: u32 = 0; s < subs; s++) this.fill(vcpu, leaf, s);
    }
    for (let i: u32 = 0; i < EXT_LEAVES; i++) this.fill(vcpu, EXT_BASE + i, 0);
    for (let i: u32 = 0; i < HV_LEAVES; i++) this.fill(vcpu, HV_BASE + i, 0);
  }

  private fill(vcpu: Vcpu, leaf: u32, subleaf: u32): void {
    const slot = slotOf(leaf, subleaf);
    if (slot < 0) return;
    const r = guestCpuid(leaf, subleaf, vcpu, vcpu.id);
    const at = slot * 4;
    unchecked(this.words[at] = r.eax);
    unchecked(this.words[at + 1] = r.ebx);
    unchecked(this.words[at + 2] = leaf == LEAF_FEATURES ? r.ecx & ~CPUID1_ECX_OSXSAVE : r.ecx);
    unchecked(this.words[at + 3] = r.edx);
  }

  // CPUID(leaf, subleaf) for the guest into eax..edx: from the table, or
  // from the policy where the table has no slot for it.
  answer(vcpu: Vcpu, leaf: u32, subleaf: u32): void {
    const slot = slotOf(leaf, subleaf);
    if (slot < 0) {
      const r = guestCpuid(leaf, subleaf, vcpu, vcpu.id);
      this.eax = r.eax;
      this.ebx = r.ebx;
      this.ecx = r.ecx;
      this.edx = r.edx;
      return;
    }
    const at = slot * 4;
    this.eax = unchecked(this.words[at]);
    this.ebx = unchecked(this.words[at + 1]);
    this.ecx = unchecked(this.words[at + 2]);
    this.edx = unchecked(this.words[at + 3]);
    if (leaf == LEAF_FEATURES && vcpu.features.xsave && (vcpu.cr4() & CR4_OSXSAVE) != 0) this.ecx |= CPUID1_ECX_OSXSAVE;
  }
}
