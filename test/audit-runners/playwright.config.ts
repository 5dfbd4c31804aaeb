import { defineConfig } from "@playwright/test";
export default defineConfig({ testDir: "tests/pw", fullyParallel: true, workers: 3, reporter: "line", timeout: 60_000,
  use: { launchOptions: { executablePath: "/usr/bin/chromium-headless-shell", args: ["--no-sandbox", "--disable-gpu"] } } });
