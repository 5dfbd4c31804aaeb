/**
 * The dashboard page reads the journal, then opens the live stream: `?after=<lastId>` makes the
 * stream start from what the page read, so an entry recorded between the two is not lost.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startServer } from "./_helpers.ts";

async function firstEntries(response: Response): Promise<string> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/event: entries\ndata: .*\n\n/.test(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader.cancel();
  return /event: entries\ndata: (.*)\n\n/.exec(text)![1]!;
}

test("the live stream opened with ?after= sends the entries recorded since, then goes on", { timeout: 10_000 }, async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.interceptHttp("GET", "/ping/:n", () => "pong");
  await (await fetch(`${server.getUrl()}/ping/1`)).text();
  const { lastId } = (await (await fetch(`${server.getUrl()}/__crossipc/api/journal?limit=1000`)).json()) as { lastId: number };
  // Recorded after the page's read, before its stream opens.
  await (await fetch(`${server.getUrl()}/ping/2`)).text();

  const stream = await fetch(`${server.getUrl()}/__crossipc/api/events?after=${lastId}`);
  const entries = JSON.parse(await firstEntries(stream)) as { path: string }[];
  assert.deepEqual(entries.map((e) => e.path), ["/ping/2"]);
});

test("an ?after= this journal has not reached (a hub that restarted) or that is not a number starts from now", { timeout: 10_000 }, async (t) => {
  const server = await startServer(t, { dashboard: true });
  server.interceptHttp("GET", "/ping/:n", () => "pong");
  await (await fetch(`${server.getUrl()}/ping/1`)).text();
  for (const after of ["999999", "-1", "abc", "1e3"]) {
    const stream = await fetch(`${server.getUrl()}/__crossipc/api/events?after=${after}`);
    assert.equal(stream.status, 200, after);
    const next = firstEntries(stream);
    await (await fetch(`${server.getUrl()}/ping/${after}`)).text();
    const entries = JSON.parse(await next) as { path: string }[];
    assert.deepEqual(entries.map((e) => e.path), [`/ping/${after}`], `after=${after}: only what came next`);
  }
});
