/**
 * vitest for the runner suites: the threads pool with one thread per file, so the eight files
 * run at the same time (the default is one thread per core but one). The README examples run
 * with the same settings.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/runners/vitest/*.test.ts", "test/runners/held/vitest.test.ts", "test/runners/timed-out/vitest.test.ts", "test/runners/examples/vitest*.test.ts"],
    pool: "threads",
    maxWorkers: 8,
    fileParallelism: true,
    testTimeout: 120_000,
  },
});
