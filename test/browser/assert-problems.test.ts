/**
 * A failed `assertProblems` reports what the page had met when it was called. A CI run's
 * dashboard-har failures (a reason phrase the test did not expect yet) also listed
 * `request failed: …/api/events… net::ERR_ABORTED`: the AssertionError kept the live array, the
 * runner printed it after the `after` hooks, and tearing down the hub aborts the page's live stream.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { startServer } from "../node/_helpers.ts";
import { assertProblems, launch, openPage } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("a failed assertProblems reports the problems of its moment, not the live stream's abort when the test's hub and page are torn down", async (t) => {
  let problems: string[] = [];
  let failure: assert.AssertionError | undefined;
  await t.test("a live dashboard whose test expected a problem it did not meet", async (inner) => {
    const server = await startServer(inner, { dashboard: true });
    const opened = await openPage(browser, inner);
    problems = opened.problems;
    await opened.page.goto(server.getDashboardUrl());
    await opened.page.waitForSelector("#live.on", { timeout: 5000 });
    try {
      assertProblems(problems, ["a problem this page did not meet"]);
    } catch (error) {
      failure = error as assert.AssertionError;
    }
    assert.ok(failure instanceof assert.AssertionError, "the assertion failed");
  });
  // The hooks have torn the hub and the page down; a round trip to Chromium lets its report of that arrive.
  await browser.version();
  assert.ok(problems.some((p) => /^request failed: .*\/__crossipc\/api\/events\?.* net::ERR_ABORTED$/.test(p)), `teardown aborted the live stream: ${JSON.stringify(problems)}`);
  assert.deepEqual(failure?.actual, []);
});
