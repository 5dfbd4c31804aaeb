/**
 * A listener of the user's that throws (`hub.onEvent`) is called as often as a service registers
 * and unregisters, which a peer does at will: each call was one `error` line (2,000 registrations,
 * 2,000 lines). Now at most 10 a second, and one line at the end of each second counts those
 * left out, so every throw is still accounted for (as src/_boundedLog.ts does for the peer's own lines).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { HubRequests, IPCClient, IPCServer, ServiceHub } from "../../adapters/node.ts";

const EVENTS = 2000;

test("a hub event listener that throws on each of 2,000 registrations: a few lines a second, the rest counted", async (t) => {
  const lines: string[] = [];
  const hub = new ServiceHub(0, { logger: { error: (message: string) => lines.push(message) } });
  hub.onEvent(() => {
    throw new Error("the user's listener broke");
  });
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  const client = new IPCClient(hub.server.getPort(), { heartbeatInterval: 0 });
  await client.connect("churner");
  t.after(() => client.disconnect());
  const started = Date.now();
  for (let i = 0; i < EVENTS / 2; i++) {
    const entry = { api: "svc", baseUrl: "http://127.0.0.1:9", pathPrefix: "/svc" };
    await client.sendFrameworkRequest(HubRequests.register, [entry]);
    await client.sendFrameworkRequest(HubRequests.unregister, [entry]);
  }
  const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
  // The count of the last second is said when it ends.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const said = lines.filter((line) => line === "[crossipc] Hub event listener threw: the user's listener broke").length;
  const counts = lines.map((line) => Number(/^\[crossipc\] (\d+) more listener errors in that second, not shown \(at most 10 a second\)$/.exec(line)?.[1] ?? 0));
  const unsaid = counts.reduce((a, b) => a + b, 0);
  assert.equal(said + unsaid, EVENTS, `${said} said, ${unsaid} counted:\n${lines.slice(-20).join("\n")}`);
  assert.ok(unsaid > 0, "no count line");
  // 10 lines and one count a second.
  assert.ok(said + counts.filter(Boolean).length <= 11 * seconds, `${said} lines in ${seconds} s`);
});

test("a server's onClientConnect listener that throws on each of 60 connections: a few lines a second, the rest counted", async (t) => {
  const CONNECTS = 60;
  const lines: string[] = [];
  const server = new IPCServer(0, { logger: { error: (message: string) => lines.push(message) } });
  server.onClientConnect(() => {
    throw new Error("the user's listener broke");
  });
  await server.start();
  t.after(() => server.teardown());
  const started = Date.now();
  for (let i = 0; i < CONNECTS; i++) {
    const client = new IPCClient(server.getPort(), { heartbeatInterval: 0 });
    await client.connect(`peer-${i}`);
    await client.disconnect();
  }
  const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const said = lines.filter((line) => line === "[crossipc] Client listener failed: the user's listener broke").length;
  const counts = lines.map((line) => Number(/^\[crossipc\] (\d+) more listener errors in that second, not shown \(at most 10 a second\)$/.exec(line)?.[1] ?? 0));
  assert.equal(said + counts.reduce((a, b) => a + b, 0), CONNECTS, lines.slice(-20).join("\n"));
  assert.ok(said + counts.filter(Boolean).length <= 11 * seconds, `${said} lines in ${seconds} s`);
});
