/**
 * The limit: a WebSocket echo with no framing, on each runtime's own server and client
 * (Node: `ws` server + `ws` client; Bun: `Bun.serve`; Deno: `Deno.upgradeWebSocket`).
 *
 * Paths: `/echo` echoes every message; `/ff` swallows messages and echoes only 1-character
 * markers (the flush of the fire-and-forget case); `/s2c` is a client that the server drives
 * (`s2c()` sends, the client echoes).
 */
import { EchoLoop, type LoadResult } from "./_load.ts";
import { runtime } from "./_rt.ts";

export interface RawServer {
  port: number;
  /** Server-driven echo round trips against the newest `/s2c` client. */
  s2c(inflight: number, message: string, ms: number): Promise<LoadResult>;
  close(): Promise<void>;
}

export interface RawClient {
  /** Closed-loop echo: `inflight` messages outstanding for `ms`. */
  echo(inflight: number, message: string, ms: number): Promise<LoadResult>;
  /** Sends one message without waiting. */
  send(message: string): void;
  /** Resolves on the next message from the server. */
  next(): Promise<void>;
  close(): void;
}

const HOST = "127.0.0.1";

export async function startRawServer(): Promise<RawServer> {
  const rt = runtime();
  if (rt === "bun") return startBun();
  if (rt === "deno") return startDeno();
  return startNode();
}

async function startNode(): Promise<RawServer> {
  const http = await import("node:http");
  const { WebSocketServer } = await import("ws");
  const server = http.createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocketServer({ noServer: true });
  let s2cPeer: import("ws").WebSocket | undefined;
  let s2cLoop: EchoLoop | undefined;
  server.on("upgrade", (req, socket, head) => {
    const path = (req.url ?? "/").split("?")[0];
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (path === "/ff") {
        ws.on("message", (data: Buffer, isBinary) => {
          if (data.length === 1) ws.send(data, { binary: isBinary });
        });
      } else if (path === "/s2c") {
        s2cPeer = ws;
        ws.on("message", () => s2cLoop?.reply());
      } else {
        ws.on("message", (data: Buffer, isBinary) => ws.send(data, { binary: isBinary }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as { port: number }).port,
    s2c(inflight, message, ms) {
      const peer = s2cPeer;
      if (!peer) throw new Error("no /s2c client");
      s2cLoop = new EchoLoop(() => peer.send(message));
      return s2cLoop.run(inflight, ms);
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function startBun(): Promise<RawServer> {
  const Bun = (globalThis as { Bun?: any }).Bun;
  let s2cPeer: any;
  let s2cLoop: EchoLoop | undefined;
  const server = Bun.serve({
    port: 0,
    hostname: HOST,
    fetch(request: Request, srv: any) {
      const path = new URL(request.url).pathname;
      if (srv.upgrade(request, { data: { path } })) return undefined;
      return new Response("not found", { status: 404 });
    },
    websocket: {
      idleTimeout: 0,
      maxPayloadLength: 64 * 1024 * 1024,
      open(ws: any) {
        if (ws.data.path === "/s2c") s2cPeer = ws;
      },
      message(ws: any, message: string | Uint8Array) {
        const path = ws.data.path;
        if (path === "/ff") {
          if (message.length === 1) ws.send(message);
        } else if (path === "/s2c") s2cLoop?.reply();
        else ws.send(message);
      },
    },
  });
  return {
    port: server.port,
    s2c(inflight, message, ms) {
      const peer = s2cPeer;
      if (!peer) throw new Error("no /s2c client");
      s2cLoop = new EchoLoop(() => peer.send(message));
      return s2cLoop.run(inflight, ms);
    },
    async close() {
      server.stop(true);
    },
  };
}

async function startDeno(): Promise<RawServer> {
  const Deno = (globalThis as { Deno?: any }).Deno;
  let s2cPeer: WebSocket | undefined;
  let s2cLoop: EchoLoop | undefined;
  const sockets = new Set<WebSocket>();
  let resolvePort!: (port: number) => void;
  const ready = new Promise<number>((resolve) => (resolvePort = resolve));
  const server = Deno.serve(
    { port: 0, hostname: HOST, onListen: ({ port }: { port: number }) => resolvePort(port) },
    (request: Request) => {
      const path = new URL(request.url).pathname;
      if (request.headers.get("upgrade") !== "websocket") return new Response("not found", { status: 404 });
      const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
      sockets.add(socket);
      socket.onclose = () => sockets.delete(socket);
      if (path === "/ff") {
        socket.onmessage = (event: MessageEvent) => {
          if ((event.data as string).length === 1) socket.send(event.data);
        };
      } else if (path === "/s2c") {
        s2cPeer = socket;
        socket.onmessage = () => s2cLoop?.reply();
      } else {
        socket.onmessage = (event: MessageEvent) => socket.send(event.data);
      }
      return response;
    },
  );
  const port = await ready;
  return {
    port,
    s2c(inflight, message, ms) {
      const peer = s2cPeer;
      if (!peer) throw new Error("no /s2c client");
      s2cLoop = new EchoLoop(() => peer.send(message));
      return s2cLoop.run(inflight, ms);
    },
    async close() {
      for (const socket of sockets) socket.close();
      await server.shutdown();
    },
  };
}

/** A raw client: `ws` on Node (the same library the original used), the runtime's own `WebSocket` elsewhere. */
export async function connectRaw(url: string, options: { echoBack?: boolean } = {}): Promise<RawClient> {
  let loop: EchoLoop | undefined;
  let waiter: (() => void) | undefined;
  const onMessage = () => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w();
    } else loop?.reply();
  };
  if (runtime() === "node") {
    const { WebSocket } = await import("ws");
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    if (options.echoBack) ws.on("message", (data: Buffer, isBinary) => ws.send(data, { binary: isBinary }));
    else ws.on("message", onMessage);
    return {
      echo(inflight, message, ms) {
        loop = new EchoLoop(() => ws.send(message));
        return loop.run(inflight, ms);
      },
      send: (message) => ws.send(message),
      next: () => new Promise<void>((resolve) => (waiter = resolve)),
      close: () => ws.terminate(),
    };
  }
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = (event) => reject(new Error(`cannot connect to ${url}: ${(event as ErrorEvent).message ?? "error"}`));
  });
  ws.onerror = null;
  if (options.echoBack) ws.onmessage = (event) => ws.send(event.data);
  else ws.onmessage = onMessage;
  return {
    echo(inflight, message, ms) {
      loop = new EchoLoop(() => ws.send(message));
      return loop.run(inflight, ms);
    },
    send: (message) => ws.send(message),
    next: () => new Promise<void>((resolve) => (waiter = resolve)),
    close: () => ws.close(),
  };
}
