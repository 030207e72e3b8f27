import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { addedCmdline, bootReport, BootRun, directMedia, hasReadyMarker, summarise } from "../../tools/bench/linux-boot.js";
import { median, ratio, formatRatio, formatShare } from "../../tools/bench/figures.js";
import { ExitTable } from "../../tools/bench/exit-table.js";
import { linuxGrubCfg, checkCmdline, BuildError } from "../../tools/builder/stages.js";
import { launchMedia, launchFor } from "../../tools/run/launch.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-boot-test-"));
const kernel = path.join(dir, "vmlinuz");
const initrd = path.join(dir, "initrd");
fs.writeFileSync(kernel, "k");
fs.writeFileSync(initrd, "i");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the ready marker", () => {
  it("counts only as a whole line of its own", () => {
    expect(hasReadyMarker("Linux version 6.1\ntsvisor-guest: ready\n")).toBe(true);
    expect(hasReadyMarker("tsvisor-guest: ready\n")).toBe(true);
    expect(hasReadyMarker("tsvisor-guest: ready")).toBe(false); // the line may go on
    expect(hasReadyMarker("echo tsvisor-guest: ready\n")).toBe(false);
    expect(hasReadyMarker("tsvisor-guest: ready now\n")).toBe(false);
  });
});

describe("the command line the hypervisor gave the guest", () => {
  it("takes the TSC words it added on AMD, and nothing on Intel", () => {
    const amd = "tsvisor: guest command line: console=ttyS0\r\n" +
      "tsvisor: guest command line: added tsc_early_khz=2893012 tsc=reliable (AMD: the TSC facts Linux reads from CPUID 15H on Intel)\r\n";
    expect(addedCmdline(amd)).toBe("tsc_early_khz=2893012 tsc=reliable");
    expect(addedCmdline("tsvisor: guest command line: added tsc_early_khz=1000 (AMD: ...)\n")).toBe("tsc_early_khz=1000");
    expect(addedCmdline("tsvisor: guest command line: console=ttyS0\n")).toBe("");
  });
});

