import { defineConfig } from "@playwright/test";
export default defineConfig({
  testDir: "tests/pw",
  fullyParallel: true,
  workers: 4,
  reporter: "line",
  use: { launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium-headless-shell", args: ["--no-sandbox", "--disable-gpu"] } },
});
