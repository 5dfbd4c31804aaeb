/**
 * A framework client of its own (not connectMocks, which checks a close before sending it) that
 * holds a WebSocket rule and closes its socket with a code or reason a WebSocket may not send:
 * the client's socket ends with 1011 and a reason that says so. Before, each runtime did
 * something else (measured on the packed hubs): Node closed with 1000, Bun with 1005 or 1006,
 * Deno with 1006, and a reason past 123 bytes or not a string left the socket open on Node and
 * Deno. A close that is fine goes through as sent.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import test from "node:test";
import { WebSocket } from "ws";
import { MOCKS_PROTOCOL } from "../../src/mocks/_wire.ts";
import { startServer } from "./_helpers.ts";

/** A mocks client over a plain WebSocket: it speaks the frames itself. */
async function rawMocksClient(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/__ggFrameworkConnection?runtimeId=raw`);
  await once(ws, "open");
  const answers = new Map<string, (data: unknown) => void>();
  const opened: number[] = [];
  let waiting: (() => void) | undefined;
  ws.on("message", (raw) => {
    const text = String(raw);
    const [type, id, path] = text.split(":", 3) as [string, string, string];
    const data = text.slice(type.length + id.length + path.length + 3);
    if (type === "s") answers.get(id)?.(JSON.parse(data));
    if (type === "r" && path === "__crossipc/ws/open") {
      opened.push((JSON.parse(data) as { socket: number }).socket);
      ws.send(`s:${id}:${path}:${JSON.stringify({ success: true, data: { accept: true } })}`);
      waiting?.();
    }
  });
  let last = 0;
  const request = (path: string, data: unknown) =>
    new Promise((resolve) => {
      const id = String(++last);
      answers.set(id, resolve);
      ws.send(`r:${id}:${path}:${JSON.stringify(data)}`);
    });
  return {
    ws,
    request,
    notify: (path: string, data: unknown) => ws.send(`m::${path}:${JSON.stringify(data)}`),
    async nextSocket(): Promise<number> {
      while (opened.length === 0) await new Promise<void>((resolve) => (waiting = resolve));
      return opened.shift()!;
    },
  };
}

test("a raw mocks client's close with a code or reason a WebSocket may not send ends the socket with 1011", async (t) => {
  const server = await startServer(t);
  const port = server.getPort();
  const owner = await rawMocksClient(port);
  t.after(() => owner.ws.terminate());
  await owner.request("__crossipc/mocks/hello", { protocol: MOCKS_PROTOCOL });
  assert.deepEqual(await owner.request("__crossipc/mocks/add", { ref: 1, scope: null, kind: "websocket", method: "GET", path: "/feed/*" }), { success: true, data: { id: "m1" } });
  const closes: Array<[unknown, unknown, number, string]> = [
    [1005, "x", 1011, "The WebSocket mock closed with a code or reason a WebSocket may not send"],
    [5000, "x", 1011, "The WebSocket mock closed with a code or reason a WebSocket may not send"],
    ["abc", "x", 1011, "The WebSocket mock closed with a code or reason a WebSocket may not send"],
    [1000, "r".repeat(124), 1011, "The WebSocket mock closed with a code or reason a WebSocket may not send"],
    [1000, { reason: 1 }, 1011, "The WebSocket mock closed with a code or reason a WebSocket may not send"],
    [4000, "é".repeat(61), 4000, "é".repeat(61)],
    [undefined, undefined, 1000, ""],
  ];
  for (const [i, [code, reason, expectedCode, expectedReason]] of closes.entries()) {
    const client = new WebSocket(`ws://127.0.0.1:${port}/feed/${i}`);
    await once(client, "open");
    owner.notify("__crossipc/ws/close", { socket: await owner.nextSocket(), code, reason });
    const [closedCode, closedReason] = (await once(client, "close")) as [number, Buffer];
    assert.deepEqual([closedCode, String(closedReason)], [expectedCode, expectedReason], `close(${JSON.stringify(code)}, ${JSON.stringify(reason)})`);
  }
});
