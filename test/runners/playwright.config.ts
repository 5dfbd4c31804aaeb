/**
 * Playwright Test for the runner suites: every file in parallel (`fullyParallel`), eight
 * workers so that the eight prices files meet at the service's barrier (the driver runs the page
 * specs with `--workers=4 --retries=1`), and Debian's headless Chromium (CI installs it; a
 * browser is never downloaded). The README example runs with the same settings.
 */
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: ".",
  testMatch: ["playwright/*.test.ts", "playwright-pages/*.test.ts", "held/playwright.test.ts", "examples/playwright.test.ts"],
  fullyParallel: true,
  workers: 8,
  timeout: 120_000,
  reporter: "list",
  // Results and traces of failed tests go to the system's temporary directory, not the repository.
  outputDir: `${process.env.TMPDIR ?? "/tmp"}/crossipc-playwright-results`,
  use: {
    // CI runs as root, where Chromium's sandbox cannot start.
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium-headless-shell", args: ["--no-sandbox"] },
  },
});
