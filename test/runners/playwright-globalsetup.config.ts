/**
 * Playwright's `globalSetup` starting a `ServiceHub` in Playwright's own process
 * (playwright-webserver/_global-setup.ts), with the same specs as playwright-webserver.config.ts.
 */
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "playwright-webserver",
  fullyParallel: true,
  workers: 2,
  reporter: "list",
  outputDir: `${process.env.TMPDIR ?? "/tmp"}/crossipc-playwright-results`,
  globalSetup: "./playwright-webserver/_global-setup.ts",
});
