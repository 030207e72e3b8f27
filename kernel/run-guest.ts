// Build a VM around a boot module and run it to the end:
//   guest RAM (host frames after the core's memory) → the VM object → the
//   backend's vCPU (VMX: VMXON, EPT, MSR bitmap, VMCS; SVM: EFER.SVME, NPT,
//   MSR permission map, VMCB) → a boot: RAM zeroed, the vCPU reset, the
//   devices on the port and MMIO buses (addDevices: the debug-exit port,
//   the PC — 8259 pair, I/O APIC, the IRQ router, 8254, port 0x61,
//   RTC/CMOS, PCI configuration ports, fw_cfg, 8042, ACPI PM — the UART on
//   IRQ 4, the local APIC), the image loaded, its initial state into the
//   vCPU → the vCPU loop → on a reset of the machine, another boot
//   (kernel/machine.ts) → report and statistics.
import { Mb2Info } from "./boot/multiboot2";
import { optionDecimal, optionIs, findOption } from "./boot/cmdline";
import { VmxCaps } from "./virt/vmx-caps";
import { SvmCaps } from "./virt/svm-caps";
import { VirtKind } from "./virt/report";
import { createVmxVcpu } from "./vmx/vmx-create";
import { createSvmVcpu } from "./svm/svm-create";
import { GuestMemory, MMIO_WINDOW_START } from "./vm/guest-memory";
import { Vm } from "./vm/vm";
import { Vcpu } from "./vm/vcpu";
import { runVcpu } from "./vm/vcpu-loop";
import { dispatchExit } from "./exits/dispatch";
import { CpuMode, InitialState } from "./vm/initial-state";
import { GuestFormat, guestFormat, kernelArgs, loadGuest } from "./loader/load-guest";
import { KernelArgs } from "./loader/kernel-args";
import { placeGuestRam, NO_PLACE } from "./vm/ram-placement";
import { reportStop } from "./vm/stop-report";
import { Machine, rebootOption } from "./machine";
import { Uart16550 } from "../drivers/uart16550";
import { DebugExit, DEBUG_EXIT_PORT } from "../drivers/debug-exit";
import { I8259Pair } from "../drivers/i8259";
import { I8254, PIT_BASE } from "../drivers/i8254";
import { SystemControlPortB, PORT_B } from "../drivers/port-b";
import { RtcCmos, RTC_BASE } from "../drivers/rtc-cmos";
import { PciConfigPorts, PCI_CONFIG_BASE, PCI_CONFIG_BYTES } from "../drivers/pci/config-ports";
import { FwCfg, FW_CFG_BASE, FW_CFG_BYTES } from "../drivers/fw-cfg";
import { I8042, I8042_DATA_PORT, I8042_COMMAND_PORT } from "../drivers/i8042";
import { AcpiPm, ACPI_PM_BASE, ACPI_PM_BYTES, SCI_IRQ } from "../drivers/acpi-pm";
import { IrqLine } from "./vm/irq";
import { IrqRouter } from "./vm/irq-router";
import { IoApic, IOAPIC_BASE, IOAPIC_BYTES } from "../drivers/ioapic";
import { Lapic } from "../drivers/lapic/lapic";
import { LapicMsrs } from "../drivers/lapic/lapic-msrs";
import { lapicTimerKhz } from "../drivers/lapic/lapic-timer";
import { physAddressBits } from "./cpu/identify";
import { addVirtioDevices } from "./virtio-devices";
import { MmioScratch, MMIO_SCRATCH_BASE, MMIO_SCRATCH_BYTES } from "../drivers/mmio-scratch";
import { begin, endl, line, putBytes, putDec, puts, putHex, putSize } from "./console/console";
import { setBaselineExits, rdtsc, identityMapEnd } from "./hal/imports";

export const DEFAULT_GUEST_RAM_MIB: u64 = 16;
// A kernel guest (Linux, multiboot) by default: room for the kernel's
// decompression, its initrd unpacked into a tmpfs, and a shell.
export const DEFAULT_KERNEL_RAM_MIB: u64 = 256;
// Guest RAM is whole 2 MiB pages under one page directory (kernel/mm/nested-paging.ts).
const MIN_GUEST_RAM_MIB: i64 = 2;
// The hypervisor reaches host frames through its identity map
// (boot/entry32.S: 64 GiB with 1 GiB pages, else 4 GiB), where guest RAM
// must lie in one run: at most 60 GiB, and where the map ends at 4 GiB, what
// fits below it (placeGuestRam says so).
const MAX_GUEST_RAM_MIB: i64 = 61440;
const COM1: u32 = 0x3f8;
const COM1_IRQ: u32 = 4;  // ISA IRQ 4, as on every PC
const PIC_MASTER: u32 = 0x20;
const PIC_SLAVE: u32 = 0xa0;
const ELCR: u32 = 0x4d0;
const FOUR_GIB: u64 = <u64>4 << 30;
// The guest's RTC starts at 2000-01-01 00:00:00 until the VM build reads
// the host's RTC.
export const GUEST_RTC_START: u64 = 946684800;

