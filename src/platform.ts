import type { Hooks } from "crossws";
import type { WebSocketConstructor } from "./types.ts";

// Public types live in types.ts and errors.ts: this file's crossws import would pull crossws's
// Node types into a consumer's type check.
export { ProxyError } from "./errors.ts";
export type { WebSocketConstructor } from "./types.ts";
export type { BodyCopier } from "./_bodyCopier.ts";
import type { BodyCopier } from "./_bodyCopier.ts";

/** What the core asks a runtime adapter to listen with. */
export interface ListenOptions {
  port: number;
  hostname: string;
  fetch: (request: Request) => Response | Promise<Response>;
  websocket: Partial<Hooks>;
  /** Largest incoming WebSocket message in bytes; larger ones close the connection with 1009. */
  maxMessageSize: number;
  /** Seconds a WebSocket may stay silent (no pong) before the runtime drops it. */
  idleTimeout: number;
  /** `false`: a runtime that needs a front of its own to bound connections and reset them (Bun, Deno) serves without it. */
  resettable?: boolean;
  /** Unsent bytes a WebSocket peer may hold; the core closes one past it (see `maxBufferedAmount`). */
  maxBufferedAmount: number;
  /** Concurrent connections the runtime may hold, where it can cap them (Node, the Bun and Deno fronts). */
  maxConnections: number;
  /** Seconds an HTTP connection may stay idle between requests, when the user set it. */
  keepAliveTimeout?: number;
  /** The proxy's timeout in ms: a runtime whose idle timeout also cuts pending requests (Bun) stays above it. */
  proxyTimeout: number;
  /** The server's logger at `warn`: what the runtime gave up to serve at all (Deno without its front). */
  warn?: (message: string) => void;
}

/** A bound server. */
export interface Listener {
  readonly port: number;
  /** Stops listening and resolves when the port is free again. */
  close(): Promise<void>;
  /**
   * @internal How many peer sets crossws's adapter holds: one whatever the WebSocket paths
   * (adapters/_listen.ts `namespaceOf`), where crossws's default kept one per path ever opened.
   */
  websocketNamespaces?(): number | undefined;
}

/** What a runtime's own HTTP upstream needs to proxy one request. */
export interface ProxyHttpOptions {
  /** Answer 504 when the target has not sent its response head within this many ms. */
  timeout: number;
  /** The `Via` to send in place of the client's: its own with this hub's entry appended (../server/_via.ts). */
  via: string;
  /**
   * Set by the upstream: how many times it sent the request again on a fresh connection because
   * a reused pooled one closed before any byte of the answer came back. For the journal.
   */
  retried?: number;
  /**
   * Set by an upstream whose answer's headers the runtime may rewrite once sent (h3's over Bun's
   * `fetch`: Bun's server takes `content-length` out of them): the answer's length, for the journal.
   */
  length?: number;
  /**
   * Set when the journal records bodies: an answer the upstream reads whole (one whose
   * `content-length` is at most `SMALL_ANSWER`) leaves its bytes, as sent, on the response under
   * `ANSWER_BODY`, so that the journal copies no stream. An upstream that decodes bodies itself
   * (`fetch`) reads whole only answers that came uncompressed: a decoded body has no known bound.
   */
  keepBody?: boolean;
  /**
   * Set when the journal records bodies and the request has one, for an upstream that says
   * `proxyCopiesRequestBody`: it copies the body as it forwards it, as `room` allows, and
   * calls `done` once the body ended, failed or was cut (with what it kept), so that the core
   * need not split the request's stream in two.
   */
  requestBody?: BodyCopier;
  /**
   * Set when the journal records bodies: an upstream may copy a streamed answer's body (as
   * `room` allows, as it passes to the client) instead of the core splitting the answer's stream;
   * it then leaves `ANSWER_BODY: null` on the response and calls `done` once the body ended,
   * failed or was cut.
   */
  responseBody?: BodyCopier;
}


/** Answers up to this size (by `content-length`) a runtime's proxy may read whole before sending them on. */
export const SMALL_ANSWER: number = 256 * 1024;

/**
 * How `Platform.batchWrite` may gather frames into one write: `"turn"`, the frames of one turn of
 * the event loop (from separate I/O callbacks, as a hub relays them); `"run"`, frames that come
 * in synchronous runs (the answers to the requests of one read): the first of a run goes at once
 * without a turn to end, and only a second one in the same run gathers the rest of the turn.
 */
export type BatchScope = "turn" | "run";

