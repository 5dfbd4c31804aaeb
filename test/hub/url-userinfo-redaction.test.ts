/**
 * A service's base URL with credentials the URL parser takes but the redaction missed, met where a
 * user reads them: `crossipc journal` (text and `--json`), the HAR, `/__crossipc/api/state` and
 * the hub's stderr, from the built CLI under Node and Deno (with only `--allow-net=127.0.0.1`).
 * - a password holding a raw space (`http://svc:pa ss@host`) was shown whole;
 * - a user name alone (`https://TOKEN@host`, as GitHub takes a token) was shown;
 * - a pathless URL in a query value followed by an `@` (`?next=http://h:1&mail=a@b`) lost
 *   `1&mail=a` to `[redacted]`, though it holds no secret.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import process from "node:process";
import { test } from "node:test";
import WebSocket from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { deadPort } from "../matrix/_backend.ts";
import type { Runtime } from "../matrix/_spawn.ts";
import { ENTRY, runToEnd, startJsonHub } from "./_cli.ts";

const PASSWORD = "pa ss-w0rd";
const TOKEN = "ghp_T0kenOnly4567";
const QUERY = "next=http://127.0.0.1:1&mail=ops@example.com";

for (const runtime of ["node", "deno"] as Runtime[]) {
  test(`${runtime}: a spaced password and a token as user name read [redacted]; a query's URL and address stay whole`, async (t) => {
    const { port, stderr } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1"]);
    const dead = await deadPort();
    const service = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=userinfo`);
    await once(service, "open");
    t.after(() => service.close());
    const entries = [
      { api: "spaced", baseUrl: `http://svc:${PASSWORD}@127.0.0.1:${dead}`, pathPrefix: "/spaced" },
      { api: "token", baseUrl: `http://${TOKEN}@127.0.0.1:${dead}`, pathPrefix: "/token" },
      { api: "plain", baseUrl: `http://127.0.0.1:${dead}`, pathPrefix: "/plain" },
    ];
    service.send(`r:1:discovery/register:${JSON.stringify(entries)}`);
    assert.equal(String((await once(service, "message"))[0]), 's:1:discovery/register:{"success":true}');

    const hub = `http://127.0.0.1:${port}`;
    for (const path of ["/spaced/items", "/token/items", `/plain/go?${QUERY}`]) {
      const response = await fetch(`${hub}${path}`);
      await response.text();
      assert.equal(response.status, 502, path);
    }
    const journal = await runToEnd(process.execPath, [ENTRY, "journal", "--port", String(port)], process.env, 30_000);
    const journalJson = await runToEnd(process.execPath, [ENTRY, "journal", "--port", String(port), "--json"], process.env, 30_000);
    assert.equal(journal.status, 0, journal.stderr);
    assert.equal(journalJson.status, 0, journalJson.stderr);
    const har = await (await fetch(`${hub}/__crossipc/api/journal.har`)).text();
    const state = await (await fetch(`${hub}/__crossipc/api/state`)).text();
    const seen: Array<[string, string]> = [
      ["crossipc journal", journal.stdout],
      ["crossipc journal --json", journalJson.stdout],
      ["the HAR", har],
      ["/__crossipc/api/state", state],
    ];
    for (const [where, text] of [...seen, ["the hub's stderr", stderr()]] as Array<[string, string]>) {
      assert.ok(!text.includes("pa ss") && !text.includes("pa%20ss") && !text.includes("ss-w0rd"), `${where} shows the password: ${text}`);
      assert.ok(!text.includes(TOKEN), `${where} shows the token: ${text}`);
    }
    for (const [where, text] of seen) {
      assert.ok(text.includes(`svc:[redacted]@127.0.0.1:${dead}`), `${where}: ${text}`);
      assert.ok(text.includes(`http://[redacted]@127.0.0.1:${dead}`), `${where}: ${text}`);
    }
    // The request that carried no secret is shown as sent: its path in the journal and the HAR, its target too.
    for (const [where, text] of seen.slice(0, 3)) assert.ok(text.includes(`/plain/go?${QUERY}`), `${where}: ${text}`);
    assert.ok(journalJson.stdout.includes(`127.0.0.1:${dead}/plain/go?${QUERY}`), journalJson.stdout);
  });
}
