/**
 * The hub's own access token (and its dashboard key) reads `[redacted]` in the journal under any
 * name, not only under the query name `token`/`access_token` and the credential headers: a test
 * that hands the same secret to a service as `?key=T`, `x-access-token: T` or in a path showed it
 * in entries, the HAR export, the dashboard API and so `crossipc journal` (a HAR is a file that
 * gets shared). Credential headers and cookies stay redacted by default (SPEC §11), and
 * `redact: false` shows every value, as SPEC says. Bodies are kept as sent (README).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCServer } from "../../adapters/node.ts";
import { startBackend } from "./_helpers.ts";

const TOKEN = "hub-access-token+0123/456=";
const FORMS = [TOKEN, encodeURIComponent(TOKEN), new URLSearchParams({ t: TOKEN }).toString().slice(2)];

async function hubWithBackend(t: { after(fn: () => unknown): void }, journal?: { redact: false }) {
  const backend = await startBackend(t, (_request, response) => {
    response.setHeader("x-echo-token", TOKEN);
    response.setHeader("set-cookie", `session=${TOKEN}`);
    response.end("{}");
  });
  const hub = new IPCServer(0, { accessToken: TOKEN, dashboard: true, ...(journal && { journal }) });
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  hub.setRouteProxyResolver((path) => (path.startsWith("/svc/") ? backend.url : undefined));
  const requests: Array<[string, Record<string, string>]> = [
    [`/svc/a?key=${encodeURIComponent(TOKEN)}`, {}],
    [`/svc/b?api_key=${new URLSearchParams({ t: TOKEN }).toString().slice(2)}`, {}],
    [`/svc/files/${encodeURIComponent(TOKEN)}`, {}],
    ["/svc/c", { "x-access-token": TOKEN }],
    ["/svc/d", { authorization: `Bearer ${TOKEN}`, cookie: `session=${TOKEN}` }],
    ["/svc/e", { referer: `http://127.0.0.1/page?k=${encodeURIComponent(TOKEN)}` }],
  ];
  for (const [path, headers] of requests) assert.equal((await fetch(`${hub.getUrl()}${path}`, { headers })).status, 200, path);
  return hub;
}

function shows(text: string): boolean {
  return FORMS.some((form) => text.includes(form));
}

test("the hub's token reads [redacted] under any name in entries, the HAR and the dashboard API", async (t) => {
  const hub = await hubWithBackend(t);
  const entries = hub.journal.entries();
  assert.equal(entries.length, 6);
  for (const entry of entries) assert.ok(!shows(JSON.stringify(entry)), JSON.stringify(entry));
  assert.deepEqual(entries.map((entry) => entry.path), ["/svc/a?key=[redacted]", "/svc/b?api_key=[redacted]", "/svc/files/[redacted]", "/svc/c", "/svc/d", "/svc/e"]);
  assert.equal(entries[3]!.requestHeaders!["x-access-token"], "[redacted]");
  assert.equal(entries[0]!.responseHeaders!["x-echo-token"], "[redacted]");
  // The credential headers and cookies as SPEC §11 names them, by default.
  assert.equal(entries[4]!.requestHeaders!["authorization"], "[redacted]");
  assert.equal(entries[4]!.requestHeaders!["cookie"], "[redacted]");
  assert.equal(entries[4]!.responseHeaders!["set-cookie"], "[redacted]");
  assert.ok(!shows(JSON.stringify(hub.journal.toHAR())));
  const headers = { authorization: `Bearer ${TOKEN}` };
  for (const api of ["/__crossipc/api/journal", "/__crossipc/api/journal.har"]) {
    const response = await fetch(`${hub.getUrl()}${api}`, { headers });
    assert.equal(response.status, 200, api);
    const text = await response.text();
    assert.match(text, /svc\/files\/\[redacted\]/, api);
    assert.ok(!shows(text), `${api}: ${text}`);
  }
  // A filter matches what is shown: it cannot guess the token.
  assert.equal(hub.journal.entries({ path: `*${TOKEN.slice(0, 10)}*` }).length, 0);
});

test("redact: false shows the token where it was sent, as SPEC says", async (t) => {
  const hub = await hubWithBackend(t, { redact: false });
  const entries = hub.journal.entries();
  assert.equal(entries[0]!.path, `/svc/a?key=${encodeURIComponent(TOKEN)}`);
  assert.equal(entries[3]!.requestHeaders!["x-access-token"], TOKEN);
});
