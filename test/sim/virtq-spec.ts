// The virtio 1.2 numbers a driver of a virtio-blk over PCI needs, written
// down from the specification (not taken from the core), so that the
// driver model of test/sim/virtq-driver.ts and the reference model of
// test/sim/virtq-model.ts check the device against the spec.

// Device status bits (§2.1).
export const STATUS = { ACKNOWLEDGE: 1, DRIVER: 2, DRIVER_OK: 4, FEATURES_OK: 8, NEEDS_RESET: 64, FAILED: 128 } as const;

// Feature bits (§6, §5.2.3).
export const FEATURE = {
  BLK_SEG_MAX: 2, BLK_RO: 5, BLK_BLK_SIZE: 6, BLK_FLUSH: 9,
  INDIRECT_DESC: 28, EVENT_IDX: 29, VERSION_1: 32,
} as const;
export const bit = (n: number): bigint => 1n << BigInt(n);

// struct virtio_pci_common_cfg (§4.1.4.3): offsets.
export const CC = {
  DEVICE_FEATURE_SELECT: 0x00, DEVICE_FEATURE: 0x04, DRIVER_FEATURE_SELECT: 0x08, DRIVER_FEATURE: 0x0c,
  CONFIG_MSIX_VECTOR: 0x10, NUM_QUEUES: 0x12, DEVICE_STATUS: 0x14, CONFIG_GENERATION: 0x15,
  QUEUE_SELECT: 0x16, QUEUE_SIZE: 0x18, QUEUE_MSIX_VECTOR: 0x1a, QUEUE_ENABLE: 0x1c, QUEUE_NOTIFY_OFF: 0x1e,
  QUEUE_DESC: 0x20, QUEUE_DRIVER: 0x28, QUEUE_DEVICE: 0x30,
} as const;

// Split virtqueues (§2.7): descriptor flags, the avail flag, sizes, alignments (Table 2.3).
export const DESC_F = { NEXT: 1, WRITE: 2, INDIRECT: 4 } as const;
export const AVAIL_F_NO_INTERRUPT = 1;
export const DESC_BYTES = 16;
export const USED_ELEM_BYTES = 8;
export const ALIGN = { DESC: 16, AVAIL: 2, USED: 4 } as const;
// Ring sizes in bytes for a queue of `n` (§2.7.6, §2.7.8): with EVENT_IDX
// each ring has one more le16 at its end (used_event, avail_event).
export const descBytes = (n: number) => n * DESC_BYTES;
export const availBytes = (n: number, eventIdx: boolean) => 4 + 2 * n + (eventIdx ? 2 : 0);
export const usedBytes = (n: number, eventIdx: boolean) => 4 + USED_ELEM_BYTES * n + (eventIdx ? 2 : 0);

// virtio-blk requests (§5.2.6): a 16-byte header (type le32, reserved
// le32, sector le64), the data, and a status byte.
export const BLK = {
  T_IN: 0, T_OUT: 1, T_FLUSH: 4, T_GET_ID: 8,
  S_OK: 0, S_IOERR: 1, S_UNSUPP: 2,
  HEADER_BYTES: 16, SECTOR_BYTES: 512, ID_BYTES: 20,
} as const;

// The guest RAM ranges of a PC guest of `size` bytes below 3 GiB, as
// tsvisor lays it out (kernel/vm/guest-memory.ts): conventional memory,
// the VGA window as a hole, the BIOS area (RAM the guest may use), RAM.
export const LEGACY_HOLE_START = 0xa0000;
export const BIOS_AREA_START = 0xc0000;
export const LEGACY_HOLE_END = 0x100000;
export function ramRanges(size: number): [number, number][] {
  if (size <= LEGACY_HOLE_END) throw new Error("the models take a guest of more than 1 MiB");
  return [[0, LEGACY_HOLE_START], [BIOS_AREA_START, LEGACY_HOLE_END], [LEGACY_HOLE_END, size]];
}
