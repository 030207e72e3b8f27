// The device status field (virtio 1.2 §2.1): the driver sets bits as it
// goes through initialization (§3.1.1); writing 0 resets the device
// (§4.1.4.3.1). DEVICE_NEEDS_RESET is the device's own bit: it says the
// device met an error it cannot recover from (§2.1.1), here a driver that
// broke the ring rules (drivers/virtio/virtqueue.ts).
export const STATUS_ACKNOWLEDGE: u32 = 1;
export const STATUS_DRIVER: u32 = 2;
export const STATUS_DRIVER_OK: u32 = 4;
export const STATUS_FEATURES_OK: u32 = 8;
export const STATUS_NEEDS_RESET: u32 = 64;
export const STATUS_FAILED: u32 = 128;
