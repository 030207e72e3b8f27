// What the hypervisor says when a VM stops: why, where, and the guest's
// registers for the faults. The hypervisor keeps running afterwards.
import { Vm, StopReason } from "./vm";
import { Vcpu, RAX, RBX, RCX, RDX, RSI, RDI, RBP } from "./vcpu";
import { begin, endl, line, putc, puts, putDec, putHex } from "../console/console";
import { MmioFailure } from "./mmio/insn";
import { NO_TRANSLATION } from "./guest-walk";
import { exitKindName } from "./exit";
import { NO_PROGRESS_LIMIT } from "./progress";
import { taskSwitchStopText } from "./task-switch-stop";

function reg(name: string, v: u64): void {
  puts(" ");
  puts(name);
  puts("=");
  putHex(v, 16);
}

export function printRegisters(vcpu: Vcpu): void {
  begin("  ");
  reg("rip", vcpu.rip());
  reg("rsp", vcpu.rsp());
  reg("rflags", vcpu.rflags());
  endl();
  begin("  ");
  reg("rax", vcpu.gpr(RAX));
  reg("rbx", vcpu.gpr(RBX));
  reg("rcx", vcpu.gpr(RCX));
  reg("rdx", vcpu.gpr(RDX));
  endl();
  begin("  ");
  reg("rsi", vcpu.gpr(RSI));
  reg("rdi", vcpu.gpr(RDI));
  reg("rbp", vcpu.gpr(RBP));
  endl();
  begin("  ");
  reg("cr0", vcpu.cr0());
  reg("cr3", vcpu.cr3());
  reg("cr4", vcpu.cr4());
  reg("efer", vcpu.efer());
  endl();
}

function portBusCounts(vm: Vm): void {
  if (vm.ports.unclaimedReads == 0 && vm.ports.unclaimedWrites == 0) return;
  begin("port bus: ");
  putDec(vm.ports.unclaimedReads);
  puts(" reads and ");
  putDec(vm.ports.unclaimedWrites);
  puts(" writes to ports no device claims");
  endl();
}

function putByte(b: u32): void {
  const hi = b >> 4;
  const lo = b & 0xf;
  putc(hi < 10 ? hi + 0x30 : hi + 0x57);
  putc(lo < 10 ? lo + 0x30 : lo + 0x57);
}

// An access to device memory that could not be emulated: where, which
// device, and what stood in the way (the vCPU's mmio record).
function mmioFailure(vm: Vm, vcpu: Vcpu): void {
  const d = vcpu.mmio;
  const dev = vm.mmio.find(vm.detail);
  if (d.failure == MmioFailure.ExecuteMmio) puts("instruction fetch from device memory at ");
  else puts("MMIO at ");
  putHex(vm.detail);
  puts(" (");
  puts(dev >= 0 ? vm.mmio.deviceName(dev) : "no device: all-ones range");
  puts(")");
  if (d.failure == MmioFailure.ExecuteMmio) {
    puts(": tsvisor does not run code from devices");
  } else if (d.failure == MmioFailure.PageWalk) {
    puts(" by the CPU's walk of the guest's page tables: they are in device memory");
  } else if (d.failure == MmioFailure.NotFetched) {
    puts(": the instruction at linear ");
    putHex(d.linear);
    puts(" is not in guest RAM");
  } else if (d.failure == MmioFailure.OtherOperand) {
    puts(" by MOVS, whose other operand ");
    if (d.otherGpa == NO_TRANSLATION) puts("is not mapped by the guest's page tables");
    else {
      puts("at ");
      putHex(d.otherGpa);
      puts(" is outside guest RAM and claimed by no device");
    }
  } else {
    puts(" by an instruction tsvisor does not emulate: bytes");
    for (let i: u32 = 0; i < d.fetched; i++) {
      puts(" ");
      putByte(<u32>d.bytes[i]);
    }
    puts(" at linear ");
    putHex(d.linear);
  }
}

// Where a reset came from (the `detail` of a Reset stop).
export enum ResetSource { AcpiResetRegister, ResetControlCf9, KeyboardController }
export function resetSourceName(s: u32): string {
  if (s == <u32>ResetSource.AcpiResetRegister) return "the ACPI reset register";
  if (s == <u32>ResetSource.ResetControlCf9) return "the reset control register, port 0xCF9";
  return "the keyboard controller's reset pulse, port 0x64 command 0xFE";
}

// Print the stop; return true if the guest ended the way a test counts as success.
export function reportStop(vm: Vm, vcpu: Vcpu): bool {
  portBusCounts(vm);
  const r = vm.stopReason;
  begin("VM stopped: ");
  if (r == StopReason.PowerOff) {
    puts("the guest powered off with status ");
    putDec(vm.status);
    endl();
    return vm.status == 0;
  }
  if (r == StopReason.Reset) {
    puts("the guest reset the machine (");
    puts(resetSourceName(<u32>vm.detail));
    puts(")");
    endl();
    return vm.status == 0;
  }
  if (r == StopReason.RebootLimit) {
    puts("the guest kept resetting the machine (");
    puts(resetSourceName(<u32>vm.detail));
    puts("), past the reboot limit");
    endl();
    line("the hypervisor is still running");
    return false;
  }
  if (r == StopReason.Halted) {
    puts(vm.detail != 0
      ? "the guest halted with interrupts enabled, and no interrupt source is armed to wake it"
      : "the guest halted with interrupts disabled (nothing can wake it)");
    puts(" at rip ");
    putHex(vcpu.rip());
    endl();
    line("the hypervisor is still running");
    return false;
  }
  if (r == StopReason.TripleFault) puts("triple fault (the guest shut down after a fault it could not handle)");
  else if (r == StopReason.BadAccess) {
    puts("guest-physical access at ");
    putHex(vm.detail);
    puts(" outside guest RAM (");
    putHex(vm.memory.size);
    puts(" bytes), claimed by no device");
  } else if (r == StopReason.MmioFailed) mmioFailure(vm, vcpu);
  else if (r == StopReason.EntryFailed) puts("the CPU refused to enter the guest (see above)");
  else if (r == StopReason.UnknownLength) {
    puts("the length of the exiting instruction is unknown (no NRIP save, bytes not decoded; backend reason ");
    putDec(vm.detail);
    puts("): stopped rather than re-run it forever");
  } else if (r == StopReason.NoProgress) {
    puts("no progress: ");
    putDec(NO_PROGRESS_LIMIT);
    puts(" ");
    puts(exitKindName(vcpu.progress.kind));
    puts(" exits in a row at rip ");
    putHex(vcpu.progress.rip);
    puts(", each resumed on the same instruction with nothing injected (backend reason ");
    putDec(vm.detail);
    puts("): stopped rather than spin");
  } else if (r == StopReason.TaskSwitch) {
    puts("task switch to TSS selector ");
    putHex(vm.detail >> 8, 4);
    puts(" not emulated: ");
    puts(taskSwitchStopText(<u32>vm.detail & 0xff));
  } else if (r == StopReason.OutOfTime) puts("the guest ran past its time budget (guest_timeout=), stopped by the hypervisor");
  else {
    puts("unhandled exit (backend reason ");
    putDec(vm.detail);
    puts(")");
  }
  endl();
  printRegisters(vcpu);
  line("the hypervisor is still running");
  return false;
}