/** Everything that differs between the runtimes: one object per runtime adapter. */
export interface Platform {
  readonly runtime: "node" | "bun" | "deno" | "web";
  /** The runtime's version, for the dashboard ("20.19.0"). */
  readonly version?: string;
  /** Binds and resolves the listener, or `false` when the port is already taken. */
  listen(options: ListenOptions): Promise<Listener | false>;
  /** A WebSocket constructor that also takes a third `{ headers }` argument where the runtime can. */
  readonly WebSocket: WebSocketConstructor;
  /**
   * The runtime's fastest upstream for the HTTP proxy, with h3 `proxyRequest`'s behaviour
   * (hop-by-hop headers dropped, x-forwarded-* added, redirects not followed, several
   * set-cookie kept, streamed both ways). Without it, h3 `proxyRequest` (global `fetch`) is used.
   */
  readonly proxyHttp?: (request: Request, target: string, options: ProxyHttpOptions) => Promise<Response>;
  /** `proxyHttp` reads the client's body itself and honours `ProxyHttpOptions.requestBody`. */
  readonly proxyCopiesRequestBody?: boolean;
  /**
   * Options under which the runtime's `fetch` hands an answer's body over as it came (Bun:
   * `{ decompress: false }`), for h3's `proxyRequest` (runtimes without `proxyHttp`): the client's
   * `accept-encoding` then reaches the target and a compressed answer goes to the client as the
   * target sent it, with its `content-encoding` and `content-length` (SPEC §3). Without it `fetch`
   * decodes, and the answer goes decoded without them.
   */
  readonly fetchAsSent?: Readonly<Record<string, unknown>>;
  /**
   * `response` (a handler's own, with a body) as the runtime sends it, its body bytes handed to
   * `sent` once all went out: where the runtime streams such an answer anyway (Node), counting
   * as it writes costs next to nothing, and the client sees the same bytes framed the same. Without
   * it, the core counts from a copy (`clone()`).
   */
  readonly countedAnswer?: (response: Response, sent: (bytes: number) => void) => Response;
  /**
   * A handler's own `Response` (not a fetched one) as the runtime sends it with its
   * `content-length` when its body is whole (a string, bytes, a Blob…): Node's server (srvx)
   * streams a global `Response` chunked whatever its body, where Bun and Deno send the length.
   * An answer sent with its length carries `ANSWER_HEADERS` and `ANSWER_BODY` for the journal.
   */
  readonly sizedAnswer?: (response: Response) => Promise<Response>;
  /**
   * Called before a frame of `size` bytes is written to `transport` (a crossws peer or a client
   * WebSocket): lets a runtime gather the frames of one batch (`BatchScope`) into one write. Optional.
   */
  readonly batchWrite?: (transport: unknown, size: number, scope: BatchScope) => void;
  /**
   * Writes a framework frame to a client WebSocket (the one `WebSocket` above made, or the user's
   * own) itself, in fewer steps than its `send`, and returns true; or returns false, having written
   * nothing, and the client calls `send`. Optional.
   */
  readonly sendText?: (ws: unknown, text: string) => boolean;
  /**
   * Reads the usual framework frames of a client WebSocket (the one `WebSocket` above made, or the
   * user's own) itself, handing each text to `receive` in order with the messages the WebSocket
   * emits, which still carry everything else. Called once the client's own `message` listener is
   * its only one. Optional: without it the WebSocket reads everything.
   */
  readonly readText?: (ws: unknown, receive: (text: string) => void) => void;
  /**
   * Takes a framework connection's messages straight off the runtime's socket under the crossws
   * `peer` (text as a string, binary as bytes, in order, each once) and returns that socket to
   * write the answers to: past crossws's per-message object, hook call and send wrapper. Without
   * it (or when it returns `undefined`), crossws's hooks carry the frames. Optional.
   * `maxUnread`: bytes the client may leave unread before a writer that also carries the
   * server's own frames (pongs) cuts it off; the core checks its answers against its own limit.
   * `maxText`: the core's limit on a framework message (the runtime's is the larger proxy one): a
   * writer that reads the client's frames itself closes a larger text message with 1009 as it arrives.
   */
  readonly directFrames?: (peer: unknown, receive: (data: string | Uint8Array) => void, maxUnread: number, maxText: number) => FrameWriter | undefined;
  /**
   * The bytes a client WebSocket (made with `WebSocket` above) has received so far, where the
   * runtime shows them: the client's heartbeat then counts a server busy sending one long message
   * as alive. Read at the heartbeat's tick only. Without it (or `undefined`), only whole messages count.
   */
  readonly bytesReceived?: (ws: unknown) => number | undefined;
  /**
   * Proxies a WebSocket upgrade as a byte pipe to `target` instead of relaying messages, where
   * the client's raw connection is at hand (the runtime's socket, or the hub's own front). Answers the client itself (the backend's 101, or
   * a 502), and resolves `true`, or `false` when it cannot take this request.
   */
  readonly pipeUpgrade?: (request: Request, target: string, options: PipeUpgradeOptions) => Promise<boolean>;
  /**
   * Why the runtime may not dial `target` (a proxy target), or `undefined`: Deno without the net
   * permission for its host, which would otherwise prompt in a terminal and freeze the process.
   */
  readonly dialRefusal?: (target: string) => string | undefined;
  /**
   * The runtime's fastest `Response` constructor for answers the server builds itself (srvx's
   * FastResponse on Node). Without it, the global `Response`.
   */
  readonly Response?: new (body: string, init?: ResponseInit) => Response;
  /**
   * Reads an environment variable, or `undefined` when it is unset or the runtime may not read
   * it (Deno without `--allow-env`: no error, no prompt). Without it, nothing is read.
   */
  readonly env?: (name: string) => string | undefined;
  /**
   * Finds out why a WebSocket connection to `url` failed, for runtimes whose WebSocket error
   * events say nothing: connects to its host and port and asks for its path over plain HTTP.
   * Resolves the system error code (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`…), or the HTTP
   * status the server answers with.
   */
  readonly probeConnect?: (url: string, timeoutMs: number) => Promise<ConnectProbe>;
  /**
   * Drops the connection `request` came on without an answer (the `reset` fault): the client
   * sees a connection reset, not an HTTP status. Returns what the handler answers (nobody reads
   * it), or `undefined` when it cannot drop this connection. Without it (or then), the answer is
   * a body that fails before its first byte.
   */
  readonly resetConnection?: (request: Request) => Response | undefined;
  /**
   * True where reading a Response's `body` getter changes how the runtime's server sends it: Deno
   * sends a body made from a string or bytes with its `content-length` only while nothing has asked
   * for `body` (a stream is made for it then, and sent chunked); Bun sends `new Response("text")`
   * as `text/plain;charset=utf-8` only then (after, `application/octet-stream`: the type lives in
   * the body, not in `headers`). The hub then never reads `body` of a handler's answer only to
   * check it (../server/_answerContract.ts).
   */
  readonly bodyGetterChangesAnswer?: boolean;
  /**
   * The same answer, sent so that a body failing mid-way (a spy's `fetch()` whose service died)
   * still cuts the client's connection but prints nothing: Bun's server writes the Error such a
   * body fails with to stderr, and the library prints nothing. Absent where the runtime is silent.
   */
  readonly quietBody?: (response: Response) => Response;
  /**
   * The names this machine answers to beyond loopback, as a URL writes a host: its hostname and
   * its interfaces' addresses (`[…]` for IPv6), lower-cased. Read once, by a hub listening on
   * every interface, to notice a proxy target that is itself. Empty where the runtime may not
   * read them (Deno without `--allow-sys`: no error, no prompt). Without it, none.
   */
  readonly machineNames?: () => string[];
}

