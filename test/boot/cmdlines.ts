// What the boot tests boot with (each is its own ISO, built by the global setup).
import type { GuestDisk, KernelGuest } from "../../tools/builder/pipeline.js";
import { linuxGuest } from "../../tools/images/linux.js";
import { linuxDisk } from "../../tools/images/linux-disk.js";

export const SELFTEST_TRAPS = ["trap-oob", "trap-unreachable", "trap-stack", "abort"] as const;
export const BOOT_TEST_CMDLINES = [
  ...SELFTEST_TRAPS.map((k) => `selftest=${k}`),
  "selftest=cpu-exception",
  "selftest=host-fault",
  "selftest=no-such-test",
];

// Test guests that end with verdict PASS and status 0.
export const PASSING_GUESTS = [
  "hello", "cpuid", "msr", "vmcall", "long-mode", "cr4-xsetbv", "string-io", "entry-protected32", "entry-long64",
  "mmio", "pit-irq", "hostile-cache-flush", "lapic", "ioapic-pit", "nmi", "hostile-cr", "hostile-dr",
  "hostile-msr", "hostile-string-io",
  "hostile-insn", "hostile-insn-paging32",
  "hostile-task",
] as const;
// Test guests that misbehave: the VM stops, the hypervisor reports and stays up.
export const STOPPING_GUESTS = ["hlt", "outside-ram", "triple-fault", "spin"] as const;
// Test guests that wait for what the test types on COM1 (boot-helpers.ts `type`).
export const TYPING_GUESTS = ["uart-echo"] as const;
// Test guests that reset the machine and check the boot after it (test/boot/reboot.test.ts).
export const REBOOTING_GUESTS = ["reboot"] as const;
// Test guests with a boot test of their own (test/boot/<name>.test.ts).
export const OWN_TEST_GUESTS = ["hostile-virtio"] as const;
export const BOOT_TEST_GUESTS = [...PASSING_GUESTS, ...STOPPING_GUESTS, ...TYPING_GUESTS, ...REBOOTING_GUESTS, ...OWN_TEST_GUESTS, "bench"]
  .map((g) => `test:${g}`);
// The bench guest also runs under the assembly-only baseline.
export const BENCH_BASELINE_CMDLINE = "bench=baseline";
// The Linux boot test's kernel command line (test/boot/linux.test.ts).
export const LINUX_TEST_APPEND = "console=ttyS0";

// The Linux guest as `tsvisor run --guest linux` gives it: Debian's kernel
// and the busybox initramfs, and the default disk read-write (unless a test
// gives its own `disk`). The global setup builds its ISO, linux.test.ts boots it.
export function linuxTestGuest(opts: { log?: (line: string) => void; disk?: GuestDisk } = {}): KernelGuest {
  const g = linuxGuest({ log: opts.log });
  const disk = opts.disk ?? { file: linuxDisk({ log: opts.log }).file, readOnly: false };
  return { kernel: g.kernel, initrd: g.initrd, cmdline: LINUX_TEST_APPEND, disk };
}