// The PC devices that guests probe (DESIGN.md: a missing PIT hangs many
// guests, Linux calibrates against it and checks RTC register D), and the
// interrupt controllers behind their lines.
export class LegacyPc {
  constructor(public pic: I8259Pair, public ioapic: IoApic, public router: IrqRouter, public pit: I8254,
    public portB: SystemControlPortB, public rtc: RtcCmos, public pci: PciConfigPorts, public fwCfg: FwCfg,
    public kbc: I8042) {}
}

// Make the PC devices and put them on the VM's buses. Their interrupt lines
// go to the IRQ router (ISA IRQ 0: PIT channel 0, IRQ 8: RTC), which drives
// both the 8259 pair and the I/O APIC (kernel/vm/irq-router.ts).
// `previousRtc`: the last boot's RTC/CMOS, whose battery-backed state this
// boot's takes over (a reboot, kernel/machine.ts); the memory sizes are
// written again on every boot, as a BIOS does at POST.
export function addLegacyPc(vm: Vm, ramBytes: u64, rtcStart: u64, previousRtc: RtcCmos | null = null): LegacyPc {
  const pic = new I8259Pair();
  const ioapic = new IoApic();
  vm.mmio.register(IOAPIC_BASE, IOAPIC_BYTES, ioapic);
  const router = new IrqRouter(pic.sink, ioapic.inputs);
  const pit = new I8254(vm.clock, new IrqLine(router, 0));
  const portB = new SystemControlPortB(pit);
  const rtc = new RtcCmos(vm.clock, new IrqLine(router, 8), rtcStart);
  if (previousRtc !== null) rtc.takeOver(previousRtc);
  // RAM below 4 GiB ends at the MMIO window; the rest is above 4 GiB (kernel/vm/guest-memory.ts).
  rtc.setMemorySize(ramBytes < MMIO_WINDOW_START ? ramBytes : MMIO_WINDOW_START,
    ramBytes > MMIO_WINDOW_START ? ramBytes - MMIO_WINDOW_START : 0);
  vm.ports.register(PIC_MASTER, 2, pic.master);
  vm.ports.register(PIC_SLAVE, 2, pic.slave);
  vm.ports.register(ELCR, 2, pic.elcr);
  vm.ports.register(PIT_BASE, 4, pit);
  vm.ports.register(PORT_B, 1, portB);
  vm.ports.register(RTC_BASE, 2, rtc);
  // PCI configuration mechanism #1 with the host bridge at 00:00.0 (and the
  // reset control register at 0xCF9), QEMU's fw_cfg, and the 8042 that
  // Linux resets through.
  const pci = new PciConfigPorts(vm);
  vm.ports.register(PCI_CONFIG_BASE, PCI_CONFIG_BYTES, pci);
  const fwCfg = new FwCfg(vm, 1);
  vm.ports.register(FW_CFG_BASE, FW_CFG_BYTES, fwCfg);
  const kbc = new I8042(vm);
  vm.ports.register(I8042_DATA_PORT, 1, kbc.data);
  vm.ports.register(I8042_COMMAND_PORT, 1, kbc.command);
  // The ACPI PM blocks the FADT points at, the SCI on ISA IRQ 9 (kernel/firmware/).
  vm.ports.register(ACPI_PM_BASE, ACPI_PM_BYTES, new AcpiPm(vm, new IrqLine(router, SCI_IRQ)));
  return new LegacyPc(pic, ioapic, router, pit, portB, rtc, pci, fwCfg, kbc);
}

// The vCPU's local APIC (drivers/lapic/): its interrupt controller, with
// the 8259 pair behind LINT0 and its EOIs broadcast to the I/O APIC, which
// delivers to it; its xAPIC page on the MMIO bus; its MSRs.
export function addLocalApic(vm: Vm, vcpu: Vcpu, pc: LegacyPc, physBits: u32): Lapic {
  const lapic = new Lapic(vm.clock, vm.mmio, vcpu.id, vm.memory.size, physBits);
  lapic.ext = pc.pic;
  lapic.eoiListener = pc.ioapic.eoiPort;
  pc.ioapic.bus = lapic.bus;
  vcpu.interrupts = lapic;
  vcpu.apic = new LapicMsrs(lapic);
  vcpu.features.lapic = true;
  vcpu.features.apicTimerKhz = lapicTimerKhz(vm.clock.tscKhz);
  return lapic;
}

