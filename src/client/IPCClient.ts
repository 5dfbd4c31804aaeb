import { IPCError, errorMessage } from "../errors.ts";
import { IPCSocket, type IPCMessageHandler, type IPCRequestHandler, type IPCSocketTarget } from "../IPCSocket.ts";
import { ACCESS_TOKEN_VARIABLE, fromEnvironment } from "../_environment.ts";
import { log } from "../_log.ts";
import { LISTENER_ERRORS, logBounded } from "../_boundedLog.ts";
import { unrefInterval, unrefTimeout } from "../_timers.ts";
import { batchFrame, isRequest } from "../_batchScope.ts";
import { getPlatform, type Platform } from "../platform.ts";
import { assertName, assertUserName, INTERNAL_SOCKET_PATH } from "../protocol.ts";
import type { Awaitable, IPCClientRequest, IPCLogger, IPCServerRequest, WebSocketConstructor } from "../types.ts";
import { HEARTBEAT_PATH, httpBase, refusalReason, tokenInUrl, wsBase } from "./_address.ts";
import { connectFailure, systemError } from "./_connectFailure.ts";
import { headTooLarge, MAX_REQUEST_HEAD } from "./_headSize.ts";
import { errorWithoutSecrets, hideSecrets, secretsOf, type ClientSecrets } from "./_hideSecrets.ts";
import { checkNumbers, type NumberKind } from "../_numberOptions.ts";
import { checkClientPort } from "../_port.ts";
import { peerText } from "../_controls.ts";

export interface IPCClientOptions {
  /** `connect()` rejects when the server has not accepted within this many ms. Default 5 000. */
  connectTimeout?: number | undefined;
  /**
   * Passed as `?token=` when the server requires an access token. Default: the
   * `CROSSIPC_ACCESS_TOKEN` environment variable, if the runtime may read it.
   */
  accessToken?: string | undefined;
  /**
   * How often (ms) the client checks that the server still answers. A server that does not
   * answer within `heartbeatTimeout` counts as dead: `onClose` fires and pending requests
   * reject. Default 4 000; 0 turns it off.
   */
  heartbeatInterval?: number | undefined;
  /**
   * Default 4 000 ms, so a dead server is found within 10 s. Also how long `disconnect()` waits for
   * the server's closing handshake. More than 0 (the heartbeat is turned off with `heartbeatInterval: 0`).
   */
  heartbeatTimeout?: number | undefined;
  /** A WebSocket constructor to use instead of the runtime's. */
  WebSocket?: WebSocketConstructor | undefined;
  /** Where to report what happens; without one the client prints nothing. */
  logger?: IPCLogger | undefined;
  /**
   * Requests from the server whose handler has not settled yet, past which each further one is
   * answered at once with a failure naming this limit (as `IPCServerOptions.maxRequestsInFlight`).
   * Default 10 000. A `connectMocks` process holds one per request its mocks are answering.
   */
  maxRequestsInFlight?: number | undefined;
}

/**
 * The numeric options and what each takes. `heartbeatTimeout: 0` failed every heartbeat and made
 * `disconnect()` cut at once; the heartbeat is turned off with `heartbeatInterval: 0`.
 */
const CLIENT_NUMBER_OPTIONS: Readonly<Record<string, NumberKind>> = {
  connectTimeout: "ms",
  heartbeatInterval: "msOrOff",
  heartbeatTimeout: "ms",
  maxRequestsInFlight: "count",
};

/** Each client's handler map, for `setInternalRequestHandler` (not a public member of the class). */
const handlerMaps = new WeakMap<IPCClient, Map<string, IPCRequestHandler>>();

/**
 * @internal Answers one of the hub's own requests on `client` (`__crossipc/…`, which
 * `onFrameworkRequest` refuses): connectMocks's side of the mocks protocol.
 */
export function setInternalRequestHandler(client: IPCClient, type: string, handler: (payload: any) => unknown): void {
  assertName(type);
  handlerMaps.get(client)!.set(type, (data) => handler(data));
}

/** Each client's message handler map, for `setInternalMessageHandler`. */
const messageMaps = new WeakMap<IPCClient, Map<string, IPCMessageHandler>>();

/** @internal Receives one of the hub's own fire-and-forget messages on `client` (`__crossipc/…`). */
export function setInternalMessageHandler(client: IPCClient, type: string, handler: (payload: any) => unknown): void {
  assertName(type, "Message name");
  messageMaps.get(client)!.set(type, (data) => handler(data));
}

