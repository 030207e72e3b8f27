// Build a VM around a boot module and run it to the end:
//   guest RAM (host frames after the core's memory) → EPT → VMXON → VMCS →
//   devices on the port bus → load the image → run → report and statistics.
import { Mb2Info } from "../boot/multiboot2";
import { optionDecimal } from "../boot/cmdline";
import { isUsable } from "../boot/memory-map";
import { VmxCaps } from "../virt/vmx-caps";
import { enableVmx } from "../vmx/vmx-enable";
import { setupControls, setupHostState, setupGuestRealMode } from "../vmx/vmcs-setup";
import { VmxVcpu } from "../vmx/vmx-vcpu";
import { buildEpt, PAGE_2M } from "../mm/ept";
import { GuestMemory } from "./guest-memory";
import { Vm } from "./vm";
import { setCurrentVm } from "./current";
import { loadFlatImage, FLAT_LOAD_ADDRESS } from "./guest-loader";
import { reportStop } from "./stop-report";
import { printExitTable } from "./stats";
import { Uart16550 } from "../../drivers/uart16550";
import { DebugExit, DEBUG_EXIT_PORT } from "../../drivers/debug-exit";
import { begin, endl, line, putBytes, puts, putHex, putSize } from "../console/console";
import { setBaselineExits, invept } from "../hal/imports";

export const DEFAULT_GUEST_RAM_MIB: u64 = 16;
// Guest RAM is whole 2 MiB EPT pages under one page directory (kernel/mm/ept.ts).
const MIN_GUEST_RAM_MIB: i64 = 2;
const MAX_GUEST_RAM_MIB: i64 = 1024;

// guest_ram=MiB on the command line: the size in bytes, or 0 (reported) if invalid.
function guestRamBytes(info: Mb2Info): u64 {
  const v = optionDecimal(info.cmdline, info.cmdlineLen, "guest_ram");
  if (v == -1) return DEFAULT_GUEST_RAM_MIB << 20;
  if (v < MIN_GUEST_RAM_MIB || v > MAX_GUEST_RAM_MIB || (v & 1) != 0) {
    line("bad guest_ram: give an even number of MiB from 2 to 1024");
    return 0;
  }
  return <u64>v << 20;
}

// INVEPT after building the tables, so that no translation cached for this
// EPTP from an earlier use survives (SDM Vol. 3C §29.4.3.1): single-context
// where supported, else all-context.
const INVEPT_SINGLE: u32 = 1;
const INVEPT_ALL: u32 = 2;

function flushEpt(vmx: VmxCaps, eptp: u64): void {
  if (!vmx.invept) return;
  const st = invept(vmx.inveptSingle ? INVEPT_SINGLE : INVEPT_ALL, eptp);
  if (st != 0) line("VMX: INVEPT failed");
}
const COM1: u32 = 0x3f8;

// Run the module as a guest; true if it ended with status 0.
export function runGuest(info: Mb2Info, vmx: VmxCaps, linearEnd: u64, baseline: bool): bool {
  begin("guest: ");
  putBytes(info.moduleName, info.moduleNameLen);
  puts(", ");
  putSize(<u64>(info.moduleEnd - info.moduleStart));
  puts(" image");
  endl();
  const ramBytes = guestRamBytes(info);
  if (ramBytes == 0) return false;
  // Guest RAM: the first 2 MiB-aligned host frames after the core's memory.
  const hostBase = (linearEnd + PAGE_2M - 1) & ~(PAGE_2M - 1);
  if (!isUsable(info, hostBase, ramBytes)) {
    begin("guest RAM: ");
    putSize(ramBytes);
    puts(" at ");
    putHex(hostBase);
    puts(" is not usable RAM; the machine needs more memory");
    endl();
    return false;
  }
  if (!vmx.ept || !vmx.unrestrictedGuest) {
    line("VMX: tsvisor needs EPT and unrestricted guest to run a real-mode guest");
    return false;
  }
  // kernel/mm/ept.ts maps guest RAM with 2 MiB pages and a 4-level walk.
  if (!vmx.ept2M || !vmx.eptWalk4 || !vmx.eptWriteBack) {
    line("VMX: tsvisor's EPT needs 2 MiB pages, a 4-level walk and write-back memory, which this CPU lacks");
    return false;
  }
  if (!enableVmx(vmx)) return false;

  const mem = new GuestMemory(hostBase, ramBytes);
  const vm = new Vm(mem);
  setCurrentVm(vm);
  const ept = buildEpt(hostBase, ramBytes);
  flushEpt(vmx, ept.eptp());
  const vcpu = new VmxVcpu();
  if (!vcpu.create(vmx.revision)) return false;
  setupControls(ept.eptp());
  setupHostState();
  setupGuestRealMode(FLAT_LOAD_ADDRESS, FLAT_LOAD_ADDRESS);
  vm.ports.register(COM1, 8, new Uart16550());
  vm.ports.register(DEBUG_EXIT_PORT, 4, new DebugExit(vm));
  if (!loadFlatImage(mem, info.moduleStart, info.moduleEnd)) return false;

  begin("VM: ");
  putSize(ramBytes);
  puts(" RAM at host ");
  putHex(hostBase);
  puts(", EPT pointer ");
  putHex(ept.eptp());
  puts(", entry 0000:7c00 (real mode, unrestricted guest)");
  endl();
  if (baseline) {
    line("bench: baseline: CPUID and OUT 0x80 exits resume in the assembly stub, not the core");
    setBaselineExits(1);
  }
  vcpu.run(vm);
  setBaselineExits(0);
  const ok = reportStop(vm, vcpu);
  printExitTable();
  return ok;
}
