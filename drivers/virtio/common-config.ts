// The common configuration structure's registers (virtio 1.2 §4.1.4.3,
// struct virtio_pci_common_cfg) over a VirtioCore. The driver accesses each
// field at its own width (§4.1.3.1); the 64-bit queue addresses also as
// two 32-bit halves, as Linux does (vp_iowrite64_twopart). Fields the
// driver may only read ignore writes; the selected queue's fields read 0
// and ignore writes when queue_select names no queue (§4.1.4.3.1: queue_size
// 0 means "not available"), and are fixed once the queue is enabled.
import { VirtioCore } from "./virtio-core";
import { NO_VECTOR } from "./virtqueue";
import * as L from "./pci-layout";

export function readCommon(c: VirtioCore, offset: u32, size: u32): u64 {
  const q = c.selected();
  switch (offset) {
    case L.CC_DEVICE_FEATURE_SELECT: return c.deviceFeatureSelect;
    case L.CC_DEVICE_FEATURE: return c.deviceFeatureWord();
    case L.CC_DRIVER_FEATURE_SELECT: return c.driverFeatureSelect;
    case L.CC_DRIVER_FEATURE: return c.driverFeatureSelect > 1 ? 0 : <u32>(c.driverFeatures >> (<u64>c.driverFeatureSelect * 32));
    case L.CC_CONFIG_MSIX_VECTOR: return c.configVector;
    case L.CC_NUM_QUEUES: return <u64>c.queues.length;
    case L.CC_DEVICE_STATUS: return size == 1 ? c.status : c.status | c.generation << 8;
    case L.CC_CONFIG_GENERATION: return c.generation;
    case L.CC_QUEUE_SELECT: return c.queueSelect;
  }
  if (q === null) return 0;
  switch (offset) {
    case L.CC_QUEUE_SIZE: return q.size;
    case L.CC_QUEUE_MSIX_VECTOR: return q.msixVector;
    case L.CC_QUEUE_ENABLE: return q.enabled ? 1 : 0;
    case L.CC_QUEUE_NOTIFY_OFF: return c.queueSelect;
    case L.CC_QUEUE_DESC: return size == 8 ? q.desc : <u32>q.desc;
    case L.CC_QUEUE_DESC + 4: return q.desc >> 32;
    case L.CC_QUEUE_DRIVER: return size == 8 ? q.avail : <u32>q.avail;
    case L.CC_QUEUE_DRIVER + 4: return q.avail >> 32;
    case L.CC_QUEUE_DEVICE: return size == 8 ? q.used : <u32>q.used;
    case L.CC_QUEUE_DEVICE + 4: return q.used >> 32;
  }
  return 0;
}

// `vectors`: the MSI-X table's size; a vector beyond it is refused, and
// reads back as NO_VECTOR (§4.1.5.1.2: the driver reads the field back to
// learn whether the mapping took).
export function writeCommon(c: VirtioCore, offset: u32, size: u32, value: u64, vectors: u32): void {
  const v = <u32>value;
  switch (offset) {
    case L.CC_DEVICE_FEATURE_SELECT: c.deviceFeatureSelect = v; return;
    case L.CC_DRIVER_FEATURE_SELECT: c.driverFeatureSelect = v; return;
    case L.CC_DRIVER_FEATURE: c.writeDriverFeatures(v); return;
    case L.CC_CONFIG_MSIX_VECTOR: c.configVector = vectorOrNone(v & 0xffff, vectors); return;
    case L.CC_DEVICE_STATUS: c.writeStatus(v & 0xff); return;
    case L.CC_QUEUE_SELECT: c.queueSelect = v & 0xffff; return;
  }
  const q = c.selected();
  if (q === null) return;
  if (offset == L.CC_QUEUE_MSIX_VECTOR) {
    q.msixVector = vectorOrNone(v & 0xffff, vectors);
    return;
  }
  if (offset == L.CC_QUEUE_ENABLE) {
    if ((v & 1) != 0) c.enableSelected();
    return;
  }
  if (q.enabled) return;
  switch (offset) {
    // Kept as written; enable() refuses a size that is no power of 2 up to the maximum.
    case L.CC_QUEUE_SIZE: q.size = v & 0xffff; return;
    case L.CC_QUEUE_DESC: q.desc = size == 8 ? value : (q.desc & 0xffffffff00000000) | <u64>v; return;
    case L.CC_QUEUE_DESC + 4: q.desc = (q.desc & 0xffffffff) | <u64>v << 32; return;
    case L.CC_QUEUE_DRIVER: q.avail = size == 8 ? value : (q.avail & 0xffffffff00000000) | <u64>v; return;
    case L.CC_QUEUE_DRIVER + 4: q.avail = (q.avail & 0xffffffff) | <u64>v << 32; return;
    case L.CC_QUEUE_DEVICE: q.used = size == 8 ? value : (q.used & 0xffffffff00000000) | <u64>v; return;
    case L.CC_QUEUE_DEVICE + 4: q.used = (q.used & 0xffffffff) | <u64>v << 32; return;
  }
}

function vectorOrNone(v: u32, vectors: u32): u32 { return v < vectors ? v : NO_VECTOR; }
