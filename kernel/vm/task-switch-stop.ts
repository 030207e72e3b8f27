// The task switches the core does not emulate (kernel/exits/task-switch.ts):
// the VM stops with StopReason.TaskSwitch, `detail` = why | selector << 8,
// and the report names the case (kernel/vm/stop-report.ts).
export enum TaskSwitchStop {
  None,
  LongMode,      // IA-32e mode has no task switches: the CPU raises #GP itself (SDM Vol. 3C §26.4.2 1c, 1e, 1g)
  NotProtected,  // CR0.PE clear: there is no TSS to switch to
  Vm86,          // the new TSS's EFLAGS.VM: a virtual-8086 task
  TrapBit,       // the new TSS's T flag: a #DB after the switch (SDM Vol. 3A §8.2.1)
  Unmapped,      // a TSS or a descriptor table is outside guest RAM or not mapped by the guest's paging
  StackUnmapped, // the new task's stack, where the error code goes, is not mapped
  NoLength,      // the switching instruction's length is unknown (its bytes do not decode)
  UnknownEvent,  // through a gate: the event the exit names has no task gate for this TSS, nor is an INT n at RIP
}

export function taskSwitchStopText(why: u32): string {
  if (why == <u32>TaskSwitchStop.LongMode) return "in IA-32e mode (the CPU raises #GP there itself)";
  if (why == <u32>TaskSwitchStop.NotProtected) return "outside protected mode (CR0.PE clear)";
  if (why == <u32>TaskSwitchStop.Vm86) return "the new task runs in virtual-8086 mode (EFLAGS.VM in its TSS)";
  if (why == <u32>TaskSwitchStop.TrapBit) return "the new TSS has its debug trap flag (T) set";
  if (why == <u32>TaskSwitchStop.Unmapped) return "a TSS or a descriptor table is not in guest RAM or not mapped";
  if (why == <u32>TaskSwitchStop.StackUnmapped) return "the new task's stack, for the error code, is not mapped";
  if (why == <u32>TaskSwitchStop.NoLength) return "the length of the switching instruction is unknown (bytes not decoded)";
  if (why == <u32>TaskSwitchStop.UnknownEvent) return "the event that reached the task gate is unknown (the exit names one whose IDT entry is no gate to this TSS)";
  return "unknown case";
}
