/**
 * Secrets in request and answer bodies, in the journal and its HAR, on Node, Bun and Deno
 * (test/fixtures/body-secrets.ts; Deno with the README's `--allow-net=127.0.0.1`). Before, only
 * the hub's own token was redacted in a body: an OAuth token request's `password=` and
 * `client_secret=` (form-encoded), its answer's `access_token` and `refresh_token`, a JSON
 * login's and a `FormData` login's `password`, and the first part of a password the body limit cut, were all in the HAR.
 * Now they read `[redacted]` by the names queries are redacted by; `redact: false` shows them; a
 * replay of the redacted HAR still answers the token request (with any password), and still tells
 * apart a request whose other fields differ.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";

const R = "[redacted]";
const FORM = `grant_type=password&username=ann&password=${R}&client_id=app&client_secret=${R}`;
const TOKENS = `{"access_token":"${R}","token_type":"Bearer","expires_in":3600,"refresh_token":"${R}","scope":"read"}`;
const LOGIN = `{"user":{"name":"ann","password":"${R}"},"remember":true}`;
const NOTE = `{"username":"ann","note":"${"n".repeat(60)}","password":`;
/** A `FormData` body, its boundary as `B` and its line breaks as `|` (test/fixtures/body-secrets.ts). */
const MULTIPART = (password: string) => `--B|Content-Disposition: form-data; name="username"||ann|--B|Content-Disposition: form-data; name="password"||${password}|--B--`;

const EXPECTED = {
  redacted: [
    [FORM, TOKENS],
    [LOGIN, '{"ok":true}'],
    [`${NOTE}"${R}"}`, '{"ok":true}'],
    [MULTIPART(R), '{"ok":true}'],
  ],
  harPostData: [FORM, LOGIN, `${NOTE}"${R}"}`, MULTIPART(R)],
  harContent: [TOKENS, '{"ok":true}', '{"ok":true}', '{"ok":true}'],
  // Cut at 100 bytes in the middle of the password: none of it shows.
  cut: [FORM, LOGIN, `${NOTE}"${R}"`],
  cutTruncated: [false, false, true],
  noRedact: [
    [
      "grant_type=password&username=ann&password=hunter2-form&client_id=app&client_secret=cs-9f8e7d",
      '{"access_token":"at-5b4c3d2e","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-1a2b3c4d","scope":"read"}',
    ],
    ['{"user":{"name":"ann","password":"hunter2-json"},"remember":true}', '{"ok":true}'],
    [`${NOTE}"hunter2-cut-in-half-by-the-limit"}`, '{"ok":true}'],
    [MULTIPART("hunter2-multipart"), '{"ok":true}'],
  ],
  replayed: { multipart: 200, token: [200, TOKENS], otherClient: 404, login: [200, '{"ok":true}'] },
};

for (const runtime of RUNTIMES) {
  test(`${runtime}: passwords, client secrets and tokens in form and JSON bodies read [redacted] in the journal and its HAR, and the HAR still replays`, { timeout: 120_000 }, async (t) => {
    const child = start(runtime, "test/fixtures/body-secrets.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(() => child.proc.kill("SIGKILL"));
    const seen = await child.nextJson<typeof EXPECTED>(60_000, "what the journal showed");
    assert.deepEqual(seen, EXPECTED);
    assert.deepEqual(await child.nextJson(15_000, "done"), { done: true });
    assert.equal(await waitExit(child, 15_000, "exit"), 0, child.stderr());
  });
}
