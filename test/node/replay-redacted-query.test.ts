/**
 * A recording of requests that carry a secret in their query (`?token=`, `?access_token=`, a
 * name added to `journal.redact`) still replays: SPEC §11's round trip, with the recording made
 * as `crossipc hub --record` makes it (redacted) and with `--no-redact` (kept as sent).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { startBackend, startServer } from "./_helpers.ts";

async function recordSession(t: Parameters<typeof startServer>[0], redact: false | string[] | undefined) {
  let count = 0;
  const backend = await startBackend(t, (request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ page: new URL(request.url!, "http://x").searchParams.get("page"), answer: ++count }));
  });
  const recorder = await startServer(t, { journal: { bodies: true, ...(redact === undefined ? {} : { redact }) } });
  recorder.setRouteProxyResolver(() => backend.url);
  const live: string[] = [];
  for (const path of ["/feed?token=s3cret-1&page=2", "/feed?page=3&access_token=s3cret-2", "/feed?api_key=s3cret-3", "/feed?page=4"]) {
    live.push(await (await fetch(`${recorder.getUrl()}${path}`)).text());
  }
  return { har: recorder.journal.toHAR(), live };
}

test("a recording made with redaction replays requests whose query carried a redacted value", async (t) => {
  const { har, live } = await recordSession(t, ["api_key"]);
  assert.match(JSON.stringify(har), /token=\[redacted\]/, "the recording holds no secret");
  assert.doesNotMatch(JSON.stringify(har), /s3cret/);

  const replayer = await startServer(t);
  const replay = replayer.replay(har, { onMiss: "404" });
  // The same requests, the secrets different (a new session's token): the recorded answers.
  const again: string[] = [];
  for (const path of ["/feed?token=other-1&page=2", "/feed?access_token=other-2&page=3", "/feed?api_key=other-3", "/feed?page=4"]) {
    const response = await fetch(`${replayer.getUrl()}${path}`);
    assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
    again.push(await response.text());
  }
  assert.deepEqual(again, live);
  assert.equal(replay.matched, 4);

  // Only a redacted parameter matches any value: the others still have to be equal.
  const other = await fetch(`${replayer.getUrl()}/feed?token=other-1&page=9`);
  assert.equal(other.status, 404);
  await other.text();
});

test("with redact: false the HAR keeps a service's ?token= as sent (only the framework path's token is cut), and it replays", async (t) => {
  const { har, live } = await recordSession(t, false);
  const urls = har.log.entries.map((entry) => entry.request.url);
  assert.ok(urls[0]!.endsWith("/feed?token=s3cret-1&page=2"), urls[0]);
  assert.deepEqual(har.log.entries[0]!.request.queryString, [{ name: "token", value: "s3cret-1" }, { name: "page", value: "2" }]);

  const replayer = await startServer(t);
  replayer.replay(har, { onMiss: "404" });
  const response = await fetch(`${replayer.getUrl()}/feed?token=s3cret-1&page=2`);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), live[0]);

  // The hub's own token on its framework path stays out of the journal, as before.
  const server = await startServer(t, { accessToken: "hub-s3cret", journal: { redact: false } });
  await (await fetch(`${server.getUrl()}${INTERNAL_SOCKET_PATH}?token=hub-s3cret`)).text();
  assert.doesNotMatch(JSON.stringify(server.journal.entries()), /hub-s3cret/);
});
