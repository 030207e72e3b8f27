// The ways a driver can break a split virtqueue's rules, which the device
// refuses (./virtqueue.ts). Each is a driver bug or an attack, never a
// state a correct driver reaches; the device then does what QEMU's
// virtio_error() does — sets DEVICE_NEEDS_RESET (virtio 1.2 §2.1.2: "The
// device SHOULD set DEVICE_NEEDS_RESET when it enters an error state that a
// reset is needed"), tells the driver by a configuration change
// interrupt, and takes no more requests until the driver resets it — and
// the hypervisor counts and reports it and keeps running.
export enum RingError {
  None,
  QueueSize,        // a queue size that is 0, above the maximum or not a power of 2 (§2.7: "Queue Size ... always a power of 2")
  RingOutsideRam,   // the descriptor table, available or used ring not wholly in guest RAM, or misaligned (§2.7, Table 2.3)
  AvailIndex,       // the available index ran more than a queue's worth ahead of the device (§2.7.6)
  HeadOutOfRange,   // a descriptor index (head or next) past the end of its table (§2.7.5)
  Loop,             // a chain longer than its table: it loops (§2.7.5.3.1, §2.7.4.2)
  BufferOutsideRam, // a buffer not wholly in guest RAM, or an indirect table not (§2.7.5)
  NestedIndirect,   // an indirect descriptor inside an indirect table (§2.7.5.3.1: "MUST NOT set the VIRTQ_DESC_F_INDIRECT flag within an indirect descriptor")
  IndirectSize,     // an indirect table whose length is 0 or not a multiple of 16 (§2.7.5.3.1)
  IndirectNext,     // INDIRECT and NEXT both set (§2.7.5.3.1: "MUST NOT set both")
  ReadAfterWrite,   // a device-readable buffer after a device-writable one (§2.7.4.2)
  TooLong,          // more buffers than the device takes in one request (./desc-chain.ts MAX_SEGMENTS)
  BadRequest,       // the request itself does not parse (each device says how)
  NotifyEarly,      // a notification before DRIVER_OK (§3.1.1: the device MUST NOT consume buffers before it); counted, not fatal
  Count,
}

export function ringErrorText(e: RingError): string {
  switch (e) {
    case RingError.QueueSize: return "queue size not a power of 2 up to the maximum";
    case RingError.RingOutsideRam: return "descriptor table or ring outside guest RAM or misaligned";
    case RingError.AvailIndex: return "available index more than a queue ahead";
    case RingError.HeadOutOfRange: return "descriptor index past the end of its table";
    case RingError.Loop: return "descriptor chain loops";
    case RingError.BufferOutsideRam: return "buffer outside guest RAM";
    case RingError.NestedIndirect: return "indirect descriptor inside an indirect table";
    case RingError.IndirectSize: return "indirect table length not a non-zero multiple of 16";
    case RingError.IndirectNext: return "indirect descriptor with NEXT set";
    case RingError.ReadAfterWrite: return "device-readable buffer after a device-writable one";
    case RingError.TooLong: return "more buffers in one request than the device takes";
    case RingError.BadRequest: return "malformed request";
    case RingError.NotifyEarly: return "notification before DRIVER_OK";
    default: return "no error";
  }
}