// Every device of one boot, on the VM's buses (empty at each boot:
// Vm.resetPlatform) and wired to the vCPU: the debug-exit port, the MMIO
// test device if asked for (mmio_test=scratch), the PC (addLegacyPc),
// COM1, the local APIC. It runs again on every reboot, so each boot's
// devices start in their power-on state and nothing of the last boot's
// stays on a bus, armed on the clock or wired to the vCPU; what outlives a
// boot comes from `machine` (the RTC/CMOS's state; the boot modules in
// machine.info, e.g. a disk's bytes).
export function addDevices(vm: Vm, vcpu: Vcpu, machine: Machine): LegacyPc {
  const info = machine.info;
  vm.ports.register(DEBUG_EXIT_PORT, 4, new DebugExit(vm));
  // A test device for the MMIO emulator (drivers/mmio-scratch.ts), only when asked for.
  if (optionIs(info.cmdline, info.cmdlineLen, "mmio_test", "scratch")) {
    vm.mmio.register(MMIO_SCRATCH_BASE, MMIO_SCRATCH_BYTES, new MmioScratch());
    if (machine.boots == 1) {
      begin("MMIO: test device mmio-scratch at ");
      putHex(MMIO_SCRATCH_BASE);
      endl();
    }
  }
  const pc = addLegacyPc(vm, vm.memory.size, GUEST_RTC_START, machine.rtc);
  machine.rtc = pc.rtc;
  // COM1: output to the guest console, input typed on the hypervisor's
  // console (vm.input), its interrupt on ISA IRQ 4 through the IRQ router
  // (the 8259 pair and the I/O APIC, whichever the guest programs).
  const uart = new Uart16550(vm.console, new IrqLine(pc.router, COM1_IRQ), vm.clock);
  vm.ports.register(COM1, 8, uart);
  vm.input.uart = uart;
  uart.input = vm.input;
  const lapic = addLocalApic(vm, vcpu, pc, physAddressBits());
  machine.virtio = addVirtioDevices(vm, machine.info, pc.pci.bus, pc.router, lapic.bus);
  return pc;
}

// One boot of the guest, the first or after a reset of the machine: RAM
// zeroed (nothing of the last boot's is readable), the vCPU back in its
// reset state, this boot's devices, the guest loaded from its boot
// modules and the vCPU at its start. False (reported by the loader) if
// the guest does not load.
function bootGuest(vm: Vm, vcpu: Vcpu, machine: Machine): bool {
  machine.boots++;
  vm.memory.zero();
  vcpu.reset();
  addDevices(vm, vcpu, machine);
  const start = new InitialState();
  if (!loadGuest(machine.info, vm, machine.format, machine.mode, machine.args, start)) return false;
  vcpu.start(start);
  return true;
}

// guest_ram=MiB on the command line: the size in bytes, or 0 (reported) if invalid.
function guestRamBytes(info: Mb2Info, defaultMiB: u64): u64 {
  const v = optionDecimal(info.cmdline, info.cmdlineLen, "guest_ram");
  if (v == -1) return defaultMiB << 20;
  if (v < MIN_GUEST_RAM_MIB || v > MAX_GUEST_RAM_MIB || (v & 1) != 0) {
    line("bad guest_ram: give an even number of MiB from 2 to 61440");
    return 0;
  }
  return <u64>v << 20;
}

// guest_mode= on the command line: the mode a flat image starts in
// (kernel/loader/flat-image.ts), or -1 (reported) if it names none.
function startMode(info: Mb2Info): i32 {
  const cl = info.cmdline;
  const len = info.cmdlineLen;
  if (findOption(cl, len, "guest_mode") < 0 || optionIs(cl, len, "guest_mode", "real")) return <i32>CpuMode.Real;
  if (optionIs(cl, len, "guest_mode", "protected32")) return <i32>CpuMode.Protected32;
  if (optionIs(cl, len, "guest_mode", "long64")) return <i32>CpuMode.Long64;
  line("bad guest_mode: give real, protected32 or long64");
  return -1;
}

