// What outlives one boot of the guest, for the whole run. A guest that
// resets the machine (the reset control register at 0xCF9, the FADT's
// reset register, the 8042's reset pulse) boots again in place, as a PC
// reboots (kernel/run-guest.ts runGuest): each boot gets zeroed RAM, new
// devices on empty buses (Vm.resetPlatform, addDevices), a vCPU back in its
// reset state (Vcpu.reset), and the guest loaded again from its boot
// modules — which loading only reads (kernel/loader/module-copy.ts copies
// them into guest RAM through physRead; guest RAM is placed clear of them,
// kernel/vm/ram-placement.ts), so every boot loads the same image. What a
// PC keeps across a reset is kept here: the RTC/CMOS's battery-backed
// state (its NVRAM and its time), and the disks' bytes (a virtio disk's
// image is its boot module, which the device writes in place). The exit
// statistics and the time budget (guest_timeout=) are the VM's, and span
// every boot.
import { Mb2Info } from "./boot/multiboot2";
import { findOption, optionIs } from "./boot/cmdline";
import { GuestFormat } from "./loader/load-guest";
import { KernelArgs } from "./loader/kernel-args";
import { CpuMode } from "./vm/initial-state";
import { Vm, StopReason } from "./vm/vm";
import { resetSourceName } from "./vm/stop-report";
import { RtcCmos } from "../drivers/rtc-cmos";
import { VirtioDevices } from "./virtio-devices";
import { begin, endl, line, putDec, puts } from "./console/console";

// The most reboots one run allows: a guest that resets as soon as it
// starts (a kernel that panics with reboot on panic, a boot loop) would
// otherwise run until its time budget, or forever. Each boot allocates
// its devices anew from the core's linear memory, which is never freed
// (tools/builder/config.ts: the stub runtime), so the bound also bounds
// that.
export const MAX_REBOOTS: u32 = 64;

export class Machine {
  boots: u32 = 0;               // boots begun, the first included
  // The last boot's RTC/CMOS: the next boot's takes over its NVRAM and time.
  rtc: RtcCmos | null = null;
  // This boot's virtio devices (kernel/virtio-devices.ts); a disk's bytes
  // live in its boot module, so they outlive the device.
  virtio: VirtioDevices | null = null;

  // The guest as the boot modules give it (kernel/loader/load-guest.ts),
  // and whether a reset reboots it (reboot=, rebootOption).
  constructor(public info: Mb2Info, public format: GuestFormat, public mode: CpuMode, public args: KernelArgs,
    public rebootAllowed: bool) {}

  // After the vCPU loop has returned: does the VM boot again? Yes for a
  // reset while rebooting is allowed and under MAX_REBOOTS (the reboot is
  // announced); a reset past the bound becomes a RebootLimit stop; any
  // other stop, or a reset with reboot=no, ends the run.
  rebootAfter(vm: Vm): bool {
    if (vm.stopReason != StopReason.Reset || !this.rebootAllowed) return false;
    begin("VM: the guest reset the machine (");
    puts(resetSourceName(<u32>vm.detail));
    if (this.boots > MAX_REBOOTS) {
      puts(") after ");
      putDec(MAX_REBOOTS);
      puts(" reboots, the most one run allows: not rebooting it again");
      endl();
      vm.stopReason = StopReason.RebootLimit;
      return false;
    }
    puts("): rebooting (boot ");
    putDec(this.boots + 1);
    puts(")");
    endl();
    return true;
  }
}

// reboot=yes|no on the command line: does the guest's reset of the machine
// reboot it (yes, the default) or stop the VM (no)? -1 (reported) if it
// says neither.
export function rebootOption(info: Mb2Info): i32 {
  const cl = info.cmdline;
  const len = info.cmdlineLen;
  if (findOption(cl, len, "reboot") < 0 || optionIs(cl, len, "reboot", "yes")) return 1;
  if (optionIs(cl, len, "reboot", "no")) return 0;
  line("bad reboot: give yes or no");
  return -1;
}
