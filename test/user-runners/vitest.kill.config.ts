import { defineConfig } from "vitest/config";
export default defineConfig({ test: { include: ["tests/kill/vitest.test.ts"] } });
