/**
 * A service may register a base URL with a password in it (`http://user:secret@host`): what the
 * hub shows of it — 502 answers, the journal, /__crossipc/api/state, its log — reads `[redacted]`
 * in the password's place.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { once } from "node:events";
import { test } from "node:test";
import { ServiceHub } from "../../adapters/node.ts";
import { deadPort } from "./_helpers.ts";

test("a password in a service's base URL is not shown in 502s, the journal, the state API or the log", async (t) => {
  const port = await deadPort();
  const lines: string[] = [];
  const keep = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  const hub = new ServiceHub(0, { dashboard: true, logger: { warn: keep, error: keep, info: keep, debug: keep } });
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  hub.addRoute({ api: "svc", baseUrl: `http://svcuser:s3cret-pw@127.0.0.1:${port}`, pathPrefix: "/svc" });

  const response = await fetch(`${hub.getUrl()}/svc/items`);
  assert.equal(response.status, 502);
  const body = await response.text();
  assert.match(body, /svcuser:\[redacted\]@127\.0\.0\.1/);

  // A proxied WebSocket upgrade to the same service: the hub's own 502.
  const upgrade = connect(hub.getPort(), "127.0.0.1");
  upgrade.write(
    "GET /svc/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
  );
  let answer = "";
  upgrade.on("data", (bytes) => (answer += bytes.toString("latin1")));
  await once(upgrade, "close");
  assert.match(answer, /^HTTP\/1\.1 502 /);

  const state = await (await fetch(`${hub.getUrl()}/__crossipc/api/state`)).text();
  assert.match(state, /svcuser:\[redacted\]@/);
  const entries = JSON.stringify(hub.server.journal.entries());
  assert.match(entries, /svcuser:\[redacted\]@/);
  for (const [where, text] of [["the 502 body", body], ["the upgrade's 502", answer], ["the state API", state], ["the journal", entries], ["the log", lines.join("\n")]]) {
    assert.doesNotMatch(text!, /s3cret-pw/, `${where} shows the password: ${text}`);
  }
  assert.ok(lines.some((line) => line.includes("svcuser:[redacted]@")), lines.join("\n"));
});

test("a password holding an @, or a user name holding one, is redacted whole, as a URL parser splits the userinfo", async (t) => {
  const port = await deadPort();
  const hub = new ServiceHub(0, { dashboard: true });
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  // The URL parser takes the userinfo up to the last `@` before the path, and the password after the first `:`.
  for (const [prefix, userinfo, user] of [
    ["/at-in-password", "svcuser:s3cret@pw@", "svcuser"],
    ["/at-in-user", "svc@user:s3cret-pw@", "svc@user"],
  ] as const) {
    hub.addRoute({ api: prefix.slice(1), baseUrl: `http://${userinfo}127.0.0.1:${port}`, pathPrefix: prefix });
    const response = await fetch(`${hub.getUrl()}${prefix}/items`);
    assert.equal(response.status, 502);
    const body = await response.text();
    const state = await (await fetch(`${hub.getUrl()}/__crossipc/api/state`)).text();
    const entries = JSON.stringify(hub.server.journal.entries({ path: `${prefix}/*` }));
    for (const [where, text] of [["the 502 body", body], ["the state API", state], ["the journal", entries]] as const) {
      assert.ok(text.includes(`${user}:[redacted]@127.0.0.1`), `${where}: ${text}`);
      assert.doesNotMatch(text, /s3cret|pw@127/, `${where} shows part of the password: ${text}`);
    }
  }
});
