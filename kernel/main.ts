// tsvisor's core, from the boot stub's call to the end of the run:
//   console → banner → boot information and RAM → CPU → virtualization
//   report → (selftest if asked) → power off.
// boot/main.c calls `boot` once, with the Multiboot2 registers and the
// physical address and size of this module's linear memory.
import { com1Init } from "../drivers/host/com1";
import { begin, endl, line, putBytes, putDec, putHex, puts, putSize } from "./console/console";
import { parseMultiboot2, Mb2Error } from "./boot/multiboot2";
import { printMemoryMap, printMb2Error, checkCoreRegion } from "./boot/memory-map";
import { identifyCpu } from "./cpu/identify";
import { readVmxCaps } from "./virt/vmx-caps";
import { readSvmCaps } from "./virt/svm-caps";
import { reportVirtualization, printCpu, VirtKind } from "./virt/report";
import { maskLegacyPics } from "./platform/pic";
import { enableXsave } from "./platform/xsave";
import { calibrateTscKhz } from "./platform/tsc-calibrate";
import { hostTimer } from "./platform/host-timer";
import { cpuid } from "./cpu/cpuid";
import { setLinearBase } from "./mm/linear";
import { runGuest } from "./run-guest";
import { dumpVmxCaps } from "./virt/vmx-dump";
import { runSelftest } from "./selftest";
import { optionIs } from "./boot/cmdline";
import { dumpBootInfo } from "./boot/bootinfo-dump";
import { startScreen, ScreenKind } from "./console/screen-start";
import { powerOff } from "./platform/power";
import { VERSION, GIT_REVISION } from "./generated/build-info";
// Compiled in for asc --use abort=kernel/panic/coreAbort (tools/builder/config.ts).
import "./panic";
// Test probes, exported for the unit tests only: pure functions over the
// core's units (kernel/probes.ts). boot/ never calls them.
export { probeScratch, probePortBusRegister, probePortBusAccess, probeProgressWatch } from "./probes";

// CPUID.01H:EDX bit 9: an on-chip local APIC (SDM Vol. 2A, Table 3-11).
const CPUID1_EDX_APIC: u32 = 1 << 9;

function reportHostTimer(hasApic: bool, tscKhz: u32): void {
  begin("host timer: ");
  if (hostTimer.init(hasApic, tscKhz)) {
    puts("local APIC timer, ");
    putDec(hostTimer.lapic.countsPerMs);
    puts(" counts per ms (divide by 16), vector ");
    putHex(0xef, 2);
  } else {
    puts("none (no usable local APIC in xAPIC mode, or the TSC rate is unknown): timers are checked at exits");
  }
  endl();
}

// Test probes of the MMIO instruction decoder, for the unit tests only (kernel/probes-mmio.ts).
export { mmioProbeBytes, mmioProbeDecode, mmioProbeField } from "./probes-mmio";

// Test probes for the legacy PC devices, exported for the unit tests only
// (kernel/probes-devices.ts). boot/ never calls them.
export { probeDevicesScratch, probeDevices } from "./probes-devices";

// Test probes for the ACPI tables and PM registers, for the unit tests only (kernel/probes-acpi.ts).
export { probeAcpiTables, probeAcpiPm } from "./probes-acpi";

// Test probes for the virtual switch's built-in host and the virtio-net device, for the unit tests only (kernel/probes-net.ts).
export { probeNetInput, probeNetOutput, probeNetAnswer, probeNetLastDrop, probeNetDrops, probeNetReset,
  probeNetDeviceNew, probeNetDeviceStep } from "./probes-net";
// Test probes for virtio-blk over its virtqueue, for the unit tests only (kernel/probes-virtio.ts).
export { probeVirtioScratch, probeVirtioOpen, probeVirtioRun, probeVirtioReportWords } from "./probes-virtio";

export function boot(mb2Magic: u32, mb2InfoPhys: u64, linearBase: u64, linearBytes: u64): void {
  com1Init();
  // The boot information first, silently: it says whether there is a
  // screen to print on as well (kernel/console/screen.ts).
  const info = parseMultiboot2(mb2Magic, mb2InfoPhys);
  const screen = info.error == Mb2Error.None ? startScreen(info) : ScreenKind.None;
  endl();
  begin("tsvisor ");
  puts(VERSION);
  puts(" (");
  puts(GIT_REVISION);
  puts("), a hypervisor whose core is TypeScript compiled to WebAssembly");
  endl();
  begin("core: linear memory at ");
  putHex(linearBase);
  puts(", ");
  putSize(linearBytes);
  puts(" reserved");
  endl();
  if (screen != ScreenKind.None) {
    begin(screen == ScreenKind.Text ? "screen: EGA text " : "screen: framebuffer ");
    putDec(info.fbWidth);
    puts("x");
    putDec(info.fbHeight);
    if (screen == ScreenKind.Framebuffer) {
      puts("x");
      putDec(info.fbBpp);
    }
    puts(" at ");
    putHex(info.fbAddress);
    puts(", the hypervisor's lines shown there too");
    endl();
  }

  if (info.error != Mb2Error.None) {
    printMb2Error(info);
    powerOff(false);
    return;
  }
  if (info.loaderNameLen > 0) {
    begin("loaded by: ");
    putBytes(info.loaderName, info.loaderNameLen);
    endl();
  }
  begin("command line: ");
  putBytes(info.cmdline, info.cmdlineLen);
  endl();
  if (optionIs(info.cmdline, info.cmdlineLen, "bootinfo", "hex")) dumpBootInfo(info);
  line("memory map:");
  printMemoryMap(info);
  if (!checkCoreRegion(info, linearBase, linearBytes)) {
    powerOff(false);
    return;
  }

  maskLegacyPics();
  setLinearBase(linearBase);

  const cpu = identifyCpu();
  printCpu(cpu);
  enableXsave(cpu);
  const tscKhz = calibrateTscKhz();
  begin("TSC: ");
  if (tscKhz == 0) puts("frequency unknown (the PIT did not answer)");
  else {
    putDec(tscKhz / 1000);
    puts(" MHz, calibrated against the PIT");
  }
  endl();
  reportHostTimer(cpu.maxLeaf >= 1 && (cpuid(1, 0).edx & CPUID1_EDX_APIC) != 0, tscKhz);
  const vmx = readVmxCaps(cpu);
  const svm = readSvmCaps(cpu);
  const kind = reportVirtualization(cpu, vmx, svm);
  if (optionIs(info.cmdline, info.cmdlineLen, "vmxcaps", "hex")) dumpVmxCaps(vmx);

  if (!runSelftest(info.cmdline, info.cmdlineLen)) {
    powerOff(false);
    return;
  }
  if (info.moduleCount == 0) {
    line("boot complete (no guest module given)");
    powerOff(true);
    return;
  }
  if (kind == VirtKind.None) {
    line("cannot run the guest: no usable VMX with EPT or SVM with nested paging on this machine");
    powerOff(false);
    return;
  }
  const baseline = optionIs(info.cmdline, info.cmdlineLen, "bench", "baseline");
  powerOff(runGuest(info, kind, vmx, svm, linearBase + linearBytes, tscKhz, baseline));
}
