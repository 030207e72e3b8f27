// What `tsvisor bench`'s virtio I/O part types into the Linux guest's shell
// (busybox ash on ttyS0), and what it reads back from the guest's console.
// The same steps run under tsvisor and directly on QEMU; only the disk's
// devices and network behind them differ (virtio-io.ts).
//
// Busybox 1.35's dd has iflag=direct and oflag=direct (O_DIRECT: no page
// cache, every block goes to the device) but not the third status line with
// the time and rate, its `date` has no %N, and its `time` counts in 10 ms.
// So each pass is timed by `adjtimex`, which prints the kernel's
// gettimeofday in microseconds: one run of it before dd, one after. The
// interval includes dd's exec and exit, the same on both sides; the empty
// passes (dd count=0) measure that fixed cost each way.
import { READY_MARKER } from "../images/initramfs.js";

// The bench disk, read and written whole by each pass: at 64 MiB a read
// pass of the direct run lasts 60 to 90 ms under TCG, several times a
// pass's fixed cost (an empty pass: 7 to 15 ms). A larger disk costs boot
// time: GRUB loads it from the CD at some 4.5 MB/s under TCG (64 MiB:
// about 15 s of each boot under tsvisor; 128 MiB took 29 s).
export const IO_DISK_MIB = 64;
// Passes each of read, write and empty; the median is reported. Many, for
// the hypervisor's counts too: what they add to a boot's (some 80,000
// exits) must stand out from how much two boots differ (up to ~2000).
export const IO_PASSES = 15;
export const PING_COUNT = 20;
export const PING_INTERVAL_S = 0.2;
export const HOST_IP = "10.0.2.2";   // tsvisor's built-in host; QEMU's user network's gateway
export const GUEST_IP = "10.0.2.15"; // the address QEMU's user network gives its guest

// A line the shell prints but whose typed command line (echoed by the
// shell, wrapped at 80 columns) never holds: the echo shows `"=""=io`.
const MARK = "==io ";
const mark = (what: string) => `echo "=""=io ${what}"`;

export interface Step { after: string; text: string } // type `text` once a console line starts with `after`

// The steps, each typed after the line the one before it ends with.
// `mib` is what each dd pass moves: IO_DISK_MIB, or 0 for the baseline run
// whose hypervisor counts are subtracted (the same commands, no I/O).
export function ioSteps(mib: number, passes = IO_PASSES): Step[] {
  const loop = (name: string, dd: string) =>
    `for i in ${Array.from({ length: passes }, (_, i) => i + 1).join(" ")}; do adjtimex >/tmp/a; ${dd} 2>/tmp/dd; s=$?; ` +
    `adjtimex >/tmp/b; ${mark(`${name} $i status $s us $(($(t /tmp/b)-$(t /tmp/a))) dd $(tr '\\n' ' ' </tmp/dd)`)}; done`;
  const blk = (name: string) =>
    mark(`${name} $(cat /sys/block/vda/stat) irq $(awk '/req\\.0/{print $2}' /proc/interrupts) loc $(awk '/LOC:/{print $2}' /proc/interrupts)`);
  return [
    // The kernel's console messages off (they would land inside the lines
    // read back); the interface up; t FILE: adjtimex's output in µs.
    { after: READY_MARKER, text: `dmesg -n 1; ip link set eth0 up; ip addr add ${GUEST_IP}/24 dev eth0; ` +
      `t() { set -- $(grep tv_ $1); echo $(($2*1000000+$4)); }; ${mark("ready")}\n` },
    // One ping first, for the link to come up and ARP to resolve.
    { after: `${MARK}ready`, text: `ping -c 1 -W 10 ${HOST_IP} >/dev/null; ping -q -c ${PING_COUNT} -i ${PING_INTERVAL_S} ${HOST_IP} >/tmp/p; ` +
      `${mark("ping $(tail -2 /tmp/p | tr '\\n' ' ')")}\n` },
    { after: `${MARK}ping `, text: `${loop("empty", "dd if=/dev/vda of=/dev/null bs=1M count=0 iflag=direct")}; ${blk("blk-before")}; ` +
      `${loop("read", `dd if=/dev/vda of=/dev/null bs=1M count=${mib} iflag=direct`)}; ${mark("reads-done")}\n` },
    { after: `${MARK}reads-done`, text: `${loop("write", `dd if=/dev/zero of=/dev/vda bs=1M count=${mib} oflag=direct`)}; ` +
      `${blk("blk-after")}; ${mark("done")}\n` },
  ];
}

export const IO_DONE = `${MARK}done`;

// Types each step once its line came, whole lines only (COM1 arrives in
// chunks that split lines anywhere); a step looks only at what came after
// the one before it was typed, and `ended` turns true at the line `end`
// after the last step. `feed` returns what to type now.
export class StepTyper {
  private pending = "";
  private next = 0;
  ended = false;
  constructor(private readonly steps: Step[], private readonly end: string) {}

