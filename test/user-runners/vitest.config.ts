import { defineConfig } from "vitest/config";
// Every runner at once on a 2-core machine: a test of ~30 requests through the hub waits for CPU.
export default defineConfig({ test: { include: ["tests/vitest/**/*.test.ts"], testTimeout: 60_000 } });
