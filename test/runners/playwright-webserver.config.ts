/**
 * Playwright's `webServer` starting `crossipc hub` (the built bin; a user's config runs
 * `npx crossipc hub`, README "Test runners"). The hub reads its port from `CROSSIPC_HUB_PORT`,
 * which the driver sets to a free port; Playwright waits for the hub's own API, since `/` is no
 * service's and answers 404, which Playwright does not take for ready.
 */
import { defineConfig } from "@playwright/test";

const port = Number(process.env.CROSSIPC_HUB_PORT ?? 9000);

export default defineConfig({
  testDir: "playwright-webserver",
  fullyParallel: true,
  reporter: "list",
  outputDir: `${process.env.TMPDIR ?? "/tmp"}/crossipc-playwright-results`,
  webServer: {
    command: "node dist/bin/crossipc.js hub",
    cwd: new URL("../..", import.meta.url).pathname,
    url: `http://127.0.0.1:${port}/__crossipc/api/state`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
