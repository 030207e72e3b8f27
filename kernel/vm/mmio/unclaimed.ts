// What a guest-physical access outside RAM that no device claims does: the
// one decision, per range, in one function.
//
// A PC answers such a read with all-ones and drops the write (the cycle
// ends in a master abort): firmware and operating systems probe absent
// PCI BARs and holes that way. tsvisor instead stops the VM, with the
// address and the registers, for every range in this step: no guest it
// runs yet expects a device that is not modelled, and a guest touching
// memory that is not its own is a bug to be told, not hidden behind
// all-ones (the same rule as a fault in the core: a clear report, never a
// silent wrong answer). The all-ones window belongs with the PCI host
// bridge, which will know the holes a real chipset leaves (the 32-bit PCI
// hole below 4 GiB, unassigned BARs): it returns Unclaimed.AllOnes for
// those ranges here, and the emulator (./emulate.ts) then completes the
// instruction with all-ones reads and dropped writes.
export enum Unclaimed {
  Stop,    // stop the VM with the address (kernel/vm/stop-report.ts)
  AllOnes, // reads return all-ones, writes are dropped, as a PC does
}

export function unclaimedAccess(gpa: u64): Unclaimed {
  return Unclaimed.Stop;
}
