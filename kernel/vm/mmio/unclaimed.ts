// What a guest-physical access outside RAM that no device claims does: the
// one decision, per range, in one function.
//
// A PC answers such a read with all-ones and drops the write (the cycle
// ends in a master abort): firmware and operating systems probe absent
// PCI BARs and holes that way, and Linux reads the VGA window and the PCI
// hole while it probes. tsvisor does the same where a PC has such a hole —
// the VGA window (0xA0000–0xBFFFF, no VGA card) and the MMIO window below
// 4 GiB (3 GiB–4 GiB, where the PCI host bridge decodes nothing but the
// devices registered on the MMIO bus) — and stops the VM, with the address
// and the registers, anywhere else: an access between the top of RAM and
// the MMIO window, or above the RAM beyond 4 GiB, is memory that does not
// exist on this machine, a bug to be told rather than hidden behind
// all-ones (the same rule as a fault in the core: a clear report, never a
// silent wrong answer). The emulator (./emulate.ts) completes an AllOnes
// access with all-ones reads and dropped writes, and the exit statistics
// count them.
import { LEGACY_HOLE_START, BIOS_AREA_START, MMIO_WINDOW_START, FOUR_GIB } from "../guest-memory";

export enum Unclaimed {
  Stop,    // stop the VM with the address (kernel/vm/stop-report.ts)
  AllOnes, // reads return all-ones, writes are dropped, as a PC does
}

export function unclaimedAccess(gpa: u64): Unclaimed {
  if (gpa >= LEGACY_HOLE_START && gpa < BIOS_AREA_START) return Unclaimed.AllOnes;
  if (gpa >= MMIO_WINDOW_START && gpa < FOUR_GIB) return Unclaimed.AllOnes;
  return Unclaimed.Stop;
}
