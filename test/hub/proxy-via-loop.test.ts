/**
 * Two hubs whose services point at each other (A's `/x` is B's URL, B's `/x` is A's), as the built
 * CLI under node, bun and deno: a request no target shows as a loop comes back to A holding A's
 * `Via` entry, and A answers 508. Before, it went round until its head passed 16 KiB: 431 after
 * ~740 turns through each Node or Deno hub (3–4.5 s, the journals' rings taken by it), 504 at
 * `proxyTimeout` (30 s) on Bun. And a request legitimately forwarded through two hubs
 * (A → B → service) reaches the service with both hubs' entries, over HTTP and WebSocket.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { test, type TestContext } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { RUNTIMES, type Runtime } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";
import { upgradeStatus } from "../node/_helpers.ts";

/** The README's permissions for a hub under Deno. */
const DENO_PERMISSIONS = ["--allow-net", "--allow-env"];

/** A hub's entry, as `Via` carries it. */
const HUB_ENTRY = /^1\.1 crossipc-[0-9a-f]{12}$/;

async function hub(t: TestContext, runtime: Runtime): Promise<string> {
  const { port } = await startJsonHub(t, runtime, DENO_PERMISSIONS);
  return `http://127.0.0.1:${port}`;
}

/** Registers a service the way a framework client does; the connection is kept for the test (its routes go with it). */
async function register(t: TestContext, hubUrl: string, api: string, baseUrl: string): Promise<void> {
  const service = new WebSocket(`${hubUrl.replace("http", "ws")}${INTERNAL_SOCKET_PATH}?runtimeId=${api}-${Math.random().toString(36).slice(2)}`);
  t.after(() => service.close());
  await once(service, "open");
  service.send(`r:1:discovery/register:${JSON.stringify([{ api, baseUrl, pathPrefix: `/${api}` }])}`);
  const [answer] = (await once(service, "message")) as [Buffer];
  assert.equal(String(answer), 's:1:discovery/register:{"success":true}');
}

async function journal(hubUrl: string, path: string): Promise<Array<{ status: number; error?: string }>> {
  return ((await (await fetch(`${hubUrl}/__crossipc/api/journal?path=${path}`)).json()) as { entries: Array<{ status: number; error?: string }> }).entries;
}

/** Hubs A and B under `runtime`, each with the service `/x` at the other's URL. */
async function hubsPointingAtEachOther(t: TestContext, runtime: Runtime): Promise<[string, string]> {
  const a = await hub(t, runtime);
  const b = await hub(t, runtime);
  await register(t, a, "x", b);
  await register(t, b, "x", a);
  return [a, b];
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: two hubs whose services point at each other answer an HTTP request 508 at once, two journal entries on one, one on the other`, async (t) => {
    const [a, b] = await hubsPointingAtEachOther(t, runtime);
    const response = await fetch(`${a}/x/1?token=s3cret`);
    const text = await response.text();
    assert.equal(response.status, 508, text.slice(0, 300));
    const body = JSON.parse(text) as { error: string; target: string };
    assert.match(body.error, /^Proxy loop: the request to http:\/\/127\.0\.0\.1:\d+\/x\/1\?token=\[redacted\] has been through this hub already/);
    assert.equal(body.target, `${b}/x/1?token=[redacted]`);
    // A forwarded it to B, B back to A, which refused it: B's entry is the 508 passed back.
    const [onA, onB] = [await journal(a, "/x/1"), await journal(b, "/x/1")];
    assert.deepEqual(onA.map((entry) => entry.status), [508, 508], "A: the client's request and the one that came back");
    assert.deepEqual(onB.map((entry) => entry.status), [508], "B: the request A forwarded");
    assert.equal(onA.filter((entry) => /has been through this hub already/.test(entry.error ?? "")).length, 1, JSON.stringify(onA));
  });

  test(`${runtime}: two hubs whose services point at each other answer a WebSocket upgrade 508 at once, a few journal entries each`, async (t) => {
    const [a, b] = await hubsPointingAtEachOther(t, runtime);
    assert.equal(await upgradeStatus(`${a.replace("http", "ws")}/x/socket`), 508);
    const [onA, onB] = [await journal(a, "/x/socket"), await journal(b, "/x/socket")];
    assert.ok(onA.length <= 4 && onB.length <= 4, `A: ${onA.length} entries, B: ${onB.length}`);
    assert.ok(onA.some((entry) => entry.status === 508 && /has been through this hub already/.test(entry.error ?? "")), JSON.stringify(onA));
  });
}

/** A service that notes the `Via` of each HTTP request and WebSocket upgrade. */
async function viaService(t: TestContext): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    res.end("ok");
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws, req) => {
    seen.push(req.headers);
    ws.close();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    for (const client of wss.clients) client.terminate();
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

for (const [first, second] of RUNTIMES.map((runtime, i) => [runtime, RUNTIMES[(i + 1) % RUNTIMES.length]!] as const)) {
  test(`${first} hub → ${second} hub → service: the service answers, and sees both hubs in Via (HTTP and WebSocket)`, async (t) => {
    const service = await viaService(t);
    const a = await hub(t, first);
    const b = await hub(t, second);
    await register(t, b, "svc", service.url);
    await register(t, a, "svc", b);

    const response = await fetch(`${a}/svc/1`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "ok");
    assert.equal(response.headers.get("via"), null, "the answer gets no Via");
    const entries = String(service.seen.at(-1)!.via).split(", ");
    assert.equal(entries.length, 2, String(service.seen.at(-1)!.via));
    for (const entry of entries) assert.match(entry, HUB_ENTRY);
    assert.notEqual(entries[0], entries[1], "each hub has an entry of its own");

    // A proxy in front of A is kept first, as RFC 9110 §7.6.3 orders them.
    assert.equal((await fetch(`${a}/svc/2`, { headers: { via: "1.0 corp-proxy" } })).status, 200);
    assert.deepEqual(String(service.seen.at(-1)!.via).split(", "), ["1.0 corp-proxy", ...entries], "the same two hubs, after the client's proxy");

    assert.equal(await upgradeStatus(`${a.replace("http", "ws")}/svc/socket`, { via: "1.0 corp-proxy" }), 101);
    assert.deepEqual(String(service.seen.at(-1)!.via).split(", "), ["1.0 corp-proxy", ...entries], "the upgrade: the same entries");
  });
}