/** Where a framework connection's frames are written: a crossws peer, or the socket under it. */
export interface FrameWriter {
  send(frame: string): unknown;
  /** Sends the frame `head + json + tail`, encoding the parts into it without joining them (`IPCSocketTarget.sendParts`). */
  sendParts?(head: string, json: string, tail: string): unknown;
  /** Bytes written and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Sends at once what it holds back for batching: called before the connection is closed from this side, so the close frame comes last. */
  flush?(): void;
  /** Ends the connection at once, with no closing handshake (a slow consumer), where the peer's own `terminate` would not reach it (a front carrying the frames). */
  terminate?(): void;
}

/** What `Platform.probeConnect` found: a system error code, or the status of the server's answer. */
export type ConnectProbe = { code: string } | { status: number };

export interface PipeUpgradeOptions {
  /** Give up on the backend after this many ms (502). */
  connectTimeout: number;
  /** The `Via` to send in place of the client's: its own with this hub's entry appended (../server/_via.ts). */
  via: string;
  /** Open pipes: the pipe adds itself and removes itself when it closes. */
  connections: Set<ProxiedConnection>;
  /** Told the status the client got: the backend's (101, or its refusal), or 502. For the journal. */
  onAnswer?: (status: number) => void;
}

/** A proxied connection the server closes at teardown. */
export interface ProxiedConnection {
  close(): void;
}

/**
 * Where a runtime's proxy may leave the headers of an answer it built, in the form it already
 * has them, so that the journal need not make srvx's FastResponse build a Headers object.
 */
export const ANSWER_HEADERS: unique symbol = Symbol.for("crossipc.answerHeaders");

/**
 * Where whoever built an answer may leave its whole body, when it had the bytes anyway (a replay,
 * a small proxied answer read whole): a journal that records bodies takes them from here instead
 * of copying the response's stream. Never written to after. `null`: a runtime's upstream copies
 * the body itself as it streams, and hands the copy to `ProxyHttpOptions.responseBody`.
 */
export const ANSWER_BODY: unique symbol = Symbol.for("crossipc.answerBody");

let current: Platform | undefined;

/** Called once by the runtime entry (`crossipc/node`, `crossipc/bun`, `crossipc/deno`). */
export function setPlatform(platform: Platform): void {
  current = platform;
}

/** Sets `platform` unless a runtime entry already did: the client entry must not replace the Node adapter. */
export function setDefaultPlatform(platform: Platform): void {
  current ??= platform;
}

export function getPlatform(): Platform {
  if (!current) {
    throw new Error("crossipc: no runtime adapter loaded. Import from 'crossipc' (or 'crossipc/node', '/bun', '/deno').");
  }
  return current;
}
