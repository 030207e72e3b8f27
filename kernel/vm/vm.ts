// A virtual machine: its RAM, its buses and devices' console, its vCPUs,
// its statistics, and why it stopped. Everything a VM owns hangs off this
// object, made at VM build (kernel/vm/vm-build.ts): a second VM or a second
// vCPU is a second object, not a second set of globals.
import { GuestMemory } from "./guest-memory";
import { PortBus } from "./port-bus";
import { MmioBus } from "./mmio-bus";
import { Clock, NEVER } from "./clock";
import { ExitStats } from "./stats";
import { GuestConsole } from "../console/guest-console";
import { GuestInput } from "../console/guest-input";
import { Vcpu } from "./vcpu";

export enum StopReason {
  None,
  PowerOff,      // the guest asked (debug-exit port or hypercall), with a status
  Halted,        // HLT with interrupts disabled: nothing can ever wake it
  TripleFault,
  BadAccess,     // guest-physical access outside RAM that no device claims
  EntryFailed,   // the CPU refused to enter the guest
  Unhandled,     // an exit tsvisor does not handle
  OutOfTime,     // the guest ran past its time budget (guest_timeout=)
  MmioFailed,    // an access to device memory tsvisor could not emulate (the vCPU's mmio record says why)
  UnknownLength, // an exit that must move RIP past its instruction, whose length is unknown
  Reset,         // the guest reset the machine (ACPI reset register, port 0xCF9, the 8042's pulse): `detail` names the source; the run reboots it unless reboot=no (kernel/machine.ts)
  RebootLimit,   // a Reset past the most reboots one run allows (kernel/machine.ts): `detail` names the source
  NoProgress,    // the same exit at the same RIP, resumed unmoved, too many times in a row (kernel/vm/progress.ts): `detail` is the backend reason
  TaskSwitch,    // a task switch tsvisor does not emulate: `detail` = why (kernel/vm/task-switch-stop.ts) | selector << 8
}

export class Vm {
  ports: PortBus = new PortBus();
  mmio: MmioBus = new MmioBus();
  // Guest time and every device timer (one clock per VM while a VM has one
  // vCPU; per vCPU once several share a VM).
  clock: Clock = new Clock(0);
  stats: ExitStats = new ExitStats();
  console: GuestConsole = new GuestConsole();
  // What is typed on the hypervisor's console, polled into the guest's UART.
  input: GuestInput = new GuestInput();
  vcpus: Array<Vcpu> = new Array<Vcpu>();
  // The host TSC past which the VM is stopped (guest_timeout=); NEVER: none.
  budgetEnd: u64 = NEVER;
  stopReason: StopReason = StopReason.None;
  status: u32 = 0;       // guest's power-off status (0: success)
  detail: u64 = 0;       // e.g. the faulting guest-physical address
  constructor(public memory: GuestMemory) {}

  // The machine was reset and boots again (kernel/run-guest.ts): the next
  // boot's devices go on empty buses, their timers on a fresh clock, so
  // that nothing the last boot's devices registered or armed is reached
  // or fires again; and the stop is forgotten. A fresh clock's offset is 0:
  // the guest's TSC is the host's again, as at the first boot, however the
  // last boot wrote IA32_TSC. The VM keeps its RAM (the caller zeroes it),
  // vCPUs, statistics (the port bus's counts of unclaimed accesses too),
  // console and input, and the time budget.
  resetPlatform(): void {
    const ports = new PortBus();
    ports.unclaimedReads = this.ports.unclaimedReads;
    ports.unclaimedWrites = this.ports.unclaimedWrites;
    this.ports = ports;
    this.mmio = new MmioBus();
    this.clock = new Clock(this.clock.tscKhz);
    this.stopReason = StopReason.None;
    this.status = 0;
    this.detail = 0;
  }

  stop(reason: StopReason, status: u32 = 0, detail: u64 = 0): void {
    if (this.stopReason != StopReason.None) return;
    this.stopReason = reason;
    this.status = status;
    this.detail = detail;
  }
}
