/**
 * The framework connection's behaviours that the direct paths of other runtimes must keep (see
 * test/node/direct-frames.test.ts), on Bun through crossws's hooks: every message handled once
 * and in order, binary frames ignored, a client that stops reading dropped, and a proxied
 * WebSocket next to a framework connection relayed.
 */
import { expect, test } from "bun:test";
import { floodClient } from "../fixtures/_flood.ts";
import { openStalledPeer } from "../fixtures/_silentPeer.ts";
import { connect, crossipc, once, startServer } from "./_setup.ts";

const echo = crossipc.IPCServer.defineRequest<unknown, unknown>("echo");

interface BunSocket {
  send(data: string): number;
}
declare const Bun: {
  serve(options: {
    port: number;
    hostname: string;
    fetch(request: Request, server: { upgrade(request: Request): boolean }): Response | undefined;
    websocket: { message(ws: BunSocket, message: string | Uint8Array): void };
  }): { port: number; stop(force?: boolean): Promise<void> };
};

test.concurrent("frames are answered once each and in order; a binary frame is ignored with a warning", async () => {
  const warnings: string[] = [];
  const server = await startServer({ logger: { warn: (message: string) => void warnings.push(message) } });
  let handled = 0;
  server.onFrameworkMessage(echo, (x) => (handled++, x));
  const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/__ggFrameworkConnection`);
  await once((cb) => ws.addEventListener("open", cb));
  const answers: string[] = [];
  const all = once<[]>((cb) => ws.addEventListener("message", (event) => answers.push(event.data as string) === 50 && cb()));
  ws.send(new Uint8Array([114, 58, 48, 58]));
  for (let i = 1; i <= 50; i++) ws.send(`r:${i}:echo:${i}`);
  await all;
  // Anything answered twice would arrive before the answer to a later request.
  ws.send("r:51:echo:51");
  await new Promise<void>((resolve) => ws.addEventListener("message", () => resolve(), { once: true }));
  expect(answers.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => `s:${i + 1}:echo:{"success":true,"data":${i + 1}}`));
  expect(answers.length).toBe(51);
  expect(handled).toBe(51);
  expect(warnings.some((w) => /Binary frame ignored/.test(w))).toBe(true);
  ws.close();
  await server.teardown();
});

test.concurrent("a client that does not read is dropped once too much is queued for it", async () => {
  const warnings: string[] = [];
  const server = await startServer({ maxBufferedAmount: 256 * 1024, logger: { warn: (message: string) => void warnings.push(message) } });
  const gone = once<[string, string?]>((cb) => server.onClientDisconnect((id, runtimeId) => runtimeId === "sloth" && cb(id, runtimeId)));
  const peer = await openStalledPeer(server.getPort(), "/__ggFrameworkConnection?runtimeId=sloth");
  await floodClient(server, "sloth", 2000);
  await gone;
  expect(warnings.some((w) => /slow client/i.test(w))).toBe(true);
  // Cut off, not left holding what was queued for it (the front queues the answers itself).
  await peer.closed;
  server.onFrameworkMessage(echo, (x) => x);
  const fresh = await connect(server, undefined, { heartbeatInterval: 0 });
  expect(await fresh.sendFrameworkRequest(echo, "still serving")).toBe("still serving");
  fresh.disconnect();
  peer.destroy();
  await server.teardown();
}, 30_000);

test.concurrent("a proxied WebSocket next to a framework connection still goes through crossws", async () => {
  const backend = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request, srv) => (srv.upgrade(request) ? undefined : new Response("no", { status: 400 })),
    websocket: { message: (ws, message) => void ws.send(`echo ${message}`) },
  });
  const server = await startServer();
  server.setRouteProxyResolver((path) => (path.startsWith("/live") ? `http://127.0.0.1:${backend.port}` : undefined));
  server.onFrameworkMessage(echo, (x) => x);
  const client = await connect(server, "worker", { heartbeatInterval: 0 });
  const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/live`);
  await once((cb) => ws.addEventListener("open", cb));
  const answer = once<[MessageEvent]>((cb) => ws.addEventListener("message", cb));
  ws.send("hello");
  expect((await answer)[0].data).toBe("echo hello");
  expect(await client.sendFrameworkRequest(echo, 7)).toBe(7);
  ws.close();
  client.disconnect();
  await server.teardown();
  backend.stop(true);
});
