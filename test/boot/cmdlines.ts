// Hypervisor command lines the boot tests boot with (each is its own ISO).
export const SELFTEST_TRAPS = ["trap-oob", "trap-unreachable", "trap-stack", "abort"] as const;
export const BOOT_TEST_CMDLINES = [
  ...SELFTEST_TRAPS.map((k) => `selftest=${k}`),
  "selftest=cpu-exception",
  "selftest=no-such-test",
];
