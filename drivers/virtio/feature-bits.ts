// Feature bits every virtio device here offers, whatever its type (virtio
// 1.2 §6, "Reserved Feature Bits"); each device adds its own (bits 0-23,
// §5.x.3). Bit numbers, as the 64-bit feature words count them.
//
// Offered, and why:
//   VERSION_1 (32)        the modern interface only: §6 — without it a
//                         driver would expect the legacy layout, which
//                         these devices do not have (non-transitional,
//                         §4.1.2); a driver that does not accept it fails
//                         FEATURES_OK.
//   RING_INDIRECT_DESC (28)  indirect descriptor tables (§2.7.5.3): a large
//                         request takes one ring slot, not one per segment.
//   RING_EVENT_IDX (29)   used_event / avail_event (§2.7.7, §2.7.10): the
//                         driver says after which used entry it wants an
//                         interrupt and the device after which available
//                         entry it wants a notification — fewer exits and
//                         fewer interrupts per request than the flags.
// Not offered: ACCESS_PLATFORM (33, no IOMMU: the device reaches guest
// RAM by guest-physical address), RING_PACKED (34, split rings only),
// IN_ORDER (35), ORDER_PLATFORM (36), SR_IOV (37), NOTIFICATION_DATA (38),
// RING_RESET (40, no per-queue reset: a device reset resets every queue).
export const F_RING_INDIRECT_DESC: u32 = 28;
export const F_RING_EVENT_IDX: u32 = 29;
export const F_VERSION_1: u32 = 32;

@inline export function featureBit(bit: u32): u64 { return <u64>1 << bit; }

export const TRANSPORT_FEATURES: u64 =
  featureBit(F_VERSION_1) | featureBit(F_RING_INDIRECT_DESC) | featureBit(F_RING_EVENT_IDX);
