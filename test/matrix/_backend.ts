/**
 * The reference backend the hubs proxy to (Node, `node:http` + `ws`): it echoes HTTP requests,
 * answers `/backend/status/<code>`, and on `/backend/ws` picks the last offered subprotocol,
 * greets, echoes text and binary, closes on `close:<code>:<reason>`, and records the close
 * code each connection got (`/backend/closed/<id>`, answered once known).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { GZIP_TEXT } from "../fixtures/_requests.ts";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

export interface Backend {
  url: string;
  close(): Promise<void>;
}

export async function startBackend(): Promise<Backend> {
  const closes = new Map<string, { code: number; reason: string }>();
  const closeWaiters = new Map<string, Array<() => void>>();

  const aborted = new Set<string>();
  const upgrades = new Map<string, { url: string; cookie: string | null; authorization: string | null }>();
  const abortWaiters = new Map<string, () => void>();
  const arrived = new Set<string>();
  const arrivalWaiters = new Map<string, () => void>();
  let connections = 0;

  const http = createServer(async (req, res) => {
    const url = new URL(req.url!, "http://backend");
    const fixed = FIXED[url.pathname];
    if (fixed) return fixed(res);
    if (url.pathname === "/backend/connections") return res.end(String(connections));
    if (url.pathname === "/backend/socket") return res.end(String(req.socket.remotePort));
    const upgrade = /^\/backend\/upgrade\/(.+)$/.exec(url.pathname);
    if (upgrade) return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(upgrades.get(upgrade[1]!) ?? null));
    if (url.pathname === "/backend/slow") return; // never answers
    const watch = /^\/backend\/hang\/(.+)$/.exec(url.pathname);
    if (watch) {
      arrived.add(watch[1]!);
      arrivalWaiters.get(watch[1]!)?.();
      // Never answers; records when the hub closes the connection (the client went away).
      req.socket.once("close", () => {
        aborted.add(watch[1]!);
        abortWaiters.get(watch[1]!)?.();
      });
      return;
    }
    // Answers once /backend/hang/ID has reached the backend, so a test aborts it only then.
    const hasArrived = /^\/backend\/arrived\/(.+)$/.exec(url.pathname);
    if (hasArrived) {
      const id = hasArrived[1]!;
      if (arrived.has(id)) return res.end("arrived");
      const timer = setTimeout(() => res.writeHead(404).end("not arrived"), 2000);
      arrivalWaiters.set(id, () => (clearTimeout(timer), res.end("arrived")));
      return;
    }
    const wasAborted = /^\/backend\/aborted\/(.+)$/.exec(url.pathname);
    if (wasAborted) {
      const id = wasAborted[1]!;
      if (aborted.has(id)) return res.end("aborted");
      // Answers before the hub's 3 s proxy timeout would.
      const timer = setTimeout(() => res.writeHead(404).end("still open"), 2000);
      abortWaiters.set(id, () => (clearTimeout(timer), res.end("aborted")));
      return;
    }
    if (url.pathname === "/backend/sink") {
      let bytes = 0;
      req.on("data", (chunk: Buffer) => void (bytes += chunk.length));
      req.on("end", () => res.end(String(bytes)));
      // `?pause=MS`: a backend slow to read, so a proxy without backpressure would buffer.
      const pause = Number(url.searchParams.get("pause") ?? "0");
      if (pause > 0) {
        req.pause();
        setTimeout(() => req.resume(), pause);
      }
      return;
    }
    if (url.pathname === "/backend/source") {
      const mib = Number(url.searchParams.get("mib") ?? "1");
      const chunk = Buffer.alloc(1024 * 1024, 7);
      res.writeHead(200, { "content-type": "application/octet-stream" });
      for (let i = 0; i < mib; i++) if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
      res.end();
      return;
    }
    if (url.pathname === "/backend/hop-by-hop") {
      // `x-private` is named in `connection`: it belongs to this hop and must not reach the client.
      res.writeHead(200, { connection: "keep-alive, x-private", "x-private": "hop", "x-public": "end-to-end" }).end("hop");
      return;
    }
    const status = /^\/backend\/status\/(\d+)$/.exec(url.pathname);
    if (status) {
      res.writeHead(Number(status[1]), { "x-backend": "yes", "content-type": "text/plain" }).end(`status ${status[1]}`);
      return;
    }
    const closed = /^\/backend\/closed\/(.+)$/.exec(url.pathname);
    if (closed) {
      const id = closed[1]!;
      const answer = () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(closes.get(id)));
      if (closes.has(id)) return answer();
      const timer = setTimeout(() => res.writeHead(404).end(`no close recorded for ${id}`), 5000);
      closeWaiters.set(id, [...(closeWaiters.get(id) ?? []), () => (clearTimeout(timer), answer())]);
      return;
    }
    const body = await readBody(req);
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }),
    );
  });

  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => [...protocols].at(-1) ?? false,
  });
  http.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url!, "http://backend");
    if (url.pathname !== "/backend/ws") {
      socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const id = url.searchParams.get("id") ?? "";
      upgrades.set(id, { url: req.url!, cookie: req.headers.cookie ?? null, authorization: req.headers.authorization ?? null });
      ws.send(`welcome:${ws.protocol}`);
      ws.on("message", (data, isBinary) => {
        const text = isBinary ? "" : data.toString();
        const close = /^close:(\d+):(.*)$/.exec(text);
        if (close) ws.close(Number(close[1]), close[2]);
        else if (text === "die") ws.terminate();
        else ws.send(data, { binary: isBinary });
      });
      ws.on("close", (code, reason) => {
        closes.set(id, { code, reason: reason.toString() });
        for (const wake of closeWaiters.get(id) ?? []) wake();
        closeWaiters.delete(id);
      });
    });
  });

  http.on("connection", () => void connections++);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}


/** Answers that never change, by path. */
const FIXED: Record<string, (res: ServerResponse) => void> = {
  "/backend/redirect": (res) => res.writeHead(302, { location: "/backend/elsewhere" }).end(),
  "/backend/no-content": (res) => res.writeHead(204).end(),
  "/backend/not-modified": (res) => res.writeHead(304, { etag: '"v1"' }).end(),
  "/backend/cookies": (res) => res.writeHead(200, [["set-cookie", "a=1; Path=/"], ["set-cookie", "b=2; Path=/"], ["content-type", "text/plain"]]).end("two cookies"),
  "/backend/gzip": (res) =>
    res.writeHead(200, { "content-encoding": "gzip", "content-type": "text/plain" }).end(gzipSync(GZIP_TEXT)),
};

/** A port nothing listens on, below the ephemeral range (see there why). */
export { freePort as deadPort } from "../fixtures/_freePort.ts";

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
