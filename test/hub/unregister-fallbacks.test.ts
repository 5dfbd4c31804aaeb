/**
 * `discovery/unregister`'s fallbacks on a hub process under Bun and Deno, from hand-written
 * grest-ts frames (test/node/hub-unregister-fallbacks.test.ts has each branch on Node): a service
 * that unregisters with another URL than it registered (`localhost` for `127.0.0.1`) loses its own
 * instance, another process's replica keeps taking requests; an unregister of a baseUrl no
 * instance has removes the api, as grest-ts did. Before, both removed nothing.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import WebSocket from "ws";
import { startEchoService } from "../fixtures/_echoService.ts";
import { start, type Runtime } from "../matrix/_spawn.ts";

const FRAMEWORK = "/__ggFrameworkConnection";

for (const runtime of ["bun", "deno"] as Runtime[]) {
  test(`${runtime} hub: unregister falls back to the sender's own instances, then to every instance of the api`, async (t) => {
    const hub = start(runtime, "test/fixtures/service-hub.ts");
    t.after(() => hub.proc.kill("SIGKILL"));
    const { port } = await hub.nextJson<{ port: number }>(60_000, "the hub's port");
    const url = `http://127.0.0.1:${port}`;
    const a = await startEchoService("a");
    const b = await startEchoService("b");
    t.after(() => Promise.all([a.close(), b.close()]));

    const first = await answered(`ws://127.0.0.1:${port}${FRAMEWORK}?runtimeId=a`);
    const second = await answered(`ws://127.0.0.1:${port}${FRAMEWORK}?runtimeId=b`);
    const cleaner = await answered(`ws://127.0.0.1:${port}${FRAMEWORK}?runtimeId=cleaner`);
    t.after(() => [first, second, cleaner].forEach((socket) => socket.close()));
    assert.equal(await first.request(`r:1:discovery/register:[{"api":"users","baseUrl":"${a.url}","pathPrefix":"/users"}]`), 's:1:discovery/register:{"success":true}');
    assert.equal(await second.request(`r:1:discovery/register:[{"api":"users","baseUrl":"${b.url}","pathPrefix":"/users"}]`), 's:1:discovery/register:{"success":true}');

    const localhost = a.url.replace("127.0.0.1", "localhost");
    assert.equal(await first.request(`r:2:discovery/unregister:[{"api":"users","baseUrl":"${localhost}","pathPrefix":"/users"}]`), 's:2:discovery/unregister:{"success":true}');
    for (let i = 0; i < 4; i++) {
      const body = (await (await fetch(`${url}/users/${i}`)).json()) as { service: string };
      assert.equal(body.service, "b", `request ${i} went to ${body.service}`);
    }

    assert.equal(await cleaner.request('r:1:discovery/unregister:[{"api":"users","baseUrl":"http://127.0.0.1:1","pathPrefix":"/users"}]'), 's:1:discovery/unregister:{"success":true}');
    assert.equal(
      await cleaner.request('r:2:discovery/discoverApi:"users"'),
      `s:2:discovery/discoverApi:{"success":true,"data":{"success":false,"error":"Service 'users' is not registered! Did you forget to start it?"}}`,
    );
    const gone = await fetch(`${url}/users/1`);
    await gone.text();
    assert.equal(gone.status, 404);
  });
}

/** A framework connection that sends one frame and waits for the answer. */
async function answered(address: string) {
  const ws = new WebSocket(address);
  await once(ws, "open");
  return {
    async request(frame: string): Promise<string> {
      ws.send(frame);
      return String((await once(ws, "message"))[0]);
    },
    close: () => ws.close(),
  };
}
