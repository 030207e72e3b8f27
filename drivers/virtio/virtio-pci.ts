// The virtio PCI transport, modern interface only (virtio 1.2 §4.1): a PCI
// function on the guest's bus 0 whose one 32-bit memory BAR holds the
// common configuration, the ISR status, the device configuration, the
// notification doorbells and the MSI-X table and PBA (./pci-layout.ts),
// each found through a vendor capability (§4.1.4). The BAR decodes on the
// MMIO bus only while the Command register's Memory Space bit is on and
// the BAR holds an address in the MMIO window (PCI 3.0 §6.2.2, §6.2.5.1);
// moving the BAR moves the registration. The hypervisor places the BAR
// before the guest starts, as firmware does (Linux keeps an assignment that
// lies inside the host bridge's _CRS window: kernel/firmware/acpi-dsdt.ts).
//
// Interrupts: MSI-X when the driver enables it (Linux does), else INTx:
// pin INTA#, the ISR status bits, and a level on the line until the driver
// reads the ISR (§4.1.4.5.1), unless Command.Interrupt Disable is set.
import { PciFunction, PCI_COMMAND, PCI_STATUS, PCI_BAR0, PCI_SUBSYSTEM_VENDOR_ID, PCI_SUBSYSTEM_ID,
  PCI_CAPABILITIES_POINTER, PCI_INTERRUPT_LINE, PCI_INTERRUPT_PIN } from "../pci/pci-function";
import { MsiX, MSIX_ENTRY_BYTES } from "../pci/msix";
import { MmioBus, MmioDevice } from "../../kernel/vm/mmio-bus";
import { IrqLine, ApicBus } from "../../kernel/vm/irq";
import { GuestMemory, MMIO_WINDOW_START, FOUR_GIB } from "../../kernel/vm/guest-memory";
import { VirtioDevice } from "./virtio-device";
import { VirtioCore, VirtioSignal } from "./virtio-core";
import { readCommon, writeCommon } from "./common-config";
import { NO_VECTOR } from "./virtqueue";
import * as L from "./pci-layout";

// Command (§6.2.2): Memory Space 1, Bus Master 2, Interrupt Disable 10.
const CMD_MEMORY: u32 = 1 << 1;
const CMD_BUS_MASTER: u32 = 1 << 2;
const CMD_INTX_DISABLE: u32 = 1 << 10;
// Status (§6.2.3): Capabilities List 4, Interrupt Status 3 (read-only).
const STS_CAP_LIST: u32 = 1 << 4;
const STS_INTERRUPT: u32 = 1 << 3;
// A 32-bit, non-prefetchable memory BAR (§6.2.5.1): bits 3:0 are 0.
const BAR_ADDRESS_MASK: u32 = ~(L.BAR_BYTES - 1);
const INTA: u32 = 1;
// One MSI-X vector for configuration changes and one per queue, as Linux
// asks for when it can (vp_find_vqs_msix).
export const MAX_VIRTIO_QUEUES: u32 = 8;

export class VirtioPci extends PciFunction {
  core: VirtioCore;
  msix!: MsiX;
  bar!: VirtioBar;
  isr: u32 = 0;
  private mappedAt: u64 = 0; // 0: not on the MMIO bus
  private signalPort!: PciSignal;

