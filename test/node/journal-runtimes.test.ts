/**
 * The journal on hubs in Node, Bun and Deno (real processes): two Set-Cookie headers are both
 * kept, credential headers read [redacted] (API keys, tokens and passwords under their common
 * names too, in entries and the HAR, where they were shown as sent), and headers named
 * `__proto__` or `constructor` stay headers in entries and in what legacy intercept handlers get.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { test } from "node:test";
import type { JournalEntry } from "../../adapters/node.ts";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";
import { startBackend } from "./_helpers.ts";

/** Headers and query parameters that carry credentials under common names, beyond SPEC §11's four. */
const SECRET_HEADERS = ["x-api-key", "api-key", "x-auth-token", "x-access-token", "x-amz-security-token"];
const SECRET_QUERY = ["api_key", "apikey", "password", "passwd", "secret", "client_secret", "refresh_token", "id_token"];

/** A raw request, so that header names no fetch() would send reach the hub. */
async function rawGet(port: number, path: string, headers: string): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}Connection: close\r\n\r\n`);
  let text = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
  await once(socket, "close");
  return text.slice(text.indexOf("\r\n\r\n") + 4);
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: the journal keeps both Set-Cookie headers, redacts them by default, and keeps odd header names`, { timeout: 120_000 }, async (t) => {
    const backend = await startBackend(t, (_req, res) => {
      res.setHeader("set-cookie", ["c=3; Path=/", "d=4; Path=/"]);
      res.end("backend");
    });
    const hubs = [start(runtime, "test/fixtures/journal-hub.ts", ["--backend", backend.url]), start(runtime, "test/fixtures/journal-hub.ts", ["--backend", backend.url, "--redact", "false"])];
    t.after(() => hubs.forEach((hub) => hub.proc.kill("SIGKILL")));
    const [redacting, open] = await Promise.all(hubs.map(async (hub) => (await hub.nextJson(60_000, "the port")).port as number));

    for (const port of [redacting!, open!]) {
      const base = `http://127.0.0.1:${port}`;
      assert.equal(await (await fetch(`${base}/cookies`)).text(), "two cookies");
      assert.equal(await (await fetch(`${base}/api/x`, { headers: { cookie: "s=1", authorization: "Bearer b" } })).text(), "backend");
      const seen = JSON.parse(await rawGet(port, "/headers", "__proto__: evil\r\nconstructor: c\r\n"));
      if (runtime !== "node") assert.deepEqual(seen, { nullPrototype: true, proto: "evil", constructorType: "string" }, "the legacy handler's headers");
    }
    const entries = async (port: number) =>
      ((await (await fetch(`http://127.0.0.1:${port}/__crossipc/api/journal`)).json()) as { entries: JournalEntry[] }).entries;
    const byPath = (list: JournalEntry[], path: string) => list.find((e) => e.path === path)!;

    const shown = await entries(open!);
    assert.equal(byPath(shown, "/cookies").responseHeaders!["set-cookie"], "a=1; Path=/\nb=2; Path=/");
    assert.equal(byPath(shown, "/api/x").responseHeaders!["set-cookie"], "c=3; Path=/\nd=4; Path=/");
    assert.equal(byPath(shown, "/api/x").requestHeaders!["cookie"], "s=1");
    const odd = byPath(shown, "/headers").requestHeaders!;
    assert.equal(odd["__proto__"], "evil");
    assert.equal(odd["constructor"], "c");

    // API keys, tokens and passwords under their common names read [redacted] by default, in entries and
    // in the HAR; short generic names (`code`, `key`) are kept (src/server/_redact.ts says why).
    const keysPath = `/api/keys?${SECRET_QUERY.map((name, i) => `${name}=s3cret-q${i}`).join("&")}&code=US&key=theme`;
    assert.equal(await (await fetch(`http://127.0.0.1:${redacting!}${keysPath}`, { headers: Object.fromEntries(SECRET_HEADERS.map((name, i) => [name, `s3cret-h${i}`])) })).text(), "backend");
    const keys = (await entries(redacting!)).find((e) => e.path.startsWith("/api/keys"))!;
    assert.equal(keys.path, `/api/keys?${SECRET_QUERY.map((name) => `${name}=[redacted]`).join("&")}&code=US&key=theme`);
    for (const name of SECRET_HEADERS) assert.equal(keys.requestHeaders![name], "[redacted]", name);
    const har = await (await fetch(`http://127.0.0.1:${redacting!}/__crossipc/api/journal.har`)).text();
    assert.match(har, /code=US&key=theme/);
    assert.doesNotMatch(har, /s3cret-/, "the HAR shows none of the secrets");

    const hidden = await entries(redacting!);
    assert.equal(byPath(hidden, "/cookies").responseHeaders!["set-cookie"], "[redacted]");
    assert.equal(byPath(hidden, "/api/x").responseHeaders!["set-cookie"], "[redacted]");
    assert.equal(byPath(hidden, "/api/x").requestHeaders!["cookie"], "[redacted]");
    assert.equal(byPath(hidden, "/api/x").requestHeaders!["authorization"], "[redacted]");

    for (const hub of hubs) {
      hub.proc.stdin.end();
      assert.equal(await waitExit(hub, 15_000, "exit after teardown"), 0, hub.stderr());
    }
  });
}
