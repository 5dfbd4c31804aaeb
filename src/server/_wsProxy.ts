import type { Peer } from "crossws";
import { IPCError, errorMessage } from "../errors.ts";
import { dropPeer } from "./_clients.ts";
import { unrefTimeout } from "../_timers.ts";
import { heldFrameSize } from "../_heldFrame.ts";
import { getPlatform, type WebSocketConstructor } from "../platform.ts";
import { credentialsApart } from "./_serviceCredentials.ts";

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
  readonly #maxBuffered: number;
  #peer: Peer | undefined;
  /** Backend messages that arrive between the backend's `open` and the client's, and their size. */
  #early: Frame[] = [];
  #earlyBytes = 0;
  #closed = false;
  /** How the client is to be closed when the relay ended before the client's `open`. */
  #closeOnAttach: { code: number; reason: string } | undefined;

  private constructor(ws: WebSocket, maxBuffered: number) {
    this.#ws = ws;
    this.#maxBuffered = maxBuffered;
    this.protocol = ws.protocol;
  }

  /**
   * Dials the backend with the client's offered subprotocols, headers and query (`via` in place
   * of its `Via`). A side that does not read what it is sent may hold `maxBuffered` bytes (plus
   * one message); past that both are closed with 1013, since neither Bun's nor Deno's sockets
   * can stop reading the other side, and a message is never dropped while the relay stays open.
   */
  static connect(WebSocketImpl: WebSocketConstructor, url: string, request: Request, via: string, timeoutMs: number, maxBuffered: number): Promise<UpstreamRelay> {
    // The service URL's `user:password@` goes as `Authorization: Basic` (the client's own wins), as
    // on proxied HTTP; each runtime's WebSocket did its own thing with a URL holding them.
    const { url: bare, authorization } = credentialsApart(url);
    const wsUrl = bare.replace(/^http/, "ws");
    const offered = (request.headers.get("sec-websocket-protocol") ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WebSocketImpl(wsUrl, offered.length ? offered : undefined, { headers: forwardedHeaders(request, via, authorization) });
      } catch (error) {
        reject(new IPCError("ERR_IPC_CONNECT", `WebSocket proxy: cannot dial ${wsUrl}: ${errorMessage(error)}`));
        return;
      }
      ws.binaryType = "arraybuffer";
      const relay = new UpstreamRelay(ws, maxBuffered);
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
    const early = this.#early;
    this.#early = [];
    const close = this.#closeOnAttach;
    if (!close) {
      for (const frame of early) this.#fromBackend(frame);
      return;
    }
    // The backend said its last before the client opened (an overflow kept none of it).
    for (const frame of early) safeSend(peer, frame);
    closeWith(peer, close.code, close.reason);
  }

  /** A message from the client, text or binary, relayed as it came. */
  fromClient(data: Frame): void {
    if (this.#closed) return;
    // What the backend has not taken yet, before this message: one large message still goes
    // out whole, a backend that does not read is found at the next one.
    if (this.#ws.bufferedAmount > this.#maxBuffered) return this.#overflow("backend");
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
    const peer = this.#peer;
    if (this.#closed) return;
    if (!peer) {
      if (this.#earlyBytes > this.#maxBuffered) return this.#overflow("client");
      this.#early.push(data);
      this.#earlyBytes += heldFrameSize(data);
      return;
    }
    // As in `fromClient`, what the client has not read before this message; Bun answers 0 for a
    // message it dropped instead of queueing (past its own limit, set above this one).
    // Only on Bun does 0 mean dropped: crossws's Node peer answers its bufferedAmount, 0 once
    // all was written (a relayed socket on Node, e.g. under a frame fault, was cut at its first frame).
    if (peer.bufferedAmount > this.#maxBuffered || (safeSend(peer, data) === 0 && getPlatform().runtime === "bun")) this.#overflow("client");
  }

  /** One side holds more than `maxBuffered` unread bytes: both are closed, none is left waiting. */
  #overflow(side: "client" | "backend"): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#early = [];
    const reason = side === "client" ? "Client not reading: too much unread data" : "Backend not reading: too much unread data";
    closeWith(this.#ws, 1013, reason);
    const peer = this.#peer;
    if (!peer) {
      this.#closeOnAttach = { code: 1013, reason };
      return;
    }
    // A client that does not read will not read a close frame either: cut it off now.
    if (side === "client") dropPeer(peer, 1013, reason);
    else closeWith(peer, 1013, reason);
  }

  #backendClosed(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    // 1005 (no code) and 1006 (dropped) cannot be sent on the wire.
    const close = code === 1005 ? { code: 1000, reason } : code === 1006 ? { code: 1011, reason: "Backend connection lost" } : { code, reason };
    // Before the client's `open` there is no one to tell yet: the client is closed as it opens.
    if (this.#peer) closeWith(this.#peer, close.code, close.reason);
    else this.#closeOnAttach = close;
  }
}

function forwardedHeaders(request: Request, via: string, serviceAuthorization: string | undefined): Record<string, string> {
  // Null-prototype: on a plain object a header named `__proto__` set nothing and was not forwarded.
  const headers: Record<string, string> = Object.create(null);
  request.headers.forEach((value, key) => {
    if (!HANDSHAKE_HEADERS.has(key)) headers[key] = value;
  });
  if (serviceAuthorization !== undefined && headers.authorization === undefined) headers.authorization = serviceAuthorization;
  const host = request.headers.get("host");
  if (host) headers["x-forwarded-host"] = host;
  headers["x-forwarded-proto"] = request.url.startsWith("https") ? "https" : "http";
  headers["via"] = via;
  return headers;
}

/** What the runtime's `send` answered (Bun: bytes sent, -1 queued, 0 dropped), or undefined. */
function safeSend(peer: Peer, data: Frame): unknown {
  try {
    return peer.send(data);
  } catch {
    // The client is gone; its close hook ends the backend.
    return undefined;
  }
}

/**
 * Closes with the relayed code, or 1000 when the socket's API refuses it (browser-style
 * WebSockets only take 1000 and 3000–4999).
 */
export function closeWith(target: { close(code?: number, reason?: string): unknown }, code?: number, reason?: string): void {
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