  // `barBase`: where the BAR starts (a multiple of BAR_BYTES in the MMIO
  // window); `intx`: the line INTA# drives, whose ISA IRQ the Interrupt
  // Line register shows (`irq`).
  constructor(public device: VirtioDevice, mem: GuestMemory, public mmio: MmioBus, barBase: u32,
    public intx: IrqLine, irq: u32) {
    super(L.VIRTIO_PCI_VENDOR_ID, L.VIRTIO_PCI_DEVICE_BASE + device.deviceId(), device.pciClass(), L.VIRTIO_PCI_REVISION);
    assert(device.queueCount() <= MAX_VIRTIO_QUEUES);
    this.core = new VirtioCore(device, mem);
    this.bar = new VirtioBar(this);
    this.signalPort = new PciSignal(this);
    this.core.signal = this.signalPort;
    this.allowWrite(PCI_COMMAND, 2, CMD_MEMORY | CMD_BUS_MASTER | CMD_INTX_DISABLE);
    this.init(PCI_STATUS, 2, STS_CAP_LIST);
    this.init(PCI_BAR0, 4, barBase);
    this.allowWrite(PCI_BAR0, 4, BAR_ADDRESS_MASK);
    this.init(PCI_SUBSYSTEM_VENDOR_ID, 2, L.VIRTIO_PCI_VENDOR_ID);
    this.init(PCI_SUBSYSTEM_ID, 2, L.VIRTIO_PCI_SUBSYSTEM_ID);
    this.init(PCI_INTERRUPT_LINE, 1, irq);
    this.allowWrite(PCI_INTERRUPT_LINE, 1, 0xff);
    this.init(PCI_INTERRUPT_PIN, 1, INTA);
    this.init(PCI_CAPABILITIES_POINTER, 1, L.CAP_MSIX);
    this.msix = new MsiX(this, L.CAP_MSIX, device.queueCount() + 1, 0, L.MSIX_TABLE_OFFSET, L.MSIX_PBA_OFFSET);
    this.init(L.CAP_MSIX + 1, 1, L.CAP_COMMON);
    this.vendorCap(L.CAP_COMMON, L.CAP_ISR, 16, L.CFG_COMMON, L.COMMON_OFFSET, L.COMMON_BYTES);
    const hasDeviceCfg = device.configBytes() != 0;
    this.vendorCap(L.CAP_ISR, hasDeviceCfg ? L.CAP_DEVICE : L.CAP_NOTIFY, 16, L.CFG_ISR, L.ISR_OFFSET, L.ISR_BYTES);
    if (hasDeviceCfg) this.vendorCap(L.CAP_DEVICE, L.CAP_NOTIFY, 16, L.CFG_DEVICE, L.DEVICE_OFFSET, device.configBytes());
    this.vendorCap(L.CAP_NOTIFY, L.CAP_PCI_CFG, 20, L.CFG_NOTIFY, L.NOTIFY_OFFSET, device.queueCount() * L.NOTIFY_MULTIPLIER);
    this.init(L.CAP_NOTIFY + L.VCAP_DATA, 4, L.NOTIFY_MULTIPLIER);
    // The configuration access window (§4.1.4.9): the driver names a BAR
    // range in the capability and reaches it through pci_cfg_data.
    this.vendorCap(L.CAP_PCI_CFG, 0, 20, L.CFG_PCI, 0, 0);
    this.allowWrite(L.CAP_PCI_CFG + L.VCAP_BAR, 1, 0xff);
    this.allowWrite(L.CAP_PCI_CFG + L.VCAP_OFFSET, 4, 0xffffffff);
    this.allowWrite(L.CAP_PCI_CFG + L.VCAP_LENGTH, 4, 0xffffffff);
    this.allowWrite(L.CAP_PCI_CFG + L.VCAP_DATA, 4, 0xffffffff);
  }

  name(): string { return this.device.name(); }

  // struct virtio_pci_cap (§4.1.4), in BAR 0.
  private vendorCap(at: u32, next: u32, len: u32, type: u32, offset: u32, length: u32): void {
    this.init(at, 1, L.CAP_ID_VENDOR);
    this.init(at + 1, 1, next);
    this.init(at + 2, 1, len);
    this.init(at + 3, 1, type);
    this.init(at + L.VCAP_OFFSET, 4, offset);
    this.init(at + L.VCAP_LENGTH, 4, length);
  }

  read(offset: u32, size: u32): u32 {
    if (offset >= L.CAP_PCI_CFG + L.VCAP_DATA && offset < L.CAP_PCI_CFG + L.VCAP_DATA + 4) return this.windowAccess(false, 0);
    return super.read(offset, size);
  }

  configWritten(offset: u32, size: u32): void {
    if (offset < PCI_COMMAND + 2 || (offset < PCI_BAR0 + 4 && offset + size > PCI_BAR0)) this.remap();
    if (offset <= PCI_COMMAND + 1 && offset + size > PCI_COMMAND + 1) this.updateIntx();
    this.msix.configWritten(offset, size);
    if (offset >= L.CAP_PCI_CFG + L.VCAP_DATA && offset < L.CAP_PCI_CFG + L.VCAP_DATA + 4) {
      this.windowAccess(true, super.read(L.CAP_PCI_CFG + L.VCAP_DATA, 4));
    }
  }

  // pci_cfg_data (§4.1.4.9.1): an access of `length` (1, 2 or 4) bytes at
  // `offset` of the BAR named by `bar`; anything else does nothing.
  private windowAccess(write: bool, value: u32): u32 {
    const bar = super.read(L.CAP_PCI_CFG + L.VCAP_BAR, 1);
    const off = super.read(L.CAP_PCI_CFG + L.VCAP_OFFSET, 4);
    const len = super.read(L.CAP_PCI_CFG + L.VCAP_LENGTH, 4);
    if (bar != 0 || (len != 1 && len != 2 && len != 4) || off >= L.BAR_BYTES || (off & (len - 1)) != 0) return 0;
    if (write) {
      this.bar.write(off, len, <u64>value);
      return 0;
    }
    return <u32>this.bar.read(off, len);
  }

  private command(): u32 { return super.read(PCI_COMMAND, 2); }
  busMaster(): bool { return (this.command() & CMD_BUS_MASTER) != 0; }

