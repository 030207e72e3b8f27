// VMCALL: tsvisor's hypercall ABI (docs/hypercalls.md).
//   RAX = call number, arguments in RBX, RCX; result in RAX (and RDX).
//   0 CONSOLE_WRITE  RBX = guest-physical address, RCX = length (<= 4096):
//                    print the bytes as guest output; RAX = length, or -1
//                    if the buffer is not inside guest RAM.
//   1 EXIT_COUNT     RBX = exit kind (kernel/vm/exit.ts order): RAX = count,
//                    RDX = TSC ticks spent in the hypervisor; -1 if no such kind.
//   2 POWER_OFF      RBX = status (0: success): the VM stops.
//   other            RAX = -1.
// VMCALL is 3 bytes (0F 01 C1) on every path, so RIP moves by the exit's length.
import { Vcpu, RAX, RBX, RCX, RDX } from "../vm/vcpu";
import { ExitInfo, ExitKind, Action } from "../vm/exit";
import { StopReason } from "../vm/vm";
import { Vm } from "../vm/vm";

export const HC_CONSOLE_WRITE: u64 = 0;
export const HC_EXIT_COUNT: u64 = 1;
export const HC_POWER_OFF: u64 = 2;
const HC_ERROR: u64 = 0xffffffffffffffff;
const CONSOLE_MAX: u64 = 4096;

const buffer = memory.data(<i32>CONSOLE_MAX);

function consoleWrite(vm: Vm, gpa: u64, len: u64): u64 {
  if (len > CONSOLE_MAX || !vm.memory.read(gpa, buffer, <u32>len)) return HC_ERROR;
  for (let i: u32 = 0; i < <u32>len; i++) {
    const b = <u32>load<u8>(buffer + i);
    if (b == 0x0a || (b >= 0x20 && b < 0x7f)) vm.console.putc(b);
  }
  vm.console.endLine();
  return len;
}

export function handleHypercall(vcpu: Vcpu, exit: ExitInfo): Action {
  const nr = vcpu.gpr(RAX);
  const a = vcpu.gpr(RBX);
  vcpu.advance(exit.instructionLength);
  if (nr == HC_CONSOLE_WRITE) {
    vcpu.setGpr(RAX, consoleWrite(vcpu.vm, a, vcpu.gpr(RCX)));
  } else if (nr == HC_EXIT_COUNT) {
    if (a < <u64>ExitKind.Count) {
      vcpu.setGpr(RAX, vcpu.vm.stats.counts[<i32>a]);
      vcpu.setGpr(RDX, vcpu.vm.stats.ticks[<i32>a]);
    } else {
      vcpu.setGpr(RAX, HC_ERROR);
    }
  } else if (nr == HC_POWER_OFF) {
    vcpu.vm.stop(StopReason.PowerOff, <u32>a);
    return Action.Stop;
  } else {
    vcpu.setGpr(RAX, HC_ERROR);
  }
  return Action.Resume;
}
