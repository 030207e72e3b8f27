import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/build.ts"],
    // A Bochs boot takes 7-10 s alone; two run side by side on a 2-core machine.
    testTimeout: 60_000,
    reporters: ["default", "./test/setup/summary-reporter.ts"],
  },
});
