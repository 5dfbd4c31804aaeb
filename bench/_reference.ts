/**
 * The reference ends of the "server and client apart" cases (issue 13): one framework client
 * and one framework server, both plain `ws` on the primary Node with the same few lines of
 * framing, so that every server is driven by the same client and every client talks to the same
 * server. Both do as little as the protocol allows (no JSON work beyond what correlation needs),
 * so the differences in a column are the measured side's own. The client also comes in a second
form that decodes every answer as the original's client does (issue 20).
 */
import http from "node:http";
import { WebSocket, WebSocketServer } from "ws";

const HOST = "127.0.0.1";

/**
 * Answers every `r:ID:PATH:DATA` with `s:ID:PATH:{"success":true,"data":DATA}` (an echo): the
 * DATA text is spliced in, not parsed. `m:` frames are dropped.
 */
export async function startReferenceServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 128 * 1024 * 1024 });
  wss.on("connection", (ws) => {
    ws.on("message", (data: Buffer) => {
      const frame = data.toString();
      if (frame.charCodeAt(0) !== 114 /* r */) return;
      const b = frame.indexOf(":", 2);
      const c = frame.indexOf(":", b + 1);
      const head = frame.slice(2, c);
      const json = frame.slice(c + 1);
      ws.send(`s:${head}:{"success":true,"data":${json === "" ? "null" : json}}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A framework client that sends `r:ID:PATH:DATA` and settles on the matching `s:` frame. One `ws`
 * socket, one pending map.
 * - `decode: false` (the first reference client): the answer's DATA is not decoded, only its
 *   `"success":true` prefix is checked, so the client spends as little as the protocol allows.
 * - `decode: true` (the second, issue 20): every answer is decoded the way the original's client
 *   decodes it (bench/_original.ts): the frame cut with `split(":")` and its DATA rejoined,
 *   `JSON.parse` of the DATA, the promise settled with `body.data` or rejected with `body.error`.
 *   A server whose answers cost more to decode (or arrive in a shape that costs the client more)
 *   shows it here.
 */
export async function connectReferenceClient(
  port: number,
  runtimeId = "reference",
  options: { decode?: boolean } = {},
): Promise<{ request(path: string, json: string): Promise<unknown>; close(): void }> {
  const ws = new WebSocket(`ws://${HOST}:${port}/__ggFrameworkConnection?runtimeId=${runtimeId}`, { perMessageDeflate: false, maxPayload: 128 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const pending = new Map<string, { resolve(value?: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  if (options.decode) {
    ws.on("message", (data: Buffer) => {
      const [, id, , ...rest] = data.toString().split(":");
      const waiter = pending.get(id!);
      if (!waiter) return;
      pending.delete(id!);
      const body = JSON.parse(rest.join(":")) as { success: boolean; data?: unknown; error?: string };
      if (body.success) waiter.resolve(body.data);
      else waiter.reject(new Error(`reference client: request failed: ${body.error}`));
    });
  } else {
    ws.on("message", (data: Buffer) => {
      const frame = data.toString();
      const b = frame.indexOf(":", 2);
      const c = frame.indexOf(":", b + 1);
      const id = frame.slice(2, b);
      const waiter = pending.get(id);
      if (!waiter) return;
      pending.delete(id);
      if (frame.startsWith('{"success":true', c + 1)) waiter.resolve();
      else waiter.reject(new Error(`reference client: request failed: ${frame.slice(0, 200)}`));
    });
  }
  ws.on("close", () => {
    for (const waiter of pending.values()) waiter.reject(new Error("reference client: connection closed"));
    pending.clear();
  });
  return {
    /** `json` is the DATA text, serialised once by the caller. */
    request(path, json) {
      const id = String(++nextId);
      return new Promise<unknown>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        ws.send(`r:${id}:${path}:${json}`);
      });
    },
    close: () => ws.terminate(),
  };
}
