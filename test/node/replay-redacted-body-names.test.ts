/**
 * A recording made on a hub whose journal redacts more names (`journal: { redact: ["x-signing-key"] }`)
 * replays on a hub set up the same way, bodies included: the recorded JSON and form bodies read
 * `"x-signing-key":"[redacted]"`, and a live request was compared with them redacted with the
 * default names only (and those its queries show), so it matched nothing (a 404, or the live
 * service) although the recording shows the name redacted. The hub's own replay and a test
 * process's (`mocks.replay`) alike.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startBackend, startServer } from "./_helpers.ts";

const OPTIONS = { journal: { bodies: true, redact: ["X-Signing-Key"] } };
const REQUESTS = [
  { type: "application/json", body: (key: string) => JSON.stringify({ order: 7, "x-signing-key": key }) },
  { type: "application/x-www-form-urlencoded", body: (key: string) => `order=8&x-signing-key=${key}` },
];

async function record(t: Parameters<typeof startServer>[0]) {
  let count = 0;
  const backend = await startBackend(t, (_request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ answer: ++count }));
  });
  const recorder = await startServer(t, OPTIONS);
  recorder.setRouteProxyResolver(() => backend.url);
  const live: string[] = [];
  for (const { type, body } of REQUESTS) {
    live.push(await (await fetch(`${recorder.getUrl()}/sign`, { method: "POST", headers: { "content-type": type }, body: body("recorded-key-1") })).text());
  }
  return { har: recorder.journal.toHAR(), live };
}

for (const where of ["server.replay", "mocks.replay"] as const) {
  test(`${where}: a body with a name the journal adds to redact matches its recording, whatever the secret`, async (t) => {
    const { har, live } = await record(t);
    const text = JSON.stringify(har);
    assert.doesNotMatch(text, /recorded-key/, "the recording holds no secret");
    assert.match(text, /x-signing-key=\[redacted\]/);

    const replayer = await startServer(t, OPTIONS);
    if (where === "server.replay") replayer.replay(har, { onMiss: "404" });
    else {
      const mocks = await connectMocks(replayer.getPort());
      t.after(() => mocks.close());
      await mocks.replay(har, { onMiss: "404" });
    }
    const again: string[] = [];
    for (const { type, body } of REQUESTS) {
      const response = await fetch(`${replayer.getUrl()}/sign`, { method: "POST", headers: { "content-type": type }, body: body("live-key-2") });
      assert.equal(response.status, 200, `${type}: ${await response.clone().text()}`);
      again.push(await response.text());
    }
    assert.deepEqual(again, live);
    // The other fields still have to be equal.
    const other = await fetch(`${replayer.getUrl()}/sign`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ order: 9, "x-signing-key": "live-key-2" }) });
    assert.equal(other.status, 404);
    await other.text();
  });
}
