// The virtio I/O bench's pure parts: the steps it types, the typing on
// split console chunks, the guest's lines and the hypervisor's counts read
// back, the baseline subtracted, and the report.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ioSteps, StepTyper, parsePass, parsePing, parseBlkStat, parseGuestIo, IO_DONE, GuestIo } from "../../tools/bench/io-guest.js";
import { parseVirtioCounts, parseBlkCounts, parseInjected, hvDelta, ioReport, ioSide, passMBps, guestRequests, HvCounts } from "../../tools/bench/io-report.js";
import { parseExitTable, ExitTable } from "../../tools/bench/exit-table.js";
import { benchDisk, directDevices } from "../../tools/bench/virtio-io.js";
import { READY_MARKER } from "../../tools/images/initramfs.js";

// A guest's console for two passes of 32 MiB, as busybox prints it: the
// shell's echo of the typed lines (wrapped, with the marker's quotes), CR LF.
const guestConsole = (readUs: number[], writeUs: number[], avg = "1.630") => [
  READY_MARKER,
  `/ # dmesg -n 1; ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0; t() { set -- $(grep tv_ $1); echo $(($2*1000000+$4)); }; echo "=""=io`,
  ` ready"`,
  "==io ready",
  `/ # ping -c 1 -W 10 10.0.2.2 >/dev/null; ping -q -c 20 -i 0.2 10.0.2.2 >/tmp/p; echo "=""=io ping $(tail -2 /tmp/p | tr '\\n' ' ')"`,
  `==io ping 20 packets transmitted, 20 packets received, 0% packet loss round-trip min/avg/max = 1.052/${avg}/3.686 ms `,
  ...readUs.map((_, i) => `==io empty ${i + 1} status 0 us ${4000 + i} dd 0+0 records in 0+0 records out `),
  `==io blk-before       33        0    65544       87       0        0    0      0        0      192      222        0        0        0        0        0        0 irq 33 loc 5000`,
  ...readUs.map((us, i) => `==io read ${i + 1} status 0 us ${us} dd 32+0 records in 32+0 records out `),
  "==io reads-done",
  ...writeUs.map((us, i) => `==io write ${i + 1} status 0 us ${us} dd 32+0 records in 32+0 records out `),
  `==io blk-after       97        0    196616       87       64        0    131072      0        0      192      222        0        0        0        0        0        0 irq 161 loc 5090`,
  "==io done",
  "",
].join("\r\n");

// The hypervisor's end-of-run lines on its control channel.
const hvControl = (blkRequests: number, blkInterrupts: number, npf: number, total: number, timer = 1887) => [
  "tsvisor: VM stopped: the guest powered off with status 0",
  "tsvisor: virtio-net: 14 requests, 14 interrupts (0 suppressed by the driver), 2 resets",
  `tsvisor: virtio-blk: ${blkRequests} requests, ${blkInterrupts} interrupts (3 suppressed by the driver), 2 resets`,
  `tsvisor: virtio-blk: 32 MiB, ${blkRequests - 32} reads (${(blkRequests - 33) * 1048576 + 4096} bytes), 32 writes (33554432 bytes), 0 flushes, 0 refused`,
  "tsvisor: exits by reason:",
  "tsvisor:   reason                   count   total ticks    mean ticks",
  "tsvisor:   external interrupt        2045     249446859        121978",
  `tsvisor:   port I/O                 ${total - npf - 2045}    4141535092         61814`,
  `tsvisor:   nested page fault         ${npf}    1018300197        219083`,
  `tsvisor:   total                    ${total}`,
  "tsvisor: interrupts injected by vector:",
  "tsvisor:   vector  source        count",
  "tsvisor:   0x24    GSI  4         1130",
  `tsvisor:   0x25    MSI-X            ${blkInterrupts}`,
  "tsvisor:   0x29    MSI-X             10",
  `tsvisor:   0xec    timer          ${timer}`,
  "tsvisor: interrupt windows: 0, events re-injected: 0, HLT sleeps: 0 (0 ticks asleep)",
  "tsvisor: power off: status success",
  "",
].join("\r\n");

const counts = (text: string): HvCounts =>
  ({ blk: parseVirtioCounts(text, "virtio-blk")!, blkIo: parseBlkCounts(text)!, exits: parseExitTable(text)!, injected: parseInjected(text) });

