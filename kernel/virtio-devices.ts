// The guest's virtio devices (drivers/virtio/), made at VM build and put
// on PCI bus 0 behind the host bridge, each BAR placed in the MMIO window
// as firmware would, INTx on a free ISA IRQ through the IRQ router, MSI-X
// to the local APIC:
//   00:02.0 virtio-net   always, on the hypervisor's virtual switch with the
//                        built-in host 10.0.2.2 (drivers/net/responder.ts:
//                        ARP, ICMP echo, UDP echo), MAC 52:54:00:12:34:56;
//   00:03.0 virtio-blk   when a boot module has the role `disk` (`disk ro`:
//                        read-only), backed by that module's bytes;
//   00:04.0 virtio-console  always: hvc0, output to the guest console, input
//                        when the user switches to it (Ctrl-A c);
//   00:05.0 virtio-rng   when the CPU has RDSEED or RDRAND.
import { Mb2Info } from "./boot/multiboot2";
import { findModule, moduleHasFlag, moduleStart, moduleSize, NO_MODULE } from "./boot/modules";
import { Vm } from "./vm/vm";
import { IrqLine, ApicBus } from "./vm/irq";
import { IrqRouter } from "./vm/irq-router";
import { SharedIrq } from "./vm/shared-irq";
import { PciBus } from "../drivers/pci/pci-bus";
import { VirtioPci } from "../drivers/virtio/virtio-pci";
import { VirtioDevice } from "../drivers/virtio/virtio-device";
import { VirtioBlk, SECTOR_BYTES } from "../drivers/virtio/virtio-blk";
import { VirtioRng, EntropySource } from "../drivers/virtio/virtio-rng";
import { VirtioConsole } from "../drivers/virtio/virtio-console";
import { VirtioNet } from "../drivers/virtio/virtio-net";
import { NetHost } from "../drivers/net/responder";
import { BAR_BYTES } from "../drivers/virtio/pci-layout";
import { cpu } from "./cpu/identify";
import { begin, endl, line, puts, putDec, putHex, putSize } from "./console/console";

// BARs from here up, one BAR_BYTES slot per PCI device number: inside the
// DSDT's MMIO window (0xC0000000-0xFEBFFFFF), below the I/O APIC.
const BAR_REGION: u32 = 0xfe000000;
const SLOT_NET: u32 = 2;
const SLOT_BLOCK: u32 = 3;
const SLOT_CONSOLE: u32 = 4;
const SLOT_ENTROPY: u32 = 5;
// INTx lines: ISA IRQs 10 and 11, which no PC device claims (INTA# of the
// odd and even slots, as a PC's PIRQ routing alternates them).
const INTX_IRQ_ODD: u32 = 11;
const INTX_IRQ_EVEN: u32 = 10;

export class VirtioDevices {
  functions: Array<VirtioPci> = new Array<VirtioPci>();
  // The INTx lines, wire-ORed (kernel/vm/shared-irq.ts).
  odd!: SharedIrq;
  even!: SharedIrq;

  report(): void {
    for (let i = 0; i < this.functions.length; i++) this.functions[i].core.report();
  }
}

function add(vm: Vm, bus: PciBus, router: IrqRouter, apic: ApicBus, slot: u32, dev: VirtioDevice, out: VirtioDevices): void {
  const odd = (slot & 1) != 0;
  const irq = odd ? INTX_IRQ_ODD : INTX_IRQ_EVEN;
  const line = new IrqLine(odd ? out.odd : out.even, slot);
  const fn = new VirtioPci(dev, vm.memory, vm.mmio, BAR_REGION + slot * BAR_BYTES, line, irq);
  fn.setApicBus(apic);
  bus.add(slot, 0, fn);
  out.functions.push(fn);
  begin("virtio: ");
  puts(dev.name());
  puts(" at 00:0");
  putDec(slot);
  puts(".0, BAR0 ");
  putHex(BAR_REGION + slot * BAR_BYTES);
  puts(", INTx IRQ ");
  putDec(irq);
}

export function addVirtioDevices(vm: Vm, info: Mb2Info, bus: PciBus, router: IrqRouter, apic: ApicBus): VirtioDevices {
  const out = new VirtioDevices();
  out.odd = new SharedIrq(router, INTX_IRQ_ODD);
  out.even = new SharedIrq(router, INTX_IRQ_EVEN);
  add(vm, bus, router, apic, SLOT_NET, new VirtioNet(new NetHost()), out);
  puts(", host 10.0.2.2");
  endl();
  const disk = findModule(info, "disk");
  if (disk != NO_MODULE) {
    const bytes = moduleSize(info, disk) & ~(SECTOR_BYTES - 1);
    if (bytes == 0) line("virtio-blk: the disk module is smaller than one sector: no disk");
    else {
      const ro = moduleHasFlag(info, disk, "ro");
      add(vm, bus, router, apic, SLOT_BLOCK, new VirtioBlk(moduleStart(info, disk), bytes, ro), out);
      puts(", disk ");
      putSize(bytes);
      puts(ro ? " read-only" : " read-write");
      puts(" (boot module at host ");
      putHex(moduleStart(info, disk));
      puts(")");
      endl();
    }
  }
  const hvc = new VirtioConsole(vm.console);
  add(vm, bus, router, apic, SLOT_CONSOLE, hvc, out);
  endl();
  vm.input.hvc = hvc;
  if (cpu.rdseed || cpu.rdrand) {
    add(vm, bus, router, apic, SLOT_ENTROPY, new VirtioRng(cpu.rdseed ? EntropySource.Rdseed : EntropySource.Rdrand), out);
    puts(cpu.rdseed ? ", fed by RDSEED" : ", fed by RDRAND");
    endl();
  } else line("virtio: no virtio-rng: this CPU has neither RDSEED nor RDRAND");
  return out;
}
