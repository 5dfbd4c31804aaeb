/**
 * `crossipc hub` (the built CLI) under node, bun and deno with a service registered at the hub's
 * own port spelled as an IPv4-mapped IPv6 address (`http://[::ffff:127.0.0.1]:PORT`, which a socket
 * dials as 127.0.0.1): the hub answers 508 at once, as for `127.0.0.1` or `localhost`. It forwarded
 * each request to itself until the head passed 16 KiB: one request made 1,000 hops in 5 s on Node
 * and Deno (431, and the journal's whole ring taken by the one request), and a 504 after 30 s on Bun.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";

for (const runtime of RUNTIMES) {
  test(`${runtime}: a service registered at the hub's own port as [::ffff:127.0.0.1] gets 508, for HTTP and WebSocket, in one hop`, async (t) => {
    // The README's permissions for a hub under Deno.
    const { port } = await startJsonHub(t, runtime, ["--allow-net", "--allow-env"]);
    const url = `http://127.0.0.1:${port}`;

    const service = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=mapped`);
    await once(service, "open");
    service.send(`r:1:discovery/register:${JSON.stringify([{ api: "mapped", baseUrl: `http://[::ffff:127.0.0.1]:${port}`, pathPrefix: "/mapped" }])}`);
    const [answer] = (await once(service, "message")) as [Buffer];
    assert.equal(String(answer), "s:1:discovery/register:{\"success\":true}");

    const response = await fetch(`${url}/mapped/x`);
    const body = (await response.json()) as { error: string };
    assert.equal(response.status, 508, JSON.stringify(body).slice(0, 300));
    assert.match(body.error, /^Proxy loop: http:\/\/\[::ffff:127\.0\.0\.1\]:\d+\/mapped\/x is this hub/);
    const journal = (await (await fetch(`${url}/__crossipc/api/journal?path=/mapped/x`)).json()) as { entries: unknown[] };
    assert.equal(journal.entries.length, 1, "the request came back to the hub");

    const ws = new WebSocket(`ws://127.0.0.1:${port}/mapped/socket`);
    const status = await new Promise<number>((resolve, reject) => {
      ws.on("unexpected-response", (_request, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => reject(new Error("opened")));
      ws.on("error", () => undefined);
    });
    assert.equal(status, 508);
    service.close();
  });
}
