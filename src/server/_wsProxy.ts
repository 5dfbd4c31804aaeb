import type { Peer } from "crossws";
import { IPCError, errorMessage } from "../errors.ts";
import { unrefTimeout } from "../_timers.ts";
import type { WebSocketConstructor } from "../platform.ts";

type Frame = string | ArrayBuffer | Uint8Array;

/** Request headers that belong to the client's own handshake, not to the backend's. */
const HANDSHAKE_HEADERS = new Set([
  "host",
  "connection",
  "upgrade",
  "keep-alive",
  "transfer-encoding",
  "te",
  "trailer",
  "proxy-connection",
  "proxy-authorization",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
  "content-length",
]);

/**
 * One proxied WebSocket: the backend connection and the client peer it relays to.
 *
 * crossws has `createWebSocketProxy`, but it accepts the client's first subprotocol before the
 * backend answers. Here the backend is dialled inside the client's `upgrade` hook, so the
 * client is accepted with the protocol the backend chose, and a backend that refuses the
 * upgrade makes the client's upgrade fail too.
 */
export class UpstreamRelay {
  readonly protocol: string;
  readonly #ws: WebSocket;
  #peer: Peer | undefined;
  /** Backend messages that arrive between the backend's `open` and the client's. */
  #early: Frame[] = [];
  #closed = false;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.protocol = ws.protocol;
  }

  /** Dials the backend with the client's offered subprotocols, headers and query. */
  static connect(WebSocketImpl: WebSocketConstructor, url: string, request: Request, timeoutMs: number): Promise<UpstreamRelay> {
    const wsUrl = url.replace(/^http/, "ws");
    const offered = (request.headers.get("sec-websocket-protocol") ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WebSocketImpl(wsUrl, offered.length ? offered : undefined, { headers: forwardedHeaders(request) });
      } catch (error) {
        reject(new IPCError("ERR_IPC_CONNECT", `WebSocket proxy: cannot dial ${wsUrl}: ${errorMessage(error)}`));
        return;
      }
      ws.binaryType = "arraybuffer";
      const relay = new UpstreamRelay(ws);
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try {
          ws.close();
        } catch {
          // Never opened.
        }
        reject(new IPCError("ERR_IPC_CONNECT", `WebSocket proxy: ${wsUrl} ${why}`));
      };
      const timer = unrefTimeout(() => fail(`did not accept the upgrade within ${timeoutMs}ms`), timeoutMs);
      ws.addEventListener("open", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // `protocol` is only known now; read it again.
        (relay as { protocol: string }).protocol = ws.protocol;
        resolve(relay);
      });
      ws.addEventListener("error", (event) => fail(`refused the connection: ${errorMessage((event as ErrorEvent).error ?? (event as ErrorEvent).message ?? "error")}`));
      ws.addEventListener("close", (event) => {
        if (!settled) fail(`closed before the upgrade completed (code ${event.code})`);
        else relay.#backendClosed(event.code, event.reason);
      });
      ws.addEventListener("message", (event) => relay.#fromBackend(event.data as Frame));
    });
  }

  /** The client's side of the upgrade finished: flush what the backend already sent. */
  attach(peer: Peer): void {
    this.#peer = peer;
    for (const frame of this.#early) safeSend(peer, frame);
    this.#early = [];
  }

  /** A message from the client, text or binary, relayed as it came. */
  fromClient(data: Frame): void {
    if (this.#closed) return;
    try {
      this.#ws.send(data as string | ArrayBuffer);
    } catch {
      // The backend is closing; its close event ends the client too.
    }
  }

  /** The client closed or died: close the backend with the same code where the API allows it. */
  clientClosed(code?: number, reason?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    closeWith(this.#ws, code, reason);
  }

  /** Server teardown. */
  close(): void {
    this.clientClosed(1001, "Proxy shutting down");
    if (this.#peer) closeWith(this.#peer, 1001, "Proxy shutting down");
  }

  #fromBackend(data: Frame): void {
    if (this.#peer) safeSend(this.#peer, data);
    else this.#early.push(data);
  }

  #backendClosed(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    const peer = this.#peer;
    if (!peer) return;
    // 1005 (no code) and 1006 (dropped) cannot be sent on the wire.
    if (code === 1005) closeWith(peer, 1000, reason);
    else if (code === 1006) closeWith(peer, 1011, "Backend connection lost");
    else closeWith(peer, code, reason);
  }
}

function forwardedHeaders(request: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    if (!HANDSHAKE_HEADERS.has(key)) headers[key] = value;
  });
  const host = request.headers.get("host");
  if (host) headers["x-forwarded-host"] = host;
  headers["x-forwarded-proto"] = request.url.startsWith("https") ? "https" : "http";
  return headers;
}

function safeSend(peer: Peer, data: Frame): void {
  try {
    peer.send(data);
  } catch {
    // The client is gone; its close hook ends the backend.
  }
}

/**
 * Closes with the relayed code, or 1000 when the socket's API refuses it (browser-style
 * WebSockets only take 1000 and 3000–4999).
 */
function closeWith(target: { close(code?: number, reason?: string): unknown }, code?: number, reason?: string): void {
  try {
    target.close(code, reason);
  } catch {
    try {
      target.close(1000, reason);
    } catch {
      // Already closed.
    }
  }
}
