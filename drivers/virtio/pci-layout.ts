// Where a virtio PCI function keeps its structures (virtio 1.2 §4.1.4):
// its configuration-space capabilities and the regions of its one memory
// BAR. The BAR is 32 KiB, each region on its own 4 KiB page (as QEMU
// lays them out), so a driver may map each alone.
export const VIRTIO_PCI_VENDOR_ID: u32 = 0x1af4;  // §4.1.2: Red Hat's, for all virtio
// §4.1.2.1: a non-transitional device's Device ID is 0x1040 plus its virtio
// device ID, its Revision ID 1 or more, its Subsystem Device ID 0x40 or more.
export const VIRTIO_PCI_DEVICE_BASE: u32 = 0x1040;
export const VIRTIO_PCI_REVISION: u32 = 1;
export const VIRTIO_PCI_SUBSYSTEM_ID: u32 = 0x1100; // QEMU's: unused by drivers

export const BAR_BYTES: u32 = 0x8000;
export const COMMON_OFFSET: u32 = 0x0000;
export const COMMON_BYTES: u32 = 0x40;    // §4.1.4.3 struct virtio_pci_common_cfg (0x3C) rounded
export const ISR_OFFSET: u32 = 0x1000;
export const ISR_BYTES: u32 = 4;
export const DEVICE_OFFSET: u32 = 0x2000;
export const NOTIFY_OFFSET: u32 = 0x3000;
// queue_notify_off is the queue's index and the multiplier 4: each queue
// has its own 32-bit doorbell (§4.1.4.4).
export const NOTIFY_MULTIPLIER: u32 = 4;
export const MSIX_TABLE_OFFSET: u32 = 0x4000;
export const MSIX_PBA_OFFSET: u32 = 0x5000;

// Configuration-space capabilities (PCI 3.0 §6.7), chained from 0x40.
export const CAP_MSIX: u32 = 0x40;        // 12 bytes
export const CAP_COMMON: u32 = 0x50;      // 16 bytes each, struct virtio_pci_cap
export const CAP_ISR: u32 = 0x60;
export const CAP_DEVICE: u32 = 0x70;
export const CAP_NOTIFY: u32 = 0x80;      // 20: + notify_off_multiplier
export const CAP_PCI_CFG: u32 = 0x94;     // 20: + pci_cfg_data (§4.1.4.9)
export const CAP_ID_VENDOR: u32 = 0x09;

// cfg_type (§4.1.4).
export const CFG_COMMON: u32 = 1;
export const CFG_NOTIFY: u32 = 2;
export const CFG_ISR: u32 = 3;
export const CFG_DEVICE: u32 = 4;
export const CFG_PCI: u32 = 5;

// struct virtio_pci_cap (§4.1.4): cap_vndr, cap_next, cap_len, cfg_type,
// bar, id, padding[2], offset le32, length le32.
export const VCAP_BAR: u32 = 4;
export const VCAP_OFFSET: u32 = 8;
export const VCAP_LENGTH: u32 = 12;
export const VCAP_DATA: u32 = 16;          // notify_off_multiplier, or pci_cfg_data

// struct virtio_pci_common_cfg (§4.1.4.3).
export const CC_DEVICE_FEATURE_SELECT: u32 = 0x00;
export const CC_DEVICE_FEATURE: u32 = 0x04;
export const CC_DRIVER_FEATURE_SELECT: u32 = 0x08;
export const CC_DRIVER_FEATURE: u32 = 0x0c;
export const CC_CONFIG_MSIX_VECTOR: u32 = 0x10;
export const CC_NUM_QUEUES: u32 = 0x12;
export const CC_DEVICE_STATUS: u32 = 0x14;
export const CC_CONFIG_GENERATION: u32 = 0x15;
export const CC_QUEUE_SELECT: u32 = 0x16;
export const CC_QUEUE_SIZE: u32 = 0x18;
export const CC_QUEUE_MSIX_VECTOR: u32 = 0x1a;
export const CC_QUEUE_ENABLE: u32 = 0x1c;
export const CC_QUEUE_NOTIFY_OFF: u32 = 0x1e;
export const CC_QUEUE_DESC: u32 = 0x20;
export const CC_QUEUE_DRIVER: u32 = 0x28;
export const CC_QUEUE_DEVICE: u32 = 0x30;

// ISR status (§4.1.4.5): bit 0 a queue interrupt, bit 1 a configuration change.
export const ISR_QUEUE: u32 = 1;
export const ISR_CONFIG: u32 = 2;
