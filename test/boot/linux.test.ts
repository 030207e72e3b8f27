// An unmodified Linux — Debian's cloud kernel with the busybox initramfs
// (tools/images/linux.ts) — booted by tsvisor to its shell, once per
// backend: VT-x on Bochs, AMD-V on QEMU's TCG. One boot checks several
// things, each from what the guest really printed on its console: the
// ready marker, then commands typed one after another — the kernel's
// release, the hypervisor flag in /proc/cpuinfo, a `sleep 1` that returns,
// the timer and the serial port counting in /proc/interrupts, Ctrl-C
// reaching the shell's foreground job, the virtio devices with Debian's own
// drivers (pings over virtio-net, the disk mounted and written, entropy
// from /dev/hwrng, a shell on hvc0 reached by Ctrl-A c), no
// ACPI/APIC/clocksource complaint in dmesg — then `reboot`, which restarts
// the guest in place (the disk keeps what was written: read back after),
// and `poweroff` (ACPI S5), which ends the run with success.
import { beforeAll, describe, expect, it } from "vitest";
import { bootOn, Boot, Typing } from "./boot-helpers.js";
import { linuxGuest, LinuxGuest } from "../../tools/images/linux.js";
import { READY_MARKER } from "../../tools/images/initramfs.js";
import type { HostName } from "../../tools/run/hosts.js";
import { linuxTestGuest } from "./cmdlines.js";
import { DISK_HELLO_PATH, DISK_HELLO_TEXT } from "../../tools/images/linux-disk.js";

const REBOOT_TEXT = "written before the reboot";

// What counts as a complaint in dmesg. Linux says these when a firmware
// table, an interrupt controller or a clock misbehaves (ACPICA's
// "ACPI Error"/"ACPI BIOS Error"/"ACPI Warning", the I/O APIC timer check,
// the clocksource watchdog, the TSC's own checks).
export const DMESG_COMPLAINTS = [
  "ACPI (BIOS )?(Error|Warning)", "ACPI: .*(error|failed)", "APIC.*(error|bug|failed)", "IO-APIC \\+ timer doesn.t work",
  "clocksource.*(unstable|skew)", "read-back delay", "TSC.*unstable", "Unstable clock", "unchecked MSR access",
  "BUG:", "WARNING:.*(acpi|apic|clocksource|tsc)",
].join("|");

// A marker the shell prints but the typed command line does not contain:
// the echo of `"=""=name"` shows the quotes, the output does not.
const mark = (name: string) => `echo "=""=${name}"`;
const printed = (name: string) => new RegExp(`^==${name}$`);

