// The local APIC's MSRs, for the RDMSR/WRMSR exits (kernel/vm/apic-msrs.ts):
// IA32_APIC_BASE (1BH), IA32_TSC_DEADLINE (6E0H) and, in x2APIC mode, the
// registers at 800H + offset / 16 (Intel SDM Vol. 3A §12.12.1.2, Table
// 12-6). #GP, as the SDM gives it: any x2APIC MSR outside x2APIC mode; a
// register the table does not list (APR, RRD, DFR, ICR high, CMCI here);
// RDMSR of a write-only one (EOI, SELF IPI), WRMSR of a read-only one (ID,
// version, PPR, LDR, ISR, TMR, IRR, current count); a reserved bit set
// (§12.12.1.3), including bits 63:32 of every register but the ICR, which
// is one 64-bit MSR, 830H, with the destination in 63:32 (§12.12.9).
import { ApicMsrs } from "../../kernel/vm/apic-msrs";
import { IA32_APIC_BASE, IA32_TSC_DEADLINE, X2APIC_MSR_FIRST, X2APIC_MSR_LAST } from "../../kernel/vm/msr-policy";
import { Lapic, X2R, X2W, x2apicWritable } from "./lapic";
import { LAPIC_ICR_LOW } from "./lapic-registers";

const X2APIC_ICR: u32 = X2APIC_MSR_FIRST + (LAPIC_ICR_LOW >> 4);

export class LapicMsrs extends ApicMsrs {
  constructor(public lapic: Lapic) { super(); }

  read(msr: u32): bool {
    const lapic = this.lapic;
    if (msr == IA32_APIC_BASE) {
      this.value = lapic.apicBase;
      return true;
    }
    if (msr == IA32_TSC_DEADLINE) {
      this.value = lapic.timer.readDeadline();
      return true;
    }
    if (msr < X2APIC_MSR_FIRST || msr > X2APIC_MSR_LAST || !lapic.enabled() || !lapic.x2apicMode()) return false;
    if (msr == X2APIC_ICR) {
      this.value = <u64>lapic.regs.icrLow | (<u64>lapic.regs.icrHigh << 32);
      return true;
    }
    const offset = (msr - X2APIC_MSR_FIRST) << 4;
    if ((Lapic.access(offset) & X2R) == 0) return false;
    this.value = <u64>lapic.readRegister(offset);
    return true;
  }

  write(msr: u32, value: u64): bool {
    const lapic = this.lapic;
    if (msr == IA32_APIC_BASE) return lapic.writeApicBase(value);
    if (msr == IA32_TSC_DEADLINE) {
      lapic.timer.writeDeadline(value);
      return true;
    }
    if (msr < X2APIC_MSR_FIRST || msr > X2APIC_MSR_LAST || !lapic.enabled() || !lapic.x2apicMode()) return false;
    const offset = (msr - X2APIC_MSR_FIRST) << 4;
    const low = <u32>value;
    if ((Lapic.access(offset) & X2W) == 0 || (low & ~x2apicWritable(offset)) != 0) return false;
    if (msr == X2APIC_ICR) {
      lapic.regs.icrHigh = <u32>(value >> 32);
    } else if ((value >> 32) != 0) {
      return false;
    }
    return lapic.writeRegister(offset, low);
  }
}
