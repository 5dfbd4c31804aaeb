/** Headers whose value is a URL (`referer`, `location`) read without the secrets the URL carries, wherever the journal is read. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startServer } from "./_helpers.ts";

test("a token in a Referer or Location URL, or a password in one, reads [redacted] in entries and HAR; redact: false shows them", async (t) => {
  for (const redact of [undefined, false] as const) {
    const server = await startServer(t, { journal: redact === false ? { redact: false } : {} });
    server.interceptRequest("GET", "/login", () => new Response(null, { status: 302, headers: { location: "http://127.0.0.1/next?token=s3cret-next&page=2" } }));
    const response = await fetch(`${server.getUrl()}/login`, { redirect: "manual", headers: { referer: "http://me:s3cret-pw@127.0.0.1/from?access_token=s3cret-ref" } });
    assert.equal(response.status, 302);
    await server.journal.waitFor({ path: "/login" }, 2000);
    const [entry] = server.journal.entries({ path: "/login" });
    const har = JSON.stringify(server.journal.toHAR());
    if (redact === false) {
      assert.equal(entry!.responseHeaders!["location"], "http://127.0.0.1/next?token=s3cret-next&page=2");
      assert.match(har, /s3cret-ref/);
      continue;
    }
    assert.equal(entry!.responseHeaders!["location"], "http://127.0.0.1/next?token=[redacted]&page=2");
    assert.equal(entry!.requestHeaders!["referer"], "http://me:[redacted]@127.0.0.1/from?access_token=[redacted]");
    assert.doesNotMatch(har, /s3cret/);
    assert.match(har, /"redirectURL":"http:\/\/127\.0\.0\.1\/next\?token=\[redacted\]&page=2"/);
  }
});
