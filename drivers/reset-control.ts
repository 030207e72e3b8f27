// The chipset's Reset Control register at I/O port 0xCF9 (RC in the Intel
// 82371AB PIIX4 datasheet, RST_CNT in the ICH datasheets, e.g. ICH10
// §13.7.5): a byte register inside the PCI configuration ports' range,
// reached only by byte accesses (a dword at 0xCF8 is CONFIG_ADDRESS,
// drivers/pci/config-ports.ts). It is the reset that the ACPI FADT's
// RESET_REG names on PC chipsets (I/O 0xCF9, RESET_VALUE 6), and Linux's
// reboot=pci writes it directly (arch/x86/kernel/reboot.c: first the reset
// type alone, then the type with RST_CPU).
//   bit 1 SYS_RST  (R/W) 1: hard reset (PCIRST# with the CPU), 0: soft (INIT)
//   bit 2 RST_CPU  (W)   a 0-to-1 transition starts the reset bits 1 and 3 choose
//   bit 3 FULL_RST (R/W) 1: a full power cycle (ICH; reserved on the PIIX4)
// Every kind of reset (hard, soft or full) stops the VM with
// StopReason.Reset, and the hypervisor reboots the guest in place, as a
// PC's reset does, or ends the run with reboot=no (kernel/machine.ts).
// RST_CPU is not kept (it reads 0), so every write with it set is a
// transition.
import { Vm, StopReason } from "../kernel/vm/vm";
import { ResetSource } from "../kernel/vm/stop-report";

export const RESET_CONTROL_PORT: u32 = 0xcf9;
const SYS_RST: u32 = 0x02;
const RST_CPU: u32 = 0x04;
const FULL_RST: u32 = 0x08;

export class ResetControl {
  value: u32 = 0;   // SYS_RST and FULL_RST as last written

  constructor(public vm: Vm) {}

  read(): u32 { return this.value; }

  write(value: u32): void {
    this.value = value & (SYS_RST | FULL_RST);
    if ((value & RST_CPU) != 0) this.vm.stop(StopReason.Reset, 0, <u64>ResetSource.ResetControlCf9);
  }
}
