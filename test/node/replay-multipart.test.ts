/**
 * A multipart upload (`FormData`) replays: its boundary is drawn at random for each request, so
 * a recorded one and a live one compare with their boundaries taken out (as Playwright's
 * `routeFromHAR` compares them); the parts themselves must still be equal.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startBackend, startServer } from "./_helpers.ts";

function form(name: string, bytes: number[]): FormData {
  const data = new FormData();
  data.append("name", name);
  data.append("file", new Blob([new Uint8Array(bytes)], { type: "application/octet-stream" }), "a.bin");
  return data;
}

test("a recorded FormData upload answers the same upload sent again (a new boundary); other parts do not match", async (t) => {
  let count = 0;
  const backend = await startBackend(t, (request, response) => {
    request.resume();
    request.on("end", () => response.end(JSON.stringify({ upload: ++count })));
  });
  const recorder = await startServer(t, { journal: { bodies: true } });
  recorder.setRouteProxyResolver(() => backend.url);
  const first = await (await fetch(`${recorder.getUrl()}/upload`, { method: "POST", body: form("Ada", [1, 2, 3, 255]) })).text();
  const second = await (await fetch(`${recorder.getUrl()}/upload`, { method: "POST", body: form("Bob", [4, 5]) })).text();
  const har = recorder.journal.toHAR();
  assert.match(har.log.entries[0]!.request.postData!.mimeType, /^multipart\/form-data; boundary=/);

  const replayer = await startServer(t);
  const replay = replayer.replay(har, { onMiss: "404" });
  const again = await fetch(`${replayer.getUrl()}/upload`, { method: "POST", body: form("Ada", [1, 2, 3, 255]) });
  assert.equal(again.status, 200);
  assert.equal(await again.text(), first);
  assert.equal(await (await fetch(`${replayer.getUrl()}/upload`, { method: "POST", body: form("Bob", [4, 5]) })).text(), second);

  // A part that differs is another request.
  const other = await fetch(`${replayer.getUrl()}/upload`, { method: "POST", body: form("Ada", [1, 2, 3, 254]) });
  assert.equal(other.status, 404);
  await other.text();
  assert.equal(replay.matched, 2);
});
