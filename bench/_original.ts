/**
 * The original design, re-implemented for the bench only: `@grest-ts/ipc`'s architecture on
 * `node:http` with `ws` (`WebSocketServer({noServer})`), the `TYPE:ID:PATH:DATA` framing parsed
 * with `split(":")` and rebuilt with `join(":")`, `find-my-way` intercept routes and
 * `http-proxy` created with default options (no keep-alive) for HTTP and WebSocket proxying.
 *
 * Also here: the best Node peer, `http-proxy` with a keep-alive agent.
 */
import http from "node:http";
import type { Duplex } from "node:stream";
import FindMyWay from "find-my-way";
import httpProxy from "http-proxy";
import { WebSocket, WebSocketServer } from "ws";

const HOST = "127.0.0.1";
export const FRAMEWORK_PATH = "/__ggFrameworkConnection";

type Handler = (data: any) => unknown;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The original's IPCSocket: framing with split/join, a pending map with one timer per request. */
export class OriginalSocket {
  readonly ws: WebSocket;
  readonly runtimeId?: string;
  readonly handlers: Map<string, Handler>;
  readonly messageHandlers: Map<string, Handler>;
  readonly #pending = new Map<string, Pending>();
  #counter = 0;

  constructor(ws: WebSocket, handlers: Map<string, Handler>, messageHandlers: Map<string, Handler>, runtimeId?: string) {
    this.ws = ws;
    this.handlers = handlers;
    this.messageHandlers = messageHandlers;
    this.runtimeId = runtimeId;
    ws.on("message", (data: Buffer) => void this.#onMessage(data.toString()));
    ws.on("close", () => {
      for (const pending of this.#pending.values()) {
        clearTimeout(pending.timer);
        pending.reject(new Error("Socket closed"));
      }
      this.#pending.clear();
    });
  }

  request(path: string, data: unknown, timeout = 10_000): Promise<unknown> {
    const id = String(++this.#counter);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`Request '${path}' timed out after ${timeout}ms`));
      }, timeout);
      this.#pending.set(id, { resolve, reject, timer });
      this.ws.send(["r", id, path, data === undefined ? "" : JSON.stringify(data)].join(":"));
    });
  }

  send(path: string, data: unknown): void {
    this.ws.send(["m", "", path, data === undefined ? "" : JSON.stringify(data)].join(":"));
  }

  async #onMessage(text: string): Promise<void> {
    const [type, id, path, ...rest] = text.split(":");
    const raw = rest.join(":");
    if (type === "s") {
      const pending = this.#pending.get(id!);
      if (!pending) return;
      clearTimeout(pending.timer);
      this.#pending.delete(id!);
      const body = JSON.parse(raw);
      if (body.success) pending.resolve(body.data);
      else pending.reject(new Error(body.error));
      return;
    }
    const data = raw ? JSON.parse(raw) : undefined;
    if (type === "m") {
      await this.messageHandlers.get(path!)?.(data);
      return;
    }
    const handler = this.handlers.get(path!);
    let body: { success: boolean; data?: unknown; error?: string };
    if (!handler) body = { success: false, error: `No handler for: ${path}` };
    else {
      try {
        body = { success: true, data: await handler(data) };
      } catch (error) {
        body = { success: false, error: (error as Error).message };
      }
    }
    this.ws.send(["s", id, path, JSON.stringify(body)].join(":"));
  }
}

export class OriginalClient {
  readonly #port: number;
  readonly handlers = new Map<string, Handler>();
  socket: OriginalSocket | undefined;

  constructor(port: number) {
    this.#port = port;
  }

  async connect(runtimeId?: string): Promise<void> {
    const query = runtimeId ? `?runtimeId=${encodeURIComponent(runtimeId)}` : "";
    const ws = new WebSocket(`ws://${HOST}:${this.#port}${FRAMEWORK_PATH}${query}`);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    this.socket = new OriginalSocket(ws, this.handlers, new Map(), runtimeId);
  }

  sendFrameworkRequest(path: string, data: unknown): Promise<unknown> {
    return this.socket!.request(path, data);
  }

  sendFrameworkNotification(path: string, data: unknown): void {
    this.socket!.send(path, data);
  }