describe("medians and ratios", () => {
  it("median: the middle of an odd count, the mean of the middle two of an even one; none is an error", () => {
    expect(median([3])).toBe(3);
    expect(median([30, 10, 20])).toBe(20);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it("ratio: measured over baseline, refusing a zero baseline; printed with two decimals", () => {
    expect(ratio(15.1, 12.3)).toBeCloseTo(1.2276, 4);
    expect(formatRatio(ratio(15.1, 12.3))).toBe("1.23x");
    expect(() => ratio(1, 0)).toThrow();
    expect(formatShare(1, 3)).toBe("33.3%");
    expect(formatShare(1, 0)).toBe("0.0%");
  });

  const table = (total: number): ExitTable => ({
    rows: [{ reason: "port I/O", count: total, ticks: total * 1000, mean: 1000 }, { reason: "HLT", count: 10, ticks: 3_000_000_000, mean: 300_000_000 }],
    total: total + 10, injected: 50, windows: 0, reinjected: 0, halts: 10, asleepTicks: 2_000_000_000,
  });
  const run = (tsvisorMs: number, directMs: number, hypervisorMs: number | null = 1500, guestStartMs: number | null = 2000): BootRun =>
    ({ tsvisorMs, hypervisorMs, guestStartMs, directMs, table: table(tsvisorMs), mhz: 1000, append: "console=ttyS0 tsc_early_khz=1000000 tsc=reliable" });

  it("summarise: medians of each side, their ratio, and the tsvisor run nearest its median", () => {
    const s = summarise([run(16000, 12000), run(15000, 12500), run(30000, 11000)]);
    expect(s.tsvisorS).toBe(16);
    expect(s.directS).toBe(12);
    expect(s.ratio).toBeCloseTo(16 / 12, 9);
    expect(s.run.tsvisorMs).toBe(16000);
    expect(s.phasesS).toEqual({ grub: 1.5, hypervisor: 0.5, guest: 14 });
    expect(summarise([run(15000, 10000, 1000, 1200), run(16000, 10000, 1000, null)]).phasesS).toBeNull();
    expect(summarise([run(15000, 10000), run(17000, 12000)]).run.tsvisorMs).toBe(15000); // a tie: the first
  });

  it("the report: both times, the ratio against the goal, the guest's start, and the exits by total time", () => {
    const lines = bootReport("qemu", 1, "6.1.0-57-cloud-amd64", summarise([run(15100, 12300, 1600, 2100)]), 62269.8);
    expect(lines).toEqual([
      "Linux boot to its ready marker on qemu (SVM on TCG), median of 1 run",
      "  Debian 6.1.0-57-cloud-amd64, the same kernel, initrd, 256 MiB of guest RAM and command line both ways: " +
        "console=ttyS0 tsc_early_khz=1000000 tsc=reliable",
      "  direct (qemu -kernel)             12.3 s",
      "  under tsvisor                     15.1 s   1.23x (goal: at most 1.30x)",
      "    firmware and GRUB                1.6 s   (loading tsvisor, the kernel and the initrd from the CD)",
      "    the hypervisor's start           0.5 s   (to the guest's first instruction)",
      "    the guest's boot                13.0 s",
      "  exits under tsvisor, to its power-off at the marker: 15110 in all, 50 interrupts injected",
      "    TSC time in the core: 1.0 s handling them, 2.0 s asleep in HLT (at 1000 MHz; the host's clock under TCG)",
      "    world switches: 15110 x 62270 ticks (the asm-only round trip above) = 0.9 s",
      "  exits by total time:",
      "    HLT 3000000000 ticks (99.5%, 66.7% of it asleep; 10 exits, mean 300000000)",
      "    port I/O 15100000 ticks (0.5%; 15100 exits, mean 1000)",
    ]);
    const bochs = bootReport("bochs", 3, "v", { ...summarise([run(15100, 12300, null)]), run: { ...run(15100, 12300), mhz: null } });
    expect(bochs[0]).toBe("Linux boot to its ready marker on bochs (VMX), median of 3 runs");
    expect(bochs[2]).toMatch(/^ {2}direct \(bochs, GRUB from an ISO\) +12\.3 s$/);
    expect(bochs.join("\n")).not.toMatch(/firmware and GRUB|guest's boot|TSC time|world switches/);
  });
});

describe("the direct boot's launch", () => {
  it("QEMU: the tsvisor run's machine, loading the kernel itself (-kernel, -initrd, -append) instead of booting the CD", () => {
    const m = directMedia("qemu", { kernel, initrd, append: "console=ttyS0 tsc_early_khz=2893012 tsc=reliable" });
    const l = launchMedia("qemu", m, undefined, { memoryMiB: 256 });
    const iso = path.join(dir, "t.iso");
    fs.writeFileSync(iso, "");
    const t = launchFor("qemu", iso, undefined, { memoryMiB: 1024 });
    try {
      expect(l.command).toBe("qemu-system-x86_64");
      const at = (a: string[], opt: string) => a[a.indexOf(opt) + 1];
      expect(at(l.args, "-machine")).toBe("pc,accel=tcg");
      expect(at(l.args, "-cpu")).toBe("qemu64,+svm,+npt,+rdrand,+pdpe1gb");
      expect(at(l.args, "-m")).toBe("256M");
      expect(at(l.args, "-kernel")).toBe(kernel);
      expect(at(l.args, "-initrd")).toBe(initrd);
      expect(at(l.args, "-append")).toBe("console=ttyS0 tsc_early_khz=2893012 tsc=reliable");
      expect(l.args).not.toContain("-cdrom");
      expect(l.args).not.toContain("-boot");
      for (const opt of ["-display", "-monitor", "-nic", "-device"]) expect(at(l.args, opt)).toBe(at(t.args, opt));
      expect(l.args.filter((a) => a === "-serial")).toHaveLength(2);
      expect(l.args).toContain("-no-reboot");
      expect(at(t.args, "-cdrom")).toBe(iso);
    } finally {
      l.cleanup();
      t.cleanup();
    }
  });

  it("refuses missing files, and a kernel on Bochs, which has no -kernel", () => {
    expect(() => launchMedia("qemu", { kind: "kernel", kernel: path.join(dir, "none"), append: "" })).toThrow(/not found/);
    expect(() => launchMedia("bochs", { kind: "kernel", kernel, initrd, append: "console=ttyS0" })).toThrow(/ISO only/);
  });

  it("Bochs: GRUB boots the kernel and initrd itself, with the command line on its linux line", () => {
    expect(linuxGrubCfg("console=ttyS0", true)).toBe([
      "set timeout=0",
      "set timeout_style=hidden",
      'menuentry "linux" {',
      "  linux /boot/vmlinuz console=ttyS0",
      "  initrd /boot/initrd",
      "  boot",
      "}",
      "",
    ].join("\n"));
    expect(linuxGrubCfg("", false)).not.toContain("initrd");
    expect(linuxGrubCfg("", false)).toContain("  linux /boot/vmlinuz\n");
  });

  it("a kernel command line that GRUB's script syntax would change is refused", () => {
    expect(() => checkCmdline("console=ttyS0 tsc=reliable", "kernel command line")).not.toThrow();
    expect(() => checkCmdline("init=$x", "kernel command line")).toThrow(BuildError);
    expect(() => checkCmdline("a;b", "kernel command line")).toThrow(/bad kernel command line/);
  });
});

describe("the direct boot on Bochs", () => {
  it("is the tsvisor run's bochsrc with the GRUB-for-Linux ISO, and MSRs Bochs does not model read as 0", () => {
    const iso = path.join(dir, "linux.iso");
    fs.writeFileSync(iso, "");
    const rc = (l: ReturnType<typeof launchFor>) => {
      if (l.serial.kind !== "socket") throw new Error("Bochs's COM1 is a socket");
      l.serial.connectTo(4567);
      return fs.readFileSync(path.join(l.cwd!, "bochsrc"), "utf8");
    };
    const direct = launchMedia("bochs", { kind: "iso", iso }, undefined, { memoryMiB: 256, ignoreBadMsrs: true });
    const under = launchFor("bochs", iso, undefined, { memoryMiB: 256 });
    try {
      const d = rc(direct);
      const u = rc(under);
      expect(d).toContain("cpu: model=corei7_skylake_x, count=1, ips=200000000, reset_on_triple_fault=0, ignore_bad_msrs=1\n");
      expect(d).toContain(`ata0-master: type=cdrom, path="${iso}", status=inserted\n`);
      expect(d).toContain("megs: 256\n");
      expect(d.replace(/\/tmp\/[^"\s]+/g, "")).toBe(u.replace(/\/tmp\/[^"\s]+/g, "").replace("ignore_bad_msrs=0", "ignore_bad_msrs=1"));
    } finally {
      direct.cleanup();
      under.cleanup();
    }
  });
});