// guest_timeout=SEC: the VM's time budget in seconds (1 to 86400), or 0
// (none) if absent; -1 (reported) if invalid or if the TSC rate is unknown.
function guestTimeout(info: Mb2Info, tscKhz: u32): i64 {
  const v = optionDecimal(info.cmdline, info.cmdlineLen, "guest_timeout");
  if (v == -1) return 0;
  if (v < 1 || v > 86400) {
    line("bad guest_timeout: give a number of seconds from 1 to 86400");
    return -1;
  }
  if (tscKhz == 0) {
    line("guest_timeout needs the TSC frequency, which is unknown on this machine");
    return -1;
  }
  return v;
}

function describeStart(mode: CpuMode): void {
  if (mode == CpuMode.Real) puts(", entry 0000:7c00 (real mode)");
  else if (mode == CpuMode.Protected32) puts(", entry 0x7c00 (flat 32-bit protected mode, paging off)");
  else puts(", entry 0x7c00 (64-bit long mode, guest RAM identity-mapped)");
}

// Run the module as a guest; true if it ended with status 0.
export function runGuest(info: Mb2Info, kind: VirtKind, vmx: VmxCaps, svm: SvmCaps, linearEnd: u64, tscKhz: u32, baseline: bool): bool {
  const format = guestFormat(info);
  if (format == GuestFormat.None) return false;
  const args = new KernelArgs();
  const kernel = format != GuestFormat.Flat;
  if (kernel && !kernelArgs(info, format, args)) return false;
  const ramBytes = guestRamBytes(info, kernel ? DEFAULT_KERNEL_RAM_MIB : DEFAULT_GUEST_RAM_MIB);
  if (ramBytes == 0) return false;
  const mode = startMode(info);
  if (mode < 0) return false;
  const timeout = guestTimeout(info, tscKhz);
  if (timeout < 0) return false;
  // Guest RAM: 2 MiB-aligned host frames after the core's memory, clear
  // of the boot modules (kernel/vm/ram-placement.ts).
  const mapEnd = identityMapEnd();
  const hostBase = placeGuestRam(info, linearEnd, ramBytes, mapEnd);
  if (hostBase == NO_PLACE) {
    begin("guest RAM: no usable ");
    putSize(ramBytes);
    puts(" of host memory in one run, clear of the core and the boot modules, below ");
    putSize(mapEnd);
    puts(mapEnd <= FOUR_GIB ? " (the hypervisor's map of host memory: this CPU has no 1 GiB pages)" : " (the hypervisor's map of host memory)");
    puts("; the machine needs more memory, or give less guest_ram");
    endl();
    return false;
  }
  const reboot = rebootOption(info);
  if (reboot < 0) return false;
  const vm = new Vm(new GuestMemory(hostBase, ramBytes));
  vm.clock.tscKhz = tscKhz;
  const vcpu: Vcpu | null = kind == VirtKind.Vmx ? createVmxVcpu(vmx, vm, 0) : createSvmVcpu(svm, vm, 0);
  if (vcpu === null) return false;
  vm.vcpus.push(vcpu!);
  const machine = new Machine(info, format, <CpuMode>mode, args, reboot == 1);
  if (!bootGuest(vm, vcpu!, machine)) return false;

  begin("VM: ");
  putSize(ramBytes);
  puts(" RAM at host ");
  putHex(hostBase);
  if (format == GuestFormat.Flat) describeStart(<CpuMode>mode);
  endl();
  if (baseline) {
    line("bench: baseline: CPUID, OUT 0x80 and hypercall exits resume in the assembly stub, not the core");
    setBaselineExits(1);
  }
  // exit_stats=off: no per-exit counts or times (the bench's "no stats" run).
  if (optionIs(info.cmdline, info.cmdlineLen, "exit_stats", "off")) {
    vm.stats.enabled = false;
    line("VM: exit statistics off (exit_stats=off)");
  }
  if (timeout > 0) {
    vm.budgetEnd = rdtsc() + <u64>timeout * <u64>tscKhz * 1000;
    begin("VM: time budget ");
    putDec(timeout);
    puts(" s (guest_timeout)");
    endl();
  }
  // Boot after boot while the guest resets the machine (kernel/machine.ts);
  // the statistics and the time budget span them all.
  let loaded = true;
  while (true) {
    runVcpu(vcpu!, dispatchExit);
    vm.console.endLine();
    if (!machine.rebootAfter(vm)) break;
    // Each boot's devices are new: what this boot's did, before they go.
    machine.virtio!.report();
    vm.resetPlatform();
    if (!bootGuest(vm, vcpu!, machine)) {
      line("VM stopped: the guest did not load again after it reset the machine");
      loaded = false;
      break;
    }
  }
  setBaselineExits(0);
  const ok = loaded && reportStop(vm, vcpu!);
  vm.input.report();
  if (machine.virtio !== null) machine.virtio!.report();
  vm.stats.print();
  return ok;
}
