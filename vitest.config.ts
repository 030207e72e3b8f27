import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/build.ts"],
    testTimeout: 30_000,
    reporters: ["default", "./test/setup/summary-reporter.ts"],
  },
});