  onFrameworkRequest(path: string, handler: Handler): void {
    this.handlers.set(path, handler);
  }

  disconnect(): void {
    this.socket?.ws.close();
  }
}

type InterceptHandler = (body: unknown, params: Record<string, string | undefined>, headers: http.IncomingHttpHeaders) => unknown;

export class OriginalServer {
  readonly handlers = new Map<string, Handler>();
  readonly messageHandlers = new Map<string, Handler>();
  readonly #byRuntimeId = new Map<string, OriginalSocket>();
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #proxy = httpProxy.createProxyServer({});
  readonly #router = FindMyWay({ defaultRoute: (req, res) => this.#proxyOr404(req, res) });
  readonly #server: http.Server;
  #resolver: ((path: string) => string | undefined) | undefined;
  port = 0;

  constructor() {
    this.#proxy.on("error", (error, _req, res) => {
      if (res instanceof http.ServerResponse) {
        if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: `Proxy error: ${error.message}` }));
      } else (res as Duplex).destroy();
    });
    this.#server = http.createServer((req, res) => this.#router.lookup(req, res));
    this.#server.on("upgrade", (req, socket, head) => this.#upgrade(req, socket, head));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, HOST, resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  onFrameworkMessage(path: string, handler: Handler): void {
    this.handlers.set(path, handler);
  }

  onFrameworkNotification(path: string, handler: Handler): void {
    this.messageHandlers.set(path, handler);
  }

  sendFrameworkMessage(runtimeId: string, path: string, payload: unknown): Promise<unknown> {
    const socket = this.#byRuntimeId.get(runtimeId);
    if (!socket) return Promise.reject(new Error(`No client connected with runtimeId: ${runtimeId}`));
    return socket.request(path, payload);
  }

  interceptHttp(method: string, path: string, handler: InterceptHandler): void {
    this.#router.on(method as "GET", path, (req, res, params) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", async () => {
        try {
          const text = Buffer.concat(chunks).toString();
          const body = text ? JSON.parse(text) : undefined;
          const result = await handler(body, params, req.headers);
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(result));
        } catch (error) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: (error as Error).message }));
        }
      });
    });
  }

  setRouteProxyResolver(resolver: (path: string) => string | undefined): void {
    this.#resolver = resolver;
  }

  async teardown(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
    this.#proxy.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #proxyOr404(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0]!;
    const target = this.#resolver?.(path);
    if (target) {
      this.#proxy.web(req, res, { target });
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: `No route for ${req.method} ${path}! Did you forget to start a service that defines this path?` }));
  }

  #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", `http://${HOST}`);
    if (url.pathname === FRAMEWORK_PATH) {
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        const runtimeId = url.searchParams.get("runtimeId") ?? undefined;
        const ipc = new OriginalSocket(ws, this.handlers, this.messageHandlers, runtimeId);
        if (runtimeId) this.#byRuntimeId.set(runtimeId, ipc);
        ws.on("close", () => {
          if (runtimeId && this.#byRuntimeId.get(runtimeId) === ipc) this.#byRuntimeId.delete(runtimeId);
        });
      });
      return;
    }
    const target = this.#resolver?.(url.pathname);
    if (!target) {
      socket.destroy();
      return;
    }
    this.#proxy.ws(req, socket, head, { target });
  }
}

/** The best Node peer: `http-proxy` with a keep-alive agent, for HTTP and WebSocket. */
export async function startKeepAliveProxy(resolver: (path: string) => string | undefined): Promise<{ port: number; close(): Promise<void> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const proxy = httpProxy.createProxyServer({ agent });
  proxy.on("error", (error, _req, res) => {
    if (res instanceof http.ServerResponse) {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `Proxy error: ${error.message}` }));
    } else (res as Duplex).destroy();
  });
  const server = http.createServer((req, res) => {
    const target = resolver((req.url ?? "/").split("?")[0]!);
    if (target) proxy.web(req, res, { target });
    else {
      res.writeHead(404);
      res.end();
    }
  });
  server.on("upgrade", (req, socket, head) => {
    const target = resolver((req.url ?? "/").split("?")[0]!);
    if (target) proxy.ws(req, socket, head, { target });
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      proxy.close();
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