describe("the steps typed into the guest's shell", () => {
  it("start at the ready marker, each after the marker the one before prints, and end at the done marker", () => {
    const steps = ioSteps(32, 3);
    expect(steps.map((s) => s.after)).toEqual([READY_MARKER, "==io ready", "==io ping ", "==io reads-done"]);
    expect(steps.every((s) => s.text.endsWith("\n") && s.text.split("\n").length === 2)).toBe(true);
    expect(steps.every((s) => s.text.length < 1000)).toBe(true); // inside ash's line editor's buffer
    expect(steps.at(-1)!.text).toContain(`echo "=""=io done"`);
    expect(IO_DONE).toBe("==io done");
    // No typed line holds a marker as printed: its echo never counts.
    for (const s of steps) expect(s.text).not.toContain("==io");
  });

  it("dd reads and writes the whole disk with O_DIRECT, count=0 for the baseline; ping 20 times at 0.2 s", () => {
    const all = ioSteps(32, 3).map((s) => s.text).join("");
    expect(all).toContain("dd if=/dev/vda of=/dev/null bs=1M count=32 iflag=direct");
    expect(all).toContain("dd if=/dev/zero of=/dev/vda bs=1M count=32 oflag=direct");
    expect(all).toContain("for i in 1 2 3; do");
    expect(all).toContain("ping -q -c 20 -i 0.2 10.0.2.2");
    expect(ioSteps(0).map((s) => s.text).join("")).toContain("bs=1M count=0 iflag=direct");
  });

  it("are typed once each, on whole lines, however the console's chunks split them", () => {
    const steps = [{ after: "A", text: "a\n" }, { after: "B", text: "b\n" }];
    const t = new StepTyper(steps, "END");
    expect(t.feed("noise\nB\n")).toEqual([]);       // B before A: too early
    expect(t.feed("xA")).toEqual([]);               // a line that does not start with A
    expect(t.feed("\nA")).toEqual([]);              // not yet a whole line
    expect(t.feed("\r\nA\nB\nEN")).toEqual(["a\n", "b\n"]);
    expect(t.ended).toBe(false);
    expect(t.feed("D\n")).toEqual([]);
    expect(t.ended).toBe(true);
    const early = new StepTyper(steps, "END");
    early.feed("END\nA\n");
    expect(early.ended).toBe(false);                // the end counts only after the last step
  });
});

describe("the guest's lines", () => {
  it("a pass: its time, and dd must have exited 0 having moved every block", () => {
    expect(parsePass("1 status 0 us 238657 dd 32+0 records in 32+0 records out ", 32)).toEqual({ us: 238657, blocks: 32 });
    expect(parsePass("2 status 0 us 900 dd 0+0 records in 0+0 records out", 0)).toEqual({ us: 900, blocks: 0 });
    expect(() => parsePass("1 status 1 us 5 dd 3+0 records in 3+0 records out", 32)).toThrow(/did not move 32/);
    expect(() => parsePass("1 status 0 us 5 dd 31+1 records in 31+1 records out", 32)).toThrow(/did not move 32/);
    expect(() => parsePass("1 status 0 us dd: /dev/vda: Invalid argument", 32)).toThrow(/unexpected line/);
  });

  it("ping's statistics, and no replies is an error", () => {
    expect(parsePing("20 packets transmitted, 19 packets received, 5% packet loss round-trip min/avg/max = 1.052/12.630/31.686 ms "))
      .toEqual({ sent: 20, received: 19, minMs: 1.052, avgMs: 12.63, maxMs: 31.686 });
    expect(() => parsePing("20 packets transmitted, 0 packets received, 100% packet loss ")).toThrow(/no replies/);
    expect(() => parsePing("ping: sendto: Network unreachable")).toThrow(/no statistics/);
  });

  it("/sys/block/vda/stat: I/Os and sectors each way, and the queue's interrupts where the guest named one", () => {
    expect(parseBlkStat("      65        0    65544      278       32        0    65536       40        0      192      318 0 0 0 0 0 0 irq 65 loc 4321"))
      .toEqual({ reads: 65, readSectors: 65544, writes: 32, writeSectors: 65536, irqs: 65, timer: 4321 });
    expect(parseBlkStat("1 0 8 0 0 0 0 0 0 0 0 irq  loc ")).toMatchObject({ irqs: null, timer: null });
    expect(() => parseBlkStat("cat: can't open '/sys/block/vda/stat' irq loc 5")).toThrow();
    expect(() => parseBlkStat("1 0 8 0 0 0 0 0 0 0 0 irq 5")).toThrow();
  });

  it("a whole console: every pass, the ping, the requests the passes made", () => {
    const io = parseGuestIo(guestConsole([200000, 210000], [300000, 310000]), 32, 2);
    expect(io.empties).toEqual([{ us: 4000, blocks: 0 }, { us: 4001, blocks: 0 }]);
    expect(io.reads.map((p) => p.us)).toEqual([200000, 210000]);
    expect(io.writes.map((p) => p.us)).toEqual([300000, 310000]);
    expect(io.ping.avgMs).toBe(1.63);
    expect(guestRequests(io)).toEqual({ reads: 64, writes: 64, irqs: 128, timer: 90 });
    expect(() => parseGuestIo(guestConsole([200000, 210000], [300000]), 32, 2)).toThrow(/1 write passes of 2/);
  });

  it("MB/s: 10^6 bytes a second", () => {
    expect(passMBps({ us: 1048576, blocks: 32 })).toBe(32);
    expect(passMBps({ us: 200000, blocks: 32 })).toBeCloseTo(167.77, 2);
  });
});

