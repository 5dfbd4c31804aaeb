/**
 * The reference backend the hubs proxy to (Node, `node:http` + `ws`): it echoes HTTP requests,
 * answers `/backend/status/<code>`, and on `/backend/ws` picks the last offered subprotocol,
 * greets, echoes text and binary, closes on `close:<code>:<reason>`, and records the close
 * code each connection got (`/backend/closed/<id>`, answered once known).
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

export interface Backend {
  url: string;
  close(): Promise<void>;
}

export async function startBackend(): Promise<Backend> {
  const closes = new Map<string, { code: number; reason: string }>();
  const closeWaiters = new Map<string, Array<() => void>>();

  const http = createServer(async (req, res) => {
    const url = new URL(req.url!, "http://backend");
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
      ws.send(`welcome:${ws.protocol}`);
      ws.on("message", (data, isBinary) => {
        const text = isBinary ? "" : data.toString();
        const close = /^close:(\d+):(.*)$/.exec(text);
        if (close) ws.close(Number(close[1]), close[2]);
        else ws.send(data, { binary: isBinary });
      });
      ws.on("close", (code, reason) => {
        closes.set(id, { code, reason: reason.toString() });
        for (const wake of closeWaiters.get(id) ?? []) wake();
        closeWaiters.delete(id);
      });
    });
  });

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

/** A port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
