/**
 * The hub's `Via` entry (src/server/_via.ts): what counts as this hub's entry in a request's `Via`,
 * and the path a fault on the frames takes (the crossws relay instead of the byte pipe), which the
 * CLI tests (test/hub/proxy-via-loop.test.ts) do not reach.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import { ServiceHub } from "../../adapters/node.ts";
import { viaEntry, viaForwarded, viaHolds } from "../../src/server/_via.ts";
import { upgradeStatus } from "./_helpers.ts";

test("viaHolds: the hub's entry as a whole entry, anywhere in the list, and nothing that merely contains it", () => {
  const own = "1.1 crossipc-0123456789ab";
  for (const via of [own, `1.0 corp, ${own}`, `${own}, 1.1 crossipc-ba9876543210`, `1.0 a,${own}`, `1.0 a ,\t ${own} (a comment)`, `1.0 a, ${own}\t`]) {
    assert.equal(viaHolds(via, own), true, via);
  }
  for (const via of ["", "1.1 crossipc-0123456789ab0", "1.1 crossipc-0123456789a", "HTTP/1.1 crossipc-0123456789ab", "1.0 a (1.1 crossipc-0123456789ab)", "1.1 crossipc-ba9876543210", "x1.1 crossipc-0123456789ab"]) {
    assert.equal(viaHolds(via, own), false, via);
  }
});

test("viaHolds over a hostile 16 KiB Via of near misses: false, and true once the entry ends it", () => {
  const own = viaEntry();
  const nearMisses = Array.from({ length: 16 * 1024 / (own.length + 3) }, () => `${own}0`).join(", ");
  assert.ok(nearMisses.length > 15 * 1024);
  assert.equal(viaHolds(nearMisses, own), false);
  assert.equal(viaHolds(`${nearMisses}, ${own}`, own), true);
  assert.equal(viaHolds(" ".repeat(16 * 1024) + own, own), true);
});

test("viaEntry: a fresh random id each time (a hub restarted is another hop); viaForwarded appends it", () => {
  const [one, two] = [viaEntry(), viaEntry()];
  assert.match(one, /^1\.1 crossipc-[0-9a-f]{12}$/);
  assert.notEqual(one, two);
  assert.equal(viaForwarded(null, one), one);
  assert.equal(viaForwarded("1.0 corp", one), `1.0 corp, ${one}`);
});

async function started(t: { after(fn: () => unknown): void }): Promise<ServiceHub> {
  const hub = new ServiceHub(0);
  await hub.start();
  t.after(() => hub.teardown());
  return hub;
}

test("a frame fault (the relay, not the pipe): A → B → service carries both entries, and A ↔ B ends at once", async (t) => {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  t.after(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const vias: string[] = [];
  wss.on("connection", (ws, req) => {
    vias.push(String(req.headers.via));
    ws.close();
  });
  const a = await started(t);
  const b = await started(t);
  b.addRoute({ api: "svc", baseUrl: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`, pathPrefix: "/svc" });
  a.addRoute({ api: "svc", baseUrl: b.getUrl(), pathPrefix: "/svc" });
  a.addRoute({ api: "x", baseUrl: b.getUrl(), pathPrefix: "/x" });
  b.addRoute({ api: "x", baseUrl: a.getUrl(), pathPrefix: "/x" });
  // A fault that acts on the frames makes A relay messages through crossws (UpstreamRelay).
  a.server.fault({ path: "/svc/socket" }, { latency: 1 });
  a.server.fault({ path: "/x/socket" }, { latency: 1 });

  assert.equal(await upgradeStatus(`${a.getUrl().replace("http", "ws")}/svc/socket`), 101);
  const entries = vias.at(-1)!.split(", ");
  assert.equal(entries.length, 2, vias.at(-1));
  for (const entry of entries) assert.match(entry, /^1\.1 crossipc-[0-9a-f]{12}$/);
  assert.notEqual(entries[0], entries[1]);

  // A's relay hears B's answer (A's own 508, piped back) as a failed dial: the client gets a 502 naming it.
  const status = await upgradeStatus(`${a.getUrl().replace("http", "ws")}/x/socket`);
  assert.equal(status, 502);
  const onA = a.server.journal.entries({ path: "/x/socket" });
  const onB = b.server.journal.entries({ path: "/x/socket" });
  assert.ok(onA.length <= 4 && onB.length <= 4, `A: ${onA.length} entries, B: ${onB.length}`);
  assert.ok(onA.some((entry) => entry.status === 508 && /has been through this hub already/.test(entry.error ?? "")), JSON.stringify(onA));
  assert.ok(onA.some((entry) => entry.status === 502 && /Unexpected server response: 508/.test(entry.error ?? "")), JSON.stringify(onA));
});

test("a base path that leads back into the same prefix on the same hub (/users → hub/users) ends at the second turn with 508", async (t) => {
  const hub = await started(t);
  hub.addRoute({ api: "users", baseUrl: `${hub.getUrl()}/users`, pathPrefix: "/users" });
  const response = await fetch(`${hub.getUrl()}/users/1`);
  const text = await response.text();
  assert.equal(response.status, 508, text.slice(0, 300));
  const body = JSON.parse(text) as { error: string; target: string };
  assert.match(body.error, /^Proxy loop: the request to http:\/\/127\.0\.0\.1:\d+\/users\/users\/users\/1 has been through this hub already/);
  assert.deepEqual(hub.server.journal.entries({}).map((entry) => [entry.path, entry.status]).sort(), [["/users/1", 508], ["/users/users/1", 508]]);
});
