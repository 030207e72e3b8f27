// A hostile virtio driver (test/guests/hostile-virtio.S) against the
// virtio-rng at 00:05.0, on both backends: each broken ring rule puts the
// device in DEVICE_NEEDS_RESET without a byte written to guest memory, the
// hypervisor says which rule and where, counts each kind in its end-of-run
// report, and stays up; after a reset the device serves a well-formed
// request. One boot per host.
import { describe, expect, it } from "vitest";
import { bootOn } from "./boot-helpers.js";
import type { HostName } from "../../tools/run/hosts.js";

const BROKE = (reason: string, at: string) =>
  `tsvisor: virtio-rng: the driver broke queue 0: ${reason} (at ${at}); the device needs a reset`;
// drivers/virtio/ring-error.ts ringErrorText.
const LOOP = "descriptor chain loops";
const OUTSIDE = "buffer outside guest RAM";
const NESTED = "indirect descriptor inside an indirect table";
const INDIRECT_SIZE = "indirect table length not a non-zero multiple of 16";
const QUEUE_SIZE = "queue size not a power of 2 up to the maximum";
const RING_OUTSIDE = "descriptor table or ring outside guest RAM or misaligned";
const AVAIL_INDEX = "available index more than a queue ahead";
const NOTIFY_EARLY = "notification before DRIVER_OK";

const broken = (name: string) => `hostile-virtio: ${name}: NEEDS_RESET ok, memory untouched`;
const refused = (name: string) => `hostile-virtio: ${name}: queue_enable 0, NEEDS_RESET ok, memory untouched`;

// The guest's lines and the hypervisor's virtio-rng lines, in the order
// they came: each refusal is reported inside the exit that met it, before
// the guest checks the device.
const TRANSCRIPT = [
  "hostile-virtio: virtio-rng 1af4:1044 at 00:05.0, BAR0 0xfe028000, memory and bus master on",
  "tsvisor: virtio-rng: notification of queue 0 before DRIVER_OK: ignored",
  "hostile-virtio: notify before DRIVER_OK: ignored ok, memory untouched",
  // The 8th step of 0 -> 1 -> 0 ... in a queue of 8 is at descriptor 1.
  BROKE(LOOP, "0x1"), broken("loop"),
  BROKE(OUTSIDE, "0x40000000"), broken("buffer at 0x40000000"),
  BROKE(OUTSIDE, "0xffffc0"), broken("buffer across the end of RAM"),
  BROKE(OUTSIDE, "0xfe028000"), broken("buffer in the device's BAR"),
  BROKE(OUTSIDE, "0x106000"), broken("length 0xffffffff"),
  BROKE(NESTED, "0x1"), broken("indirect in indirect"),
  BROKE(INDIRECT_SIZE, "0x11"), broken("indirect length 17"),
  BROKE(QUEUE_SIZE, "0x3"), refused("queue size 3"),
  BROKE(RING_OUTSIDE, "0xfee00000"), refused("used ring at the local APIC"),
  BROKE(RING_OUTSIDE, "0x1000000"), refused("used ring past the end of RAM"),
  BROKE(AVAIL_INDEX, "0x9"), broken("avail idx 9 ahead"),
  BROKE(QUEUE_SIZE, "0x3"), "hostile-virtio: reset with an interrupt pending: INTx low and ISR 0 after the reset ok",
  "hostile-virtio: well-formed request: 64 random bytes back ok, nothing else written",
];

// Chains taken: loop, the three buffers, the length, the two indirect
// tables and the well-formed one (a queue never enabled, or an available
// index refused, gives none); one reset per case, and the one the
// interrupt-pending case checks.
const REPORT = "virtio-rng: 8 requests, 1 interrupts (0 suppressed by the driver), 15 resets; " +
  [`2x ${QUEUE_SIZE}`, `2x ${RING_OUTSIDE}`, `1x ${AVAIL_INDEX}`, `1x ${LOOP}`, `4x ${OUTSIDE}`,
    `1x ${NESTED}`, `1x ${INDIRECT_SIZE}`, `1x ${NOTIFY_EARLY}`].join("; ");

describe.each<[HostName, string, string]>([
  ["bochs", "VMX on Bochs (corei7_skylake_x)", "RDSEED"],
  ["qemu", "SVM on QEMU TCG (qemu64,+svm,+npt,+rdrand)", "RDRAND"],
])("hostile virtio driver on %s", (host, what, source) => {
  it(`${what}: every broken rule is refused and reported, then a well-formed request is served`, async () => {
    const r = await bootOn(host, { guest: "test:hostile-virtio" });
    const transcript = r.output.split("\n").map((l) => l.replace(/\r$/, ""))
      .filter((l) => l.startsWith("hostile-virtio: ") || l.startsWith("tsvisor: virtio-rng: the driver") ||
        l.startsWith("tsvisor: virtio-rng: notification"));
    expect(transcript).toEqual(TRANSCRIPT);
    expect(r.guestLines.filter((l) => !l.startsWith("hostile-virtio: "))).toEqual(["verdict: PASS"]);
    expect(r.lines).toContain(`virtio: virtio-rng at 00:05.0, BAR0 0xfe028000, INTx IRQ 11, fed by ${source}`);
    expect(r.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(r.lines).toContain(REPORT);
    expect(r.lines).toContain(`virtio-rng: 64 bytes from ${source}`);
    expect(r.lines.at(-1)).toBe("power off: status success");
    expect(r.verdict).toBe("success");
  }, 120_000);
});
