// A queue set up against virtio 1.2 §2.7 — a size that is 0, not a power
// of 2 or above the maximum; a ring misaligned (Table 2.3) or not wholly in
// RAM — is refused at queue_enable with DEVICE_NEEDS_RESET and the right
// RingError; one notified before DRIVER_OK takes nothing until DRIVER_OK
// (§3.1.1), the notification counted. After a reset and the setup again,
// well-formed requests work.
import fc from "fast-check";
import { Harness } from "./virtq-harness.js";
import { Session, Setup, setupArb, requestsArb } from "./virtq-wellformed.js";
import type { BlkRequest } from "./virtq-requests.js";
import { QueueLayout, Rng, below, clearQueue, placeQueue } from "./virtq-rings.js";
import { driverFeatures } from "./virtq-driver.js";
import { STATUS, ALIGN, availBytes, descBytes, usedBytes } from "./virtq-spec.js";
import { ringOutside } from "./virtq-outside.js";

export const SETUP_DEFECTS = ["sizeZero", "sizeNotPowerOf2", "sizeTooBig", "descMisaligned", "availMisaligned", "usedMisaligned",
  "descOutside", "availOutside", "usedOutside", "notifyEarly"] as const;
export type SetupDefect = (typeof SETUP_DEFECTS)[number];

export interface SetupCase { setup: Setup; defect: SetupDefect; reqs: BlkRequest[]; recovery: BlkRequest[] }
export const setupCaseArb: fc.Arbitrary<SetupCase> = fc.record({
  setup: setupArb, defect: fc.constantFrom(...SETUP_DEFECTS), reqs: requestsArb(3), recovery: requestsArb(3),
});

function badSize(kind: SetupDefect, r: Rng): number {
  if (kind === "sizeZero") return 0;
  if (kind === "sizeTooBig") return r() < 0.5 ? 512 << below(r, 7) : 257 + below(r, 0x10000 - 257);
  for (;;) {
    const n = 3 + below(r, 254);
    if (n & (n - 1)) return n;
  }
}

export function setupProperty(h: Harness) {
  return fc.property(setupCaseArb, (c) => {
    const s = new Session(h, c.setup);
    const r = s.r;
    const good = placeQueue(s.alloc, 1 << c.setup.sizeLog, c.setup.eventIdx);
    s.q = good;
    const q: QueueLayout = { ...good };
    let size = q.size;
    let want = "RingOutsideRam";
    switch (c.defect) {
      case "sizeZero": case "sizeNotPowerOf2": case "sizeTooBig": size = badSize(c.defect, r); want = "QueueSize"; break;
      case "descMisaligned": q.desc += BigInt(1 + below(r, 15)); break;
      case "availMisaligned": q.avail += 1n; break;
      case "usedMisaligned": q.used += BigInt(1 + below(r, 3)); break;
      case "descOutside": q.desc = ringOutside(r, descBytes(q.size), ALIGN.DESC); break;
      case "availOutside": q.avail = ringOutside(r, availBytes(q.size, q.eventIdx), ALIGN.AVAIL); break;
      case "usedOutside": q.used = ringOutside(r, usedBytes(q.size, q.eventIdx), ALIGN.USED); break;
      case "notifyEarly": want = "NotifyEarly"; break;
    }
    if (c.defect === "notifyEarly") {
      clearQueue(s.h.ram, good);
      s.h.round((d) => d.init(good, driverFeatures(c.setup), { driverOk: false }));
      const o = s.offer(c.reqs);
      let res = s.h.round((d) => d.notify());
      if (res.report.usedIdx !== 0 || res.report.status & STATUS.NEEDS_RESET) throw new Error("buffers taken before DRIVER_OK");
      res = s.h.round((d) => { d.driverOk(); d.notify(); });
      if (JSON.stringify(res.report.errors) !== JSON.stringify({ NotifyEarly: 1 })) throw new Error(`errors ${JSON.stringify(res.report.errors)}`);
      s.collect(o.placed);
      return s.recover(c.recovery);
    }
    const res = s.h.round((d) => { d.init(q, driverFeatures(c.setup), { size }); d.notify(); });
    if (!(res.report.status & STATUS.NEEDS_RESET)) throw new Error(`${c.defect}: no DEVICE_NEEDS_RESET`);
    if (JSON.stringify(res.report.errors) !== JSON.stringify({ [want]: 1 })) throw new Error(`${c.defect}: errors ${JSON.stringify(res.report.errors)}, expected one ${want}`);
    s.recover(c.recovery);
  });
}