/** A connection to an IPCServer: typed requests both ways and fire-and-forget messages. */
export class IPCClient {
  readonly #wsBase: string;
  /** The address as messages and logs name it: a password in it reads `[redacted]`. */
  readonly #shownBase: string;
  /** The token and the URL's password, which no message shows. */
  readonly #secrets: ClientSecrets;
  readonly #options: IPCClientOptions;
  readonly #accessToken: string | undefined;
  /** Kept on the client so handlers registered before `connect` (or before a reconnect) apply. */
  readonly #requestHandlers = new Map<string, IPCRequestHandler>();
  readonly #messageHandlers = new Map<string, IPCMessageHandler>();
  #closeListeners: Array<(code?: number, reason?: string) => void> = [];
  #socket: IPCSocket | undefined;
  /** The WebSocket under `#socket`, which `disconnect()` ends if its closing handshake stalls. */
  #ws: WebSocket | undefined;
  #connecting: Promise<void> | undefined;
  /** Ends the connection `#open` is still opening; `disconnect()` calls it. */
  #abortConnecting: (() => void) | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  /**
   * The last connection ended without `disconnect()`: requests then reject "Socket not
   * connected", as the original's (its closed socket stayed in place), not "Not connected to IPC server".
   */
  #lost = false;

  /**
   * `portOrUrl`: a port on 127.0.0.1, or a URL such as `http://127.0.0.1:4000` or `ws://…`; its
   * query and fragment are not part of the address, and a `?token=` in it is the access token
   * when `options.accessToken` gives none.
   */
  constructor(portOrUrl: number | string, options: IPCClientOptions = {}) {
    // Checked now: a bad port otherwise surfaced at `connect()` as an invalid URL (src/_port.ts).
    checkClientPort(portOrUrl);
    this.#wsBase = wsBase(portOrUrl);
    // Checked now: each is first used when connecting, or seconds later by the heartbeat (src/_numberOptions.ts).
    checkNumbers(options, CLIENT_NUMBER_OPTIONS);
    handlerMaps.set(this, this.#requestHandlers);
    messageMaps.set(this, this.#messageHandlers);
    this.#options = options;
    this.#accessToken = options.accessToken ?? tokenInUrl(portOrUrl) ?? fromEnvironment(ACCESS_TOKEN_VARIABLE);
    this.#secrets = secretsOf(portOrUrl, this.#accessToken);
    this.#shownBase = hideSecrets(this.#wsBase, this.#secrets);
  }

  /** Brands a request name with its payload and result types (a request the client handles). */
  static defineRequest<Req, Res>(name: string): IPCClientRequest<Req, Res> {
    assertName(name);
    return name as IPCClientRequest<Req, Res>;
  }

  // --- connection -----------------------------------------------------------------------

  /** Opens the framework connection. A no-op when already connected. */
  connect(runtimeId?: string): Promise<void> {
    if (this.#socket?.isConnected()) return Promise.resolve();
    this.#connecting ??= this.#open(runtimeId).finally(() => {
      this.#connecting = undefined;
      this.#abortConnecting = undefined;
    });
    return this.#connecting;
  }

  isConnected(): boolean {
    return this.#socket?.isConnected() ?? false;
  }

  /** Closes the connection; pending requests reject at once. */
  disconnect(): void {
    // While connect() is still opening there is no socket yet: end that attempt, as the
    // original's `ws.close()` on a connecting socket did, instead of letting it open afterwards.
    if (!this.#socket) this.#abortConnecting?.();
    const ws = this.#ws;
    this.#socket?.close(1000, "Client disconnect");
    if (ws) endWithin(ws, this.#options.heartbeatTimeout ?? 4000);
    this.#lost = false;
  }

  /**
   * Called once when the current (or next) connection ends, for any reason. The callback
   * also gets the close code and reason when it declares them (`(code?: number) => …`):
   * 1001 when the server shut down, 1006 when the connection died.
   */
  onClose(callback: () => void): void {
    this.#closeListeners.push(callback);
  }

  // --- messaging ------------------------------------------------------------------------

  /** Sends a request to the server and resolves with its answer. */
  sendFrameworkRequest<Req, Res>(type: IPCServerRequest<Req, Res>, payload: Req, timeoutMs: number = 10_000): Promise<Res> {
    const socket = this.#socket;
    if (!socket?.isConnected()) {
      try {
        assertName(type);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.reject(this.#notConnected(type));
    }
    return socket.request<Res>(type, payload, timeoutMs);
  }

  /** Answers requests that the server sends to this client. May be called before `connect`. */
  onFrameworkRequest<Req, Res>(type: IPCClientRequest<Req, Res>, handler: (payload: Req) => Awaitable<Res>): void {
    assertUserName(type);
    this.#requestHandlers.set(type, (data) => handler(data as Req));
  }

  /** Fire-and-forget message to the server (its `onFrameworkNotification`). */
  sendFrameworkNotification<T>(type: IPCServerRequest<T, void> | string, payload: T): void {
    const socket = this.#socket;
    assertName(type, "Message name");
    if (!socket?.isConnected()) throw this.#notConnected(type);
    socket.send(type, payload);
  }

  /** Receives fire-and-forget messages the server sends with `sendFrameworkNotification`. */
  onFrameworkNotification<T>(type: IPCClientRequest<T, void> | string, handler: (payload: T) => unknown): void {
    assertUserName(type, "Message name");
    this.#messageHandlers.set(type, (data) => handler(data as T));
  }

  // --- internals ------------------------------------------------------------------------

  #open(runtimeId: string | undefined): Promise<void> {
    const { connectTimeout = 5000, logger } = this.#options;
    const accessToken = this.#accessToken;
    const query = new URLSearchParams();
    if (runtimeId) query.set("runtimeId", runtimeId);
    if (accessToken !== undefined) query.set("token", accessToken);
    const search = query.size ? `?${query}` : "";
    const url = `${this.#wsBase}${INTERNAL_SOCKET_PATH}${search}`;
    const WebSocketImpl = this.#options.WebSocket ?? getPlatform().WebSocket;
    // Its length in bytes: the query is URL-encoded, ASCII (./_headSize.ts).
    const target = url.length - this.#wsBase.length;
    if (target > MAX_REQUEST_HEAD) {
      const why = `its URL is ${target} bytes; a server reads at most ${MAX_REQUEST_HEAD} of a request's head`;
      return Promise.reject(new IPCError("ERR_IPC_CONNECT", `Cannot connect to IPC server at ${this.#shownBase}: ${headTooLarge(accessToken, why)}`));
    }

    return new Promise<void>((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WebSocketImpl(url);
      } catch (thrown) {
        // "Invalid URL: ws://user:pw@…?token=T" (a port past 65535): the message quotes both secrets.
        const error = errorWithoutSecrets(thrown, this.#secrets);
        reject(new IPCError("ERR_IPC_CONNECT", `Cannot connect to IPC server at ${this.#shownBase}: ${errorMessage(error)}`, { cause: error }));
        return;
      }
      let settled = false;
      this.#abortConnecting = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        forceClose(ws);
        reject(new IPCError("ERR_IPC_CLOSED", `Socket teardown: disconnect() was called while connecting to ${this.#shownBase}`));
      };
      const timer = unrefTimeout(() => {
        if (settled) return;
        settled = true;
        forceClose(ws);
        // The original's text, and the system code its `ws` reported for a connect that timed out.
        const message = `Connection timeout to ${this.#shownBase} after ${connectTimeout}ms`;
        reject(new IPCError("ERR_IPC_CONNECT", message, { cause: systemError("ETIMEDOUT", message) }));
      }, connectTimeout);

      const onOpen = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.removeEventListener("error", onError);
        const socket: IPCSocket = new IPCSocket(batched(ws, getPlatform(), () => socket.pendingCount), {
          runtimeId,
          requestHandlers: this.#requestHandlers,
          messageHandlers: this.#messageHandlers,
          logger,
          attach: true,
          ...(this.#options.maxRequestsInFlight === undefined ? {} : { maxRequestsInFlight: this.#options.maxRequestsInFlight }),
        });
        // The socket's `message` listener is the WebSocket's only one now: the runtime may read the usual answers itself.
        getPlatform().readText?.(ws, (text) => socket.receive(text));
        socket.onClose((code, reason) => this.#closed(socket, code, reason));
        this.#socket = socket;
        this.#ws = ws;
        this.#lost = false;
        this.#startHeartbeat(socket, ws);
        log(logger, "debug", `Connected to IPC server at ${this.#shownBase}`);
        resolve();
      };
      const onError = (event: Event) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        connectFailure(event, url, getPlatform().probeConnect).then(async ({ code, status, cause: quoted }) => {
          // A browser-style WebSocket cannot see why an upgrade was refused: ask the server over HTTP.
          const refusal = code || (status !== undefined && status !== 401 && status !== 403)
            ? undefined
            : await refusalReason(`${httpBase(this.#wsBase)}${INTERNAL_SOCKET_PATH}${search}`);
          // Bun's error quotes the URL it dialled, and a server's refusal may echo the request: neither shows a secret.
          const cause = errorWithoutSecrets(quoted, this.#secrets);
          // The reason is whatever the port's holder said: a logger prints it, so its controls (ESC, CR, bidi) are escaped and its length capped.
          if (refusal) reject(new IPCError("ERR_IPC_UNAUTHORIZED", `IPC server at ${this.#shownBase} refused the connection: ${peerText(hideSecrets(refusal, this.#secrets))}`));
          else if (status === 431) reject(new IPCError("ERR_IPC_CONNECT", `Cannot connect to IPC server at ${this.#shownBase}: ${headTooLarge(accessToken, "the server answered 431")}`, { cause }));
          else reject(new IPCError("ERR_IPC_CONNECT", `Cannot connect to IPC server at ${this.#shownBase}: ${errorMessage(cause)}`, { cause }));
        });
      };
      ws.addEventListener("open", onOpen, { once: true });
      ws.addEventListener("error", onError);
    });
  }

  #startHeartbeat(socket: IPCSocket, ws: WebSocket): void {
    const { heartbeatInterval = 4000, heartbeatTimeout = 4000, logger } = this.#options;
    if (heartbeatInterval <= 0) return;
    const received = getPlatform().bytesReceived;
    this.#heartbeat = unrefInterval(() => {
      const before = received?.(ws);
      socket.request(HEARTBEAT_PATH, undefined, heartbeatTimeout).catch((error: IPCError) => {
        // Any answer, even "No handler for" from an original server, proves the server is alive.
        if (error.code !== "ERR_IPC_TIMEOUT") return;
        // Bytes kept coming: the answer waits behind a long message on a slow link (Node's `ws` shows them).
        if (before !== undefined && received!(ws) !== before) return;
        log(logger, "warn", `IPC server at ${this.#shownBase} did not answer for ${heartbeatTimeout}ms: closing`);
        forceClose(ws);
        socket.handleClose(1006, "Heartbeat timeout");
      });
    }, heartbeatInterval);
  }

  #closed(socket: IPCSocket, code?: number, reason?: string): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#ws = undefined;
    this.#lost = true;
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    for (const listener of this.#closeListeners.splice(0)) {
      try {
        listener(code, reason);
      } catch (error) {
        logBounded(this.#options.logger, "error", LISTENER_ERRORS, `onClose listener threw: ${errorMessage(error)}`, error);
      }
    }
  }

  #notConnected(type: string): IPCError {
    // A socket still here is closing: its close has not been reported yet.
    if (this.#lost || this.#socket) {
      return new IPCError("ERR_IPC_NOT_CONNECTED", `Socket not connected: the connection to IPC server at ${this.#shownBase} closed (request '${type}')`);
    }
    return new IPCError("ERR_IPC_NOT_CONNECTED", `Not connected to IPC server at ${this.#shownBase} (request '${type}')`);
  }
}

