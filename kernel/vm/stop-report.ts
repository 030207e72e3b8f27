// What the hypervisor says when a VM stops: why, where, and the guest's
// registers for the faults. The hypervisor keeps running afterwards.
import { Vm, StopReason } from "./vm";
import { Vcpu, RAX, RBX, RCX, RDX, RSI, RDI, RBP } from "./vcpu";
import { begin, endl, line, puts, putDec, putHex } from "../console/console";

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
  } else if (r == StopReason.EntryFailed) puts("the CPU refused to enter the guest (see above)");
  else if (r == StopReason.OutOfTime) puts("the guest ran past its time budget (guest_timeout=), stopped by the hypervisor");
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