  // Put the BAR on the MMIO bus where it now points, or take it off.
  private remap(): void {
    const base = <u64>(super.read(PCI_BAR0, 4) & BAR_ADDRESS_MASK);
    const decode = (this.command() & CMD_MEMORY) != 0 && base >= MMIO_WINDOW_START && base + L.BAR_BYTES <= FOUR_GIB;
    const want = decode ? base : 0;
    if (want == this.mappedAt) return;
    if (this.mappedAt != 0) this.mmio.remove(this.bar);
    this.mappedAt = 0;
    if (want != 0 && this.mmio.register(want, L.BAR_BYTES, this.bar)) this.mappedAt = want;
  }

  // INTx (§4.1.4.5.1, PCI 3.0 §6.2.3): the line is high while the ISR has a
  // bit set and interrupts are not disabled in Command; Status bit 3 shows it.
  updateIntx(): void {
    const asserted = this.isr != 0;
    this.init(PCI_STATUS, 2, STS_CAP_LIST | (asserted ? STS_INTERRUPT : 0));
    if (asserted && (this.command() & CMD_INTX_DISABLE) == 0) this.intx.raise();
    else this.intx.lower();
  }

  // The ISR status register: reading it clears it and deasserts INTx (§4.1.4.5).
  readIsr(): u32 {
    const v = this.isr;
    this.isr = 0;
    this.updateIntx();
    return v;
  }

  interrupt(vector: u32, isrBit: u32): void {
    if (this.msix.enabled()) {
      if (vector != NO_VECTOR) this.msix.send(vector);
      return;
    }
    this.isr |= isrBit;
    this.updateIntx();
  }

  // A device reset: the ISR clears and INTx goes low, and no MSI-X message
  // held pending by a mask is sent later (as QEMU's virtio_reset and
  // msix_unuse_all_vectors do).
  withdrawInterrupts(): void {
    this.isr = 0;
    this.updateIntx();
    this.msix.clearPending();
  }

  setApicBus(bus: ApicBus): void { this.msix.bus = bus; }
}

class PciSignal extends VirtioSignal {
  constructor(public fn: VirtioPci) { super(); }
  queueInterrupt(vector: u32): void { this.fn.interrupt(vector, L.ISR_QUEUE); }
  configInterrupt(vector: u32): void { this.fn.interrupt(vector, L.ISR_CONFIG); }
  withdraw(): void { this.fn.withdrawInterrupts(); }
}

// The BAR's registers on the MMIO bus.
export class VirtioBar extends MmioDevice {
  constructor(public fn: VirtioPci) { super(); }

  name(): string { return this.fn.device.name(); }

  read(offset: u64, size: u32): u64 {
    const o = <u32>offset;
    const fn = this.fn;
    if (o < L.COMMON_OFFSET + L.COMMON_BYTES) return readCommon(fn.core, o, size);
    if (o >= L.ISR_OFFSET && o < L.ISR_OFFSET + L.ISR_BYTES) return o == L.ISR_OFFSET ? fn.readIsr() : 0;
    const dev = fn.device;
    if (o >= L.DEVICE_OFFSET && o + size <= L.DEVICE_OFFSET + dev.configBytes()) {
      const at = o - L.DEVICE_OFFSET;
      if (size == 8) return <u64>dev.readConfig(at, 4) | <u64>dev.readConfig(at + 4, 4) << 32;
      return dev.readConfig(at, size);
    }
    const table = fn.msix.vectors * MSIX_ENTRY_BYTES;
    if (o >= L.MSIX_TABLE_OFFSET && o < L.MSIX_TABLE_OFFSET + table) return fn.msix.tableRead(o - L.MSIX_TABLE_OFFSET, size);
    if (o >= L.MSIX_PBA_OFFSET && o < L.MSIX_PBA_OFFSET + 8) return fn.msix.pbaRead(o - L.MSIX_PBA_OFFSET, size);
    return 0;
  }

  write(offset: u64, size: u32, value: u64): void {
    const o = <u32>offset;
    const fn = this.fn;
    if (o < L.COMMON_OFFSET + L.COMMON_BYTES) {
      writeCommon(fn.core, o, size, value, fn.msix.vectors);
      return;
    }
    const dev = fn.device;
    if (o >= L.DEVICE_OFFSET && o + size <= L.DEVICE_OFFSET + dev.configBytes()) {
      dev.writeConfig(o - L.DEVICE_OFFSET, size, <u32>value);
      return;
    }
    if (o >= L.NOTIFY_OFFSET && o < L.NOTIFY_OFFSET + dev.queueCount() * L.NOTIFY_MULTIPLIER) {
      // The doorbell's offset names the queue (queue_notify_off × 4); the
      // value written is the queue's index too (§4.1.5.2).
      if (fn.busMaster()) fn.core.notify((o - L.NOTIFY_OFFSET) / L.NOTIFY_MULTIPLIER);
      return;
    }
    const table = fn.msix.vectors * MSIX_ENTRY_BYTES;
    if (o >= L.MSIX_TABLE_OFFSET && o < L.MSIX_TABLE_OFFSET + table) fn.msix.tableWrite(o - L.MSIX_TABLE_OFFSET, size, value);
  }
}