describe("the hypervisor's counts", () => {
  it("reads the virtio-blk lines (the last of each, ring errors after the resets allowed)", () => {
    const text = hvControl(65, 62, 4648, 79412);
    expect(parseVirtioCounts(text, "virtio-blk")).toEqual({ requests: 65, interrupts: 62, suppressed: 3, resets: 2 });
    expect(parseVirtioCounts(text, "virtio-net")).toEqual({ requests: 14, interrupts: 14, suppressed: 0, resets: 2 });
    expect(parseVirtioCounts("tsvisor: virtio-rng: 8 requests, 8 interrupts (0 suppressed by the driver), 1 resets; 1x ring loop\n", "virtio-rng"))
      .toEqual({ requests: 8, interrupts: 8, suppressed: 0, resets: 1 });
    expect(parseBlkCounts(text)).toEqual({ reads: 33, bytesRead: 33558528, writes: 32, bytesWritten: 33554432, flushes: 0, refused: 0 });
    expect(parseBlkCounts("tsvisor: virtio-blk: 8 MiB read-only, 3 reads (1536 bytes), 0 writes (0 bytes), 0 flushes, 2 refused\n"))
      .toEqual({ reads: 3, bytesRead: 1536, writes: 0, bytesWritten: 0, flushes: 0, refused: 2 });
    expect(parseInjected(text)).toEqual(new Map([["GSI  4", 1130], ["MSI-X", 72], ["timer", 1887]]));
    expect(parseInjected("tsvisor: exits by reason:\n").size).toBe(0);
    expect(parseVirtioCounts("tsvisor: virtio-net: 1 requests\n", "virtio-blk")).toBeNull();
    expect(parseBlkCounts("")).toBeNull();
  });

  it("the passes alone: the run less the baseline, by field and by exit reason", () => {
    const d = hvDelta(counts(hvControl(353, 350, 5000, 80000, 2000)), counts(hvControl(33, 30, 4648, 79000)));
    expect(d.bySource).toEqual([{ name: "MSI-X", count: 320 }, { name: "timer", count: 113 }]);
    expect(d.blk).toEqual({ requests: 320, interrupts: 320, suppressed: 0, resets: 0 });
    expect(d.blkIo.reads).toBe(320);
    expect(d.blkIo.bytesRead).toBe(320 * 1048576);
    expect(d.exits).toBe(1000);
    expect(d.injected).toBe(433);
    expect(d.byReason).toEqual([
      { reason: "port I/O", count: 648 }, { reason: "nested page fault", count: 352 }, { reason: "external interrupt", count: 0 },
    ]);
    // A reason in one table only counts 0 in the other.
    const base = counts(hvControl(33, 30, 4648, 79000));
    const run: HvCounts = { ...base, exits: { ...base.exits, rows: [...base.exits.rows, { reason: "HLT", count: 7, ticks: 0, mean: 0 }] } as ExitTable };
    expect(hvDelta(run, base).byReason[0]).toEqual({ reason: "HLT", count: 7 });
  });
});