/** Drops the connection without waiting for a closing handshake (`ws` has `terminate`). */
function forceClose(ws: WebSocket): void {
  try {
    const terminate = (ws as { terminate?: () => void }).terminate;
    if (terminate) terminate.call(ws);
    else ws.close();
  } catch {
    // Already closed.
  }
}

/**
 * Ends `ws` when its closing handshake has not finished within `ms` (the time a server has to
 * answer a heartbeat before it counts as dead). A server that never answers the close frame — a
 * hub stopped (SIGSTOP) or stuck in a loop, whatever else holds the port — kept the process alive
 * after `disconnect()` for as long as the WebSocket's own close timeout (30 s or more). A WebSocket
 * with no `terminate` cannot be ended without the handshake: it stays open until the server
 * answers or goes (README, "disconnect()").
 */
function endWithin(ws: WebSocket, ms: number): void {
  if (ws.readyState === 3 /* CLOSED */) return;
  const timer = unrefTimeout(() => forceClose(ws), ms);
  ws.addEventListener("close", () => clearTimeout(timer), { once: true });
}

/**
 * The socket itself, or a view of it that lets the runtime batch the writes of one turn and write
 * frames itself (`Platform.sendText`). `pending`: the requests the IPCSocket on it has not seen
 * answered (see `batchScopeOf`).
 */
function batched(ws: WebSocket, { batchWrite, sendText }: Platform, pending: () => number): IPCSocketTarget {
  if (!batchWrite && !sendText) return ws;
  return {
    send(frame: string) {
      if (batchWrite) batchFrame(batchWrite, ws, frame, pending() <= 1 && isRequest(frame));
      if (!sendText?.(ws, frame)) ws.send(frame);
    },
    close: (code?: number, reason?: string) => ws.close(code, reason),
    get readyState() {
      return ws.readyState;
    },
    addEventListener: ws.addEventListener.bind(ws),
  };
}