const STEPS: Typing[] = [
  { after: new RegExp(`^${READY_MARKER}$`), text: `${mark("uname")}; uname -r; ${mark("uname-end")}\n` },
  { after: printed("uname-end"), text: `${mark("hv")}; grep -c -w hypervisor /proc/cpuinfo; ${mark("hv-end")}\n` },
  { after: printed("hv-end"), text: `${mark("irq1")}; cat /proc/interrupts; ${mark("irq1-end")}\n` },
  { after: printed("irq1-end"), text: `sleep 1; ${mark("slept")}\n` },
  { after: printed("slept"), text: `${mark("irq2")}; cat /proc/interrupts; ${mark("irq2-end")}\n` },
  // Ctrl-C (0x03) interrupts the foreground job: the shell's own console is its terminal.
  { after: printed("irq2-end"), text: `sleep 600; ${mark("after-sleep")}\n` },
  { after: /sleep 600/, text: "\x03", delayMs: 3000 },
  { after: /\^C/, text: `${mark("interrupted")}\n`, delayMs: 500 },
  // The virtio disk (drivers/virtio/virtio-blk.ts): Debian's ext4 on it,
  // a known file read, a new one written and synced before the reboot below.
  // virtio-net: an address on the hypervisor's switch, pings to its built-in
  // host, and a UDP query to its echo port (busybox nslookup: the host sends
  // the query back, which nslookup reads as an answer).
  { after: printed("interrupted"), text: `${mark("net")}; ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ` +
    `ping -c 3 10.0.2.2; nslookup tsvisor 10.0.2.2:7 >/dev/null; cat /sys/class/net/eth0/address; ${mark("net-end")}\n` },
  { after: printed("net-end"), text: `${mark("disk")}; cat /sys/block/vda/size; mkdir -p /mnt && mount /dev/vda /mnt && ` +
    `cat /mnt${DISK_HELLO_PATH} && echo "${REBOOT_TEXT}" > /mnt/reboot.txt && sync && umount /mnt; ${mark("disk-end")}\n` },
  // Entropy from virtio-rng, as hex.
  { after: printed("disk-end"), text: `${mark("rng")}; cat /sys/class/misc/hw_random/rng_current; head -c 32 /dev/hwrng | od -An -tx1; ${mark("rng-end")}\n` },
  // The virtio console: Ctrl-A c moves the typing to the shell on hvc0, and back.
  { after: printed("rng-end"), text: "\x01c" },
  { after: /console input: to the guest's virtio console/, text: `\r${mark("hvc")}; tty; ${mark("hvc-end")}\n`, delayMs: 500 },
  { after: printed("hvc-end"), text: "\x01c" },
  { after: /console input: to the guest's serial port/, text: `\r${mark("dmesg")}; dmesg | grep -iE '${DMESG_COMPLAINTS}'; ${mark("dmesg-end")}\n`, delayMs: 500 },
  // A reboot of the guest, not of the hypervisor: the disk keeps what was written.
  { after: printed("dmesg-end"), text: "reboot\n" },
  { after: new RegExp(`^${READY_MARKER}$`), text: `${mark("reread")}; mount /dev/vda /mnt 2>/dev/null || (mkdir -p /mnt && mount /dev/vda /mnt); ` +
    `cat /mnt/reboot.txt; ${mark("reread-end")}\n` },
  { after: printed("reread-end"), text: "poweroff\n" },
];

// The guest's lines between the markers `name` and `name-end`.
function between(b: Boot, name: string): string[] {
  const lines = b.guestLines.map((l) => l.replace(/\r$/, ""));
  const start = lines.findIndex((l) => l === `==${name}`);
  const end = lines.findIndex((l, i) => i > start && l === `==${name}-end`);
  if (start < 0 || end < 0) throw new Error(`no ==${name} .. ==${name}-end in the console:\n${lines.slice(-60).join("\n")}`);
  return lines.slice(start + 1, end);
}

// The kernel's own messages (console=ttyS0) interleave with a command's
// output; these checks want the output alone.
const withoutKernelLog = (lines: string[]) => lines.filter((l) => !/^\[\s*\d+\.\d+\] /.test(l));

// /proc/interrupts: the count on CPU0 of the row whose name matches.
function irqCount(rows: string[], name: RegExp): number {
  const row = rows.find((r) => name.test(r));
  if (!row) throw new Error(`no ${name} row in /proc/interrupts:\n${rows.join("\n")}`);
  return Number(row.trim().split(/\s+/)[1]);
}

let guest: LinuxGuest;
beforeAll(() => {
  guest = linuxGuest();
});

function checks(host: HostName, timeoutMs: number) {
  let b: Boot;
  beforeAll(async () => {
    b = await bootOn(host, {
      kernel: linuxTestGuest(),
      type: STEPS, timeoutMs,
    });
  }, timeoutMs + 60_000);

  it("boots to the ready marker and powers off cleanly on `poweroff` (ACPI S5): the run's verdict is success", () => {
    expect(b.guestLines.map((l) => l.trim()), b.output.slice(-3000)).toContain(READY_MARKER);
    expect(b.output).toMatch(/ACPI: PM: Preparing to enter system sleep state S5/);
    expect(b.lines).toContain("VM stopped: the guest powered off with status 0");
    expect(b.verdict, b.reason).toBe("success");
  });

  it("uname -r is the Debian kernel's release; /proc/cpuinfo has the hypervisor flag", () => {
    expect(between(b, "uname")).toEqual([guest.version]);
    expect(between(b, "hv")).toEqual(["1"]);
  });

  it("sleep 1 returns; over it the local timer and the serial port (IRQ 4) count up", () => {
    expect(b.guestLines.some((l) => l.trim() === "==slept")).toBe(true);
    const [r1, r2] = [between(b, "irq1"), between(b, "irq2")];
    expect(irqCount(r2, /^\s*LOC:/)).toBeGreaterThan(irqCount(r1, /^\s*LOC:/));
    expect(irqCount(r2, /ttyS0$/)).toBeGreaterThan(irqCount(r1, /ttyS0$/));
  });

  it("Ctrl-C reaches the guest: it interrupts the shell's foreground job", () => {
    const lines = b.guestLines.map((l) => l.trim());
    expect(lines).toContain("==interrupted");
    expect(lines).not.toContain("==after-sleep");
  });

  it("dmesg has no ACPI, APIC or clocksource complaint", () => {
    expect(between(b, "dmesg")).toEqual([]);
  });

  it("pings the switch's host over virtio-net with no loss, and its UDP echo port answers", () => {
    const net = between(b, "net");
    expect(net, net.join("\n")).toContain("3 packets transmitted, 3 packets received, 0% packet loss");
    expect(net[net.length - 1]).toBe("52:54:00:12:34:56");
    expect(b.lines.some((l) => /^net host 10\.0\.2\.2 .*answered [1-9]\d* ARP, 3 ICMP echo, [1-9]\d* UDP echo/.test(l)), b.lines.join("\n")).toBe(true);
  });

  it("mounts the virtio disk (8 MiB: 16384 sectors) and reads its known file", () => {
    expect(withoutKernelLog(between(b, "disk"))).toEqual(["16384", DISK_HELLO_TEXT.trimEnd()]);
    expect(b.lines.some((l) => /^virtio: virtio-blk at 00:03\.0/.test(l))).toBe(true);
  });

  it("the guest's reboot restarts it in place, and the file written before it is read back after", () => {
    expect(b.lines.some((l) => /^VM: the guest reset the machine .*: rebooting \(boot 2\)$/.test(l)), b.lines.join("\n")).toBe(true);
    expect(withoutKernelLog(between(b, "reread"))).toEqual([REBOOT_TEXT]);
    expect(b.lines.some((l) => /^virtio-blk: .* [1-9]\d* writes/.test(l)), b.lines.join("\n")).toBe(true);
  });

  it("reads random bytes from virtio-rng through /dev/hwrng", () => {
    const [source, ...hex] = between(b, "rng");
    expect(source).toBe("virtio_rng.0");
    const bytes = hex.join(" ").trim().split(/\s+/);
    expect(bytes).toHaveLength(32);
    expect(new Set(bytes).size).toBeGreaterThan(8);
  });

  it("a shell runs on the virtio console (hvc0), reached by Ctrl-A c", () => {
    expect(between(b, "hvc")).toEqual(["/dev/hvc0"]);
    expect(b.lines.some((l) => /^virtio-console: [1-9]\d* bytes written by the guest, [1-9]\d* typed to it$/.test(l))).toBe(true);
  });
}

describe("Linux on Bochs (VT-x with EPT)", () => checks("bochs", 900_000));
describe("Linux on QEMU TCG (AMD-V with nested paging)", () => checks("qemu", 420_000));