describe("the direct machine and the report", () => {
  it("keeps the bench disk, zeros, at one path in the cache, and makes it again if it changed", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-io-test-"));
    try {
      const file = benchDisk(root);
      expect(file).toBe(path.join(root, "bench", "io-disk-64MiB.img"));
      expect(fs.statSync(file).size).toBe(64 * 1024 * 1024);
      const made = fs.statSync(file).mtimeMs;
      expect(benchDisk(root)).toBe(file);
      expect(fs.statSync(file).mtimeMs).toBe(made);  // found, not written again
      const fd = fs.openSync(file, "r+");
      fs.writeSync(fd, Buffer.from([1]), 0, 1, 12345);
      fs.closeSync(fd);
      benchDisk(root);
      expect(fs.readFileSync(file)[12345]).toBe(0);
      fs.truncateSync(file, 512);
      expect(fs.statSync(benchDisk(root)).size).toBe(64 * 1024 * 1024);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("gives QEMU its own virtio-blk on the raw file and virtio-net on the user network", () => {
    expect(directDevices("/tmp/d.img")).toEqual(["-drive", "file=/tmp/d.img,if=none,id=d,format=raw", "-device", "virtio-blk-pci,drive=d",
      "-netdev", "user,id=n", "-device", "virtio-net-pci,netdev=n"]);
  });

  it("prints each figure both ways with its ratio against the goal, then the hypervisor's counts per request", () => {
    const direct: GuestIo = parseGuestIo(guestConsole([167772, 160000, 170000, 180000, 175000], [83886, 80000, 90000, 85000, 88000], "1.000"), 32, 5);
    const tsv: GuestIo = parseGuestIo(guestConsole([209715, 200000, 220000, 230000, 215000], [335544, 330000, 340000, 350000, 345000], "2.000"), 32, 5);
    const d = hvDelta(counts(hvControl(353, 350, 5000, 80000)), counts(hvControl(33, 30, 4648, 79000)));
    const lines = ioReport({ version: "6.1.0-57-cloud-amd64", ramMiB: 256, append: "console=ttyS0,115200", disk: "qemu -kernel, ...", runS: { base: 40, run: 42.25 } },
      ioSide(direct), ioSide(tsv), d);
    expect(lines[0]).toMatch(/^virtio I\/O on qemu \(SVM on TCG\)/);
    expect(lines[3]).toBe("  dd bs=1M count=32 (the whole 32 MiB disk) with O_DIRECT, timed in the guest (adjtimex, µs); MB/s: median of 5 passes (min-max)");
    expect(lines).toContain("  read (MB/s)                  197.4 (186-210)   156.1 (146-168)   0.79x (goal: at least 0.80x)");
    expect(lines).toContain("  write (MB/s)                 394.8 (373-419)     98.7 (96-102)   0.25x (goal: at least 0.80x)");
    expect(lines).toContain("  ping 10.0.2.2 avg RTT               1.000 ms          2.000 ms   0.50x (goal: at least 0.80x); direct RTT / tsvisor RTT");
    expect(lines).toContain("  empty pass (ms)                          4.0               4.0   dd count=0 between the two adjtimex: a pass's fixed cost, inside the MB/s");
    expect(lines.find((l) => l.includes("guest's block requests"))).toContain("64 + 64");
    expect(lines.find((l) => l.includes("the passes alone"))).toContain("320 virtio-blk requests");
    expect(lines.find((l) => l.includes("interrupts:"))).toBe("    interrupts: 320 sent, 0 suppressed by the driver: 1.00 and 0.00 per request; " +
      "320 injected in all (1.00 per request; MSI-X 320)");
    expect(lines.find((l) => l.includes("exits:"))).toBe("    exits: 1000 in all, 3.13 per request; by reason " +
      "(nested page faults are the guest's MMIO: its virtio notifications, and its local APIC's EOIs, xAPIC here):");
    expect(lines).toContain("      nested page fault        352   1.10 per request");
    expect(lines.some((l) => l.includes("external interrupt"))).toBe(false); // no change: left out
    expect(lines).toContain("  guest's timer interrupts                  90                90   its local APIC timer's in the passes (LOC)");
    expect(lines.at(-1)).toBe("    the two boots' own difference: 0 timer interrupts injected beyond the baseline's, 90 counted by the guest in the passes; " +
      "the runs took 42.3 s and 40.0 s (baseline)");
    // A baseline that took longer: fewer timer interrupts than the guest counted, and negative exit counts.
    const noisy = hvDelta(counts(hvControl(353, 350, 5000, 78000, 1500)), counts(hvControl(33, 30, 4648, 79000)));
    expect(noisy.byReason.at(-1)).toEqual({ reason: "port I/O", count: -1352 });
    const facts = { version: "v", ramMiB: 256, append: "", disk: "", runS: { base: 44, run: 40 } };
    expect(ioReport(facts, ioSide(direct), ioSide(tsv), noisy).at(-1))
      .toMatch(/^ {4}the two boots' own difference: -387 timer interrupts injected beyond the baseline's, 90 counted by the guest/);
  });
});
