/**
 * The hub's own token reads `[redacted]` in the bodies the journal shows too. The hub's answers
 * quote what a request came with — "No route for GET /files/T", "Proxy error:
 * http://127.0.0.1:…/svc?key=T is unreachable" — and a service may echo it: entries, the HAR
 * export and so `crossipc journal --har` held the token there (seen from the packed package:
 * `crossipc hub --token T --record`), where paths, URLs and headers redacted it. Other text in a
 * body is kept as sent, and `redact: false` keeps the token too.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCServer } from "../../adapters/node.ts";
import { deadPort, startBackend } from "./_helpers.ts";

const TOKEN = "hub-access-token+0123/456=";
const FORMS = [TOKEN, encodeURIComponent(TOKEN), new URLSearchParams({ t: TOKEN }).toString().slice(2)];

function shows(text: string): boolean {
  return FORMS.some((form) => text.includes(form));
}

async function hubWithBodies(t: { after(fn: () => unknown): void }, redact?: false): Promise<IPCServer> {
  const echo = await startBackend(t, (request, response) => response.end(`you sent ${request.url}`));
  const dead = `http://127.0.0.1:${await deadPort()}`;
  const hub = new IPCServer(0, { accessToken: TOKEN, journal: { bodies: true, ...(redact === false && { redact }) } });
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  hub.setRouteProxyResolver((path) => (path.startsWith("/down/") ? dead : path.startsWith("/echo/") ? echo.url : undefined));
  assert.equal((await fetch(`${hub.getUrl()}/files/${encodeURIComponent(TOKEN)}`)).status, 404);
  assert.equal((await fetch(`${hub.getUrl()}/down/x?key=${encodeURIComponent(TOKEN)}`)).status, 502);
  assert.equal((await fetch(`${hub.getUrl()}/echo/y?key=${encodeURIComponent(TOKEN)}`)).status, 200);
  return hub;
}

test("the hub's token reads [redacted] in the bodies of entries and of the HAR", async (t) => {
  const hub = await hubWithBodies(t);
  const entries = hub.journal.entries();
  assert.equal(entries.length, 3);
  for (const entry of entries) assert.ok(!shows(JSON.stringify(entry)), JSON.stringify(entry));
  assert.match(entries[0]!.responseBody!, /No route for GET \/files\/\[redacted\]/);
  assert.match(entries[1]!.responseBody!, /Proxy error: http:\/\/127\.0\.0\.1:\d+\/down\/x\?key=\[redacted\] is unreachable/);
  assert.equal(entries[2]!.responseBody, "you sent /echo/y?key=[redacted]");
  assert.ok(!shows(JSON.stringify(hub.journal.toHAR())));
});

test("redact: false keeps the token in bodies as sent", async (t) => {
  const hub = await hubWithBodies(t, false);
  const entries = hub.journal.entries();
  assert.equal(entries[2]!.responseBody, `you sent /echo/y?key=${encodeURIComponent(TOKEN)}`);
  assert.ok(shows(entries[1]!.responseBody!));
});
