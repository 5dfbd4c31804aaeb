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
    // What the test's hooks do, in the order that shows the abort: the hub goes while the page
    // still holds its live stream (the hooks close the page first, and a closed page may report
    // nothing, which made this test depend on timing).
    await server.teardown();
    const deadline = Date.now() + 5000;
    while (!problems.some(isStreamAbort) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  });
  assert.ok(problems.some(isStreamAbort), `teardown aborted the live stream: ${JSON.stringify(problems)}`);
  assert.deepEqual(failure?.actual, []);
});

function isStreamAbort(problem: string): boolean {
  return /^request failed: .*\/__crossipc\/api\/events\?.* net::ERR_ABORTED$/.test(problem);
}
