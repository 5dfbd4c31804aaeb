/** vitest for test/node/mocks-vm-pools.test.ts: its one file; the pool is given on the command line. */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL(".", import.meta.url).pathname,
    include: ["await-using.test.ts"],
  },
});
