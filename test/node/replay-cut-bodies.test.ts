import assert from "node:assert/strict";
import { test } from "node:test";
import { startServer } from "./_helpers.ts";

test("a recorded exchange whose body the recording cut is skipped by a replay, not answered cut as if whole", async (t) => {
  const recorder = await startServer(t, { journal: { bodies: true, maxBodySize: 16 } });
  recorder.interceptHttp("GET", "/long", () => ({ text: "x".repeat(100) }));
  recorder.interceptHttp("GET", "/short", () => ({ ok: 1 }));
  recorder.interceptHttp("POST", "/upload", () => ({ ok: 1 }));
  await (await fetch(`${recorder.getUrl()}/long`)).text();
  await (await fetch(`${recorder.getUrl()}/short`)).text();
  await (await fetch(`${recorder.getUrl()}/upload`, { method: "POST", body: "y".repeat(100) })).text();
  const har = recorder.journal.toHAR();

  const server = await startServer(t);
  const replay = server.replay(har, { onMiss: "404" });
  assert.equal(replay.size, 1);
  assert.equal(replay.skipped, 2);
  const short = await fetch(`${server.getUrl()}/short`);
  assert.deepEqual(await short.json(), { ok: 1 });
  // It answered 200 with the first 16 bytes, `{"text":"xxxxxxx`, as if that were the whole body.
  const long = await fetch(`${server.getUrl()}/long`);
  assert.equal(long.status, 404);
  assert.match((await long.json()).error, /No recorded answer for GET \/long/);
  const upload = await fetch(`${server.getUrl()}/upload`, { method: "POST", body: "y".repeat(100) });
  assert.equal(upload.status, 404);
  await upload.text();
});