  feed(chunk: string): string[] {
    const typed: string[] = [];
    this.pending += chunk.replace(/\r/g, "");
    const lines = this.pending.split("\n");
    this.pending = lines.pop()!;
    for (const l of lines) {
      if (this.next < this.steps.length) {
        if (l.startsWith(this.steps[this.next].after)) typed.push(this.steps[this.next++].text);
      } else if (l.startsWith(this.end)) this.ended = true;
    }
    return typed;
  }
}

export interface Pass { us: number; blocks: number } // one dd: its time, and the 1 MiB blocks it moved
export interface Ping { sent: number; received: number; minMs: number; avgMs: number; maxMs: number }
// /sys/block/vda/stat (Documentation/block/stat.rst): the I/Os completed;
// and from /proc/interrupts the disk's request queue's interrupts and the
// local APIC timer's (LOC), each null where the guest printed none.
export interface BlkStat { reads: number; readSectors: number; writes: number; writeSectors: number; irqs: number | null; timer: number | null }

export interface GuestIo { empties: Pass[]; reads: Pass[]; writes: Pass[]; ping: Ping; before: BlkStat; after: BlkStat }

const lineOf = (text: string, what: string): string[] =>
  text.replace(/\r/g, "").split("\n").filter((l) => l.startsWith(MARK + what + " ")).map((l) => l.slice(MARK.length + what.length + 1));

// A pass's line: "1 status 0 us 238657 dd 32+0 records in 32+0 records out".
// dd must have exited 0 and moved `mib` whole blocks in and out.
export function parsePass(rest: string, mib: number): Pass {
  const m = /^(\d+) status (\d+) us (\d+) dd (\d+)\+(\d+) records in (\d+)\+(\d+) records out\s*$/.exec(rest);
  if (!m) throw new Error(`a dd pass printed an unexpected line: ${rest}`);
  const [, , status, us, fullIn, partIn, fullOut, partOut] = m.map(Number);
  if (status !== 0 || fullIn !== mib || fullOut !== mib || partIn !== 0 || partOut !== 0) {
    throw new Error(`a dd pass did not move ${mib} blocks of 1 MiB: ${rest}`);
  }
  return { us, blocks: mib };
}

// "20 packets transmitted, 20 packets received, 0% packet loss round-trip min/avg/max = 1.052/1.630/3.686 ms"
export function parsePing(rest: string): Ping {
  const n = /(\d+) packets transmitted, (\d+) packets received/.exec(rest);
  const rtt = /round-trip min\/avg\/max = ([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(rest);
  if (!n) throw new Error(`ping printed no statistics: ${rest}`);
  if (!rtt) throw new Error(`ping had no replies: ${rest}`);
  return { sent: Number(n[1]), received: Number(n[2]), minMs: Number(rtt[1]), avgMs: Number(rtt[2]), maxMs: Number(rtt[3]) };
}

// "65 0 65544 278 32 0 65536 40 0 192 318 0 0 0 0 0 0 irq 65 loc 1234":
// fields 1, 3, 5 and 7 of the stat file, then the two interrupt counts.
export function parseBlkStat(rest: string): BlkStat {
  const m = /^([\d ]+?)\s+irq\s*(\d*)\s+loc\s*(\d*)$/.exec(rest.trim());
  const f = (m ? m[1] : "").trim().split(/\s+/).map(Number);
  if (!m || f.length < 8 || f.some((x) => !Number.isInteger(x))) throw new Error(`unexpected /sys/block/vda/stat line: ${rest}`);
  const n = (x: string) => (x === "" ? null : Number(x));
  return { reads: f[0], readSectors: f[2], writes: f[4], writeSectors: f[6], irqs: n(m[2]), timer: n(m[3]) };
}

// Everything one run's console says, checked: every pass there, in order.
export function parseGuestIo(console: string, mib: number, passes = IO_PASSES): GuestIo {
  const one = (what: string) => {
    const l = lineOf(console, what);
    if (l.length !== 1) throw new Error(`the guest printed ${l.length} '==io ${what}' lines, not one`);
    return l[0];
  };
  const pass = (what: string, blocks = mib) => {
    const l = lineOf(console, what);
    if (l.length !== passes) throw new Error(`the guest printed ${l.length} ${what} passes of ${passes}`);
    return l.map((r) => parsePass(r, blocks));
  };
  return {
    empties: pass("empty", 0), reads: pass("read"), writes: pass("write"), ping: parsePing(one("ping")),
    before: parseBlkStat(one("blk-before")), after: parseBlkStat(one("blk-after")),
  };
}
