import { IPCError, errorMessage } from "./errors.ts";
import { isExpectedFailure } from "./_expectedFailure.ts";
import { log } from "./_log.ts";
import { LISTENER_ERRORS, logBounded } from "./_boundedLog.ts";
import { excerpt, MAX_EXCERPT } from "./_excerpt.ts";
import { unrefTimeout } from "./_timers.ts";
import { checkNumber } from "./_numberOptions.ts";
import { peerText } from "./_controls.ts";
import {
  IPCMessageType,
  assertName,
  decodeData,
  encodeFrame,
  encodeSuccess,
  parseFrame,
  successParts,
  type IPCFrame,
  type IPCResponseBody,
} from "./protocol.ts";
import type { IPCLogger } from "./types.ts";

/**
 * The part of a WebSocket that IPCSocket writes to: a browser-style `WebSocket`, a `ws`
 * socket, or a thin wrapper around a crossws peer. `readyState` is optional; when it is
 * there, anything but OPEN (1) counts as not connected.
 */
export interface IPCSocketTarget {
  send(data: string): unknown;
  close(code?: number, reason?: string): unknown;
  readyState?: number;
  addEventListener?: unknown;
  /** Bytes written and not yet sent, where the socket says. */
  readonly bufferedAmount?: number;
  /**
   * Sends the frame `head + json + tail` without that string being built: a writer that frames
   * text itself encodes the parts straight into the frame. Used for answers with long JSON only
   * (`successParts`).
   */
  sendParts?(head: string, json: string, tail: string): unknown;
}

/** Handles a request from the peer; its result (or thrown error) is the answer. */
export type IPCRequestHandler = (data: any, socket: IPCSocket) => unknown;
/** Handles a fire-and-forget message from the peer. */
export type IPCMessageHandler = (data: any, socket: IPCSocket) => unknown;

export interface IPCSocketOptions {
  /** Server side: the id of this client connection. */
  clientId?: string;
  /** The runtimeId the peer connected with, if any. */
  runtimeId?: string;
  /**
   * Request handlers to use instead of the socket's own map. The server passes one map to all
   * its sockets, so handlers registered later apply to clients already connected.
   */
  requestHandlers?: Map<string, IPCRequestHandler>;
  /** Fire-and-forget handlers to use instead of the socket's own map (shared like `requestHandlers`). */
  messageHandlers?: Map<string, IPCMessageHandler>;
  /** Default timeout of `request()` in ms (10 000). */
  requestTimeout?: number;
  logger?: IPCLogger;
  /**
   * Listen to `message`/`close`/`error` events of the target itself. Default: yes when the
   * target has `addEventListener` (a browser-style or `ws` WebSocket). Set `false` when you
   * feed frames with `receive()` and report the end with `handleClose()`.
   */
  attach?: boolean;
  /** Told each request that no handler took (after it was answered "No handler for"): the server's journal. */
  onUnhandled?: (path: string) => void;
  /**
   * Requests from the peer whose handler has not settled yet, past which each further request is
   * answered at once with a failure naming this limit (the connection stays). Default 10 000.
   */
  maxRequestsInFlight?: number;
}

/**
 * Far above what legitimate use holds in flight on one connection (the bench runs 64, grest-ts a
 * handful), and far below what a peer could otherwise make the process hold: each request waiting
 * for a slow handler costs ~1.3 KB, and 1,000,000 of them grew a server to 1.3 GiB.
 */
export const DEFAULT_MAX_REQUESTS_IN_FLIGHT = 10_000;
/** How the error a request past `maxRequestsInFlight` gets begins (SPEC §2's shape), so that a relay can tell "busy" from "gone". */
export const TOO_MANY_IN_FLIGHT = "Too many requests in flight";

interface PendingRequest {
  /** The id as the frame carries it: an answer's id must be this text, not only the same number ("007" is not 7). */
  id: string;
  path: string;
  resolve: (data: any) => void;
  reject: (error: Error) => void;
  /** When it times out (`performance.now()` time). */
  deadline: number;
  timeoutMs: number;
}

const OPEN = 1;
/** A timeout timer this late (ms) means the event loop was blocked, not that the peer was slow. */
const LATE_TIMER_MS = 50;

/**
 * Request/response correlation, fire-and-forget messages and handlers by path over any
 * WebSocket-like target. Transport-independent: it writes with `target.send()` and is fed
 * incoming text frames through `receive()`.
 */
export class IPCSocket {
  readonly clientId?: string;
  readonly runtimeId?: string;

  readonly #target: IPCSocketTarget;
  readonly #requestHandlers: Map<string, IPCRequestHandler>;
  readonly #messageHandlers: Map<string, IPCMessageHandler>;
  /**
   * Keyed by the id as a number, not its text: V8 looks a string key of a Map up in its string
   * table (a runtime call, a probe that misses the cache once the process has slept), and on Deno
   * between processes that cost ~1.5–4 µs per request (bench/ANALYSIS.md, session 28, "Deno
   * client between processes"); a small integer key is hashed inline.
   */
  readonly #pending = new Map<number, PendingRequest>();
  /**
   * One timer for every pending request's timeout, set for the earliest deadline, instead of a
   * timer per request: on Deno, creating and clearing a timer per request added ~17 µs to a round
   * trip at 1 in flight and 3–7 µs of CPU (bench, side measurement). It is re-armed when it fires.
   */
  #timeoutTimer: ReturnType<typeof setTimeout> | undefined;
  #timeoutAt = Infinity;
  /** Set while a late timeout waits one turn for answers already received (see `#expire`). */
  #lookedAgain = false;
  readonly #closeCallbacks: Array<(code?: number, reason?: string) => void> = [];
  readonly #errorCallbacks: Array<(error: Error) => void> = [];
  readonly #requestTimeout: number;
  readonly #logger?: IPCLogger;
  readonly #onUnhandled?: (path: string) => void;
  readonly #maxInFlight: number;
  /** The peer's requests whose handler returned a promise that has not settled yet. */
  #inFlight = 0;
  /** Whether reaching `#maxInFlight` was logged: once per connection, or a flood would be a flood of log lines. */
  #saidFull = false;
  #nextId = 0;
  #active = true;
  /** Set when this side closed the connection: pending requests then fail with "Socket teardown". */
  #closedHere = false;

  constructor(target: IPCSocketTarget, options: IPCSocketOptions = {}) {
    this.#target = target;
    this.clientId = options.clientId;
    this.runtimeId = options.runtimeId;
    this.#requestHandlers = options.requestHandlers ?? new Map();
    this.#messageHandlers = options.messageHandlers ?? new Map();
    this.#requestTimeout = checkNumber("requestTimeout", options.requestTimeout, "ms") ?? 10_000;
    this.#logger = options.logger;
    this.#onUnhandled = options.onUnhandled;
    this.#maxInFlight = checkMaxRequestsInFlight(options.maxRequestsInFlight ?? DEFAULT_MAX_REQUESTS_IN_FLIGHT);
    if (options.attach ?? typeof target.addEventListener === "function") this.#attach(target as unknown as WebSocket);
  }

  // --- registering handlers -------------------------------------------------------------

  /** Answers requests for `path`. A later call for the same path replaces the handler. */
  onRequest(path: string, handler: IPCRequestHandler): void {
    assertName(path);
    this.#requestHandlers.set(path, handler);
  }

  /** Receives fire-and-forget messages for `path`. */
  onMessage(path: string, handler: IPCMessageHandler): void {
    assertName(path, "Message name");
    this.#messageHandlers.set(path, handler);
  }

  /** Called once when the connection ends, for any reason. */
  onClose(callback: (code?: number, reason?: string) => void): void {
    if (!this.#active) {
      this.#safeCall(() => callback());
      return;
    }
    this.#closeCallbacks.push(callback);
  }

  onError(callback: (error: Error) => void): void {
    this.#errorCallbacks.push(callback);
  }

  // --- sending --------------------------------------------------------------------------

  /**
   * Sends a fire-and-forget message. Throws `ERR_IPC_NOT_CONNECTED` when the socket is closed,
   * `ERR_IPC_INVALID_NAME` or `ERR_IPC_NOT_SERIALIZABLE` when it cannot be framed.
   */
  send(path: string, data?: unknown): void {
    assertName(path, "Message name");
    this.#assertConnected(path);
    this.#target.send(encode(IPCMessageType.MSG, "", path, data));
  }

  /** Sends a request and resolves with the peer's answer. */
  request<T = unknown>(path: string, data?: unknown, timeoutMs: number = this.#requestTimeout): Promise<T> {
    const key = ++this.#nextId;
    return this.#request<T>(key, String(key), path, data, timeoutMs);
  }

  /** Sends a request as `request` does, and says its id, which `abandon` takes. */
  requestWithId<T = unknown>(path: string, data?: unknown, timeoutMs: number = this.#requestTimeout): { id: string; answer: Promise<T> } {
    const key = ++this.#nextId;
    const id = String(key);
    return { id, answer: this.#request<T>(key, id, path, data, timeoutMs) };
  }

  /**
   * Drops a pending request (one whose answer nobody waits for any more): its promise rejects
   * with `reason`, its id is forgotten, and an answer that comes later is ignored (a `debug` line,
   * as any answer to an unknown id). Without it a request stays until its answer or its timeout:
   * a hub held each relayed mock request whose client had left for up to `proxyTimeout`.
   * Returns whether it was pending.
   */
  abandon(id: string, reason: unknown = new IPCError("ERR_IPC_CLOSED", "The request was abandoned: nobody waits for its answer")): boolean {
    const key = Number(id);
    const pending = this.#pending.get(key);
    if (!pending || pending.id !== id) return false;
    this.#pending.delete(key);
    // Its deadline may still arm the timer once; `#expire` then finds nothing due.
    pending.reject(reason instanceof Error ? reason : new Error(String(reason)));
    return true;
  }

  #request<T>(key: number, id: string, path: string, data: unknown, timeoutMs: number): Promise<T> {
    let frame: string;
    try {
      assertName(path);
      // NaN never timed out (no deadline compares below it) and a wait past 2^31 - 1 ms re-armed its timer every millisecond.
      checkNumber("timeoutMs", timeoutMs, "ms");
      this.#assertConnected(path);
      frame = encode(IPCMessageType.REQ, id, path, data);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      const deadline = performance.now() + timeoutMs;
      this.#pending.set(key, { id, path, resolve, reject, deadline, timeoutMs });
      if (deadline < this.#timeoutAt) this.#armTimeouts(deadline);
      try {
        this.#target.send(frame);
      } catch (error) {
        this.#pending.delete(key);
        reject(new IPCError("ERR_IPC_CLOSED", `Request '${path}' could not be sent: ${errorMessage(error)}`, { cause: error }));
      }
    });
  }

  // --- receiving ------------------------------------------------------------------------

  /** Feeds one incoming text frame. Never throws: bad frames are logged and dropped. */
  receive(frame: string): void {
    const msg = typeof frame === "string" ? parseFrame(frame) : undefined;
    if (!msg) {
      // An empty frame would end the line at its colon, as if the text had been cut off.
      const shown = frame === "" ? "(an empty frame)" : String(frame).slice(0, 100);
      logBounded(this.#logger, "warn", "invalid frames dropped", `Invalid IPC frame dropped: ${shown}`);
      return;
    }
    if (msg.type === IPCMessageType.RES) this.#handleResponse(msg);
    else if (msg.type === IPCMessageType.REQ) this.#handleRequest(msg);
    else void this.#handleMessage(msg);
  }

  /** Reports that the connection ended: rejects every pending request at once. Idempotent. */
  handleClose(code?: number, reason?: string): void {
    if (!this.#active) return;
    this.#active = false;
    // The reason is the peer's (at most 123 bytes): its controls are escaped before a logger prints it.
    const why = code ? ` (code ${code}${reason ? `: ${peerText(reason)}` : ""})` : "";
    // The original's texts first: "Socket teardown" when this side closed, "Connection closed" otherwise.
    const what = this.#closedHere ? "Socket teardown: this side closed the connection" : "Connection closed";
    this.#disarmTimeouts();
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.reject(new IPCError("ERR_IPC_CLOSED", `${what} while request '${pending.path}' was pending${why}`));
    }
    for (const callback of this.#closeCallbacks.splice(0)) this.#safeCall(() => callback(code, reason));
  }

  /** Reports a transport error to `onError` listeners. */
  handleError(error: Error): void {
    for (const callback of this.#errorCallbacks) this.#safeCall(() => callback(error));
  }

  // --- state and shutdown ---------------------------------------------------------------

  isConnected(): boolean {
    if (!this.#active) return false;
    const state = this.#target.readyState;
    return state === undefined || state === OPEN;
  }

  /** Number of requests sent and not answered yet. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Bytes written to the peer and not yet sent (0 where the socket does not say). */
  get bufferedAmount(): number {
    return Number(this.#target.bufferedAmount) || 0;
  }

  /** Closes the connection; pending requests reject at once. */
  close(code: number = 1000, reason?: string): void {
    if (!this.#active) return;
    this.#closedHere = true;
    try {
      this.#target.close(code, reason);
    } catch {
      // Already closing: the close below still settles everything.
    }
    this.handleClose(code, reason);
  }

  /** The original's name for `close()`. */
  teardown(): void {
    this.close(1000, "Socket teardown");
  }

  // --- internals ------------------------------------------------------------------------

  #handleRequest(msg: IPCFrame): void {
    const handler = this.#requestHandlers.get(msg.path);
    if (!handler) {
      this.#respond(msg, { success: false, error: `No handler for: ${msg.path}` });
      this.#onUnhandled?.(msg.path);
      return;
    }
    if (this.#inFlight >= this.#maxInFlight) {
      this.#refuseOverLimit(msg);
      return;
    }
    let data: unknown;
    try {
      data = decodeData(msg.rawData);
    } catch (error) {
      this.#respond(msg, { success: false, error: `Invalid JSON in request '${msg.path}': ${errorMessage(error)}` });
      return;
    }
    let result: unknown;
    try {
      result = handler(data, this);
    } catch (error) {
      this.#handlerFailed(msg, error);
      return;
    }
    // A plain value is answered at once, a promise (or any thenable) when it settles. Awaiting
    // every result, as the original did, only defers a plain answer by a microtask and an async
    // frame: on Bun and Deno that answer then leaves outside the runtime's message callback
    // (bench, table 1d).
    if (isThenable(result)) {
      // Only a pending result holds anything after this turn, so only it counts towards the limit.
      this.#inFlight++;
      result.then(
        (value) => {
          this.#inFlight--;
          this.#answer(msg, value);
        },
        (error: unknown) => {
          this.#inFlight--;
          this.#handlerFailed(msg, error);
        },
      );
    } else {
      this.#answer(msg, result);
    }
  }

  /** Answers a request past `maxRequestsInFlight` at once, without decoding it or running its handler. */
  #refuseOverLimit(msg: IPCFrame): void {
    const limit = this.#maxInFlight;
    if (!this.#saidFull) {
      this.#saidFull = true;
      const who = this.clientId ? `client ${this.clientId}${this.runtimeId ? ` (runtimeId ${excerpt(this.runtimeId)})` : ""}` : "the peer";
      log(this.#logger, "warn", `${who} has ${limit} requests in flight (maxRequestsInFlight): further requests are answered with an error until some are answered (said once per connection)`);
    }
    this.#respond(msg, {
      success: false,
      error: `${TOO_MANY_IN_FLIGHT}: this connection already has ${limit} being handled (the maxRequestsInFlight option); send more once some are answered`,
    });
  }

  #handlerFailed(msg: IPCFrame, error: unknown): void {
    if (!isExpectedFailure(error)) {
      const message = errorMessage(error);
      // A peer's request can make a handler throw a message that quotes it (a 20 MB value made
      // 20 MB log lines): past a bound, the log gets the beginning, without the error's stack
      // (which repeats the message).
      if (message.length <= MAX_EXCERPT && msg.path.length <= MAX_EXCERPT) logBounded(this.#logger, "warn", "request handler errors", `Request handler for '${msg.path}' threw`, error);
      else logBounded(this.#logger, "warn", "request handler errors", `Request handler for '${excerpt(msg.path)}' threw: ${excerpt(message)}`);
    }
    this.#respond(msg, { success: false, error: errorMessage(error) });
  }

  async #handleMessage(msg: IPCFrame): Promise<void> {
    const handler = this.#messageHandlers.get(msg.path);
    if (!handler) {
      log(this.#logger, "debug", `No handler for message: ${msg.path}`);
      return;
    }
    try {
      await handler(decodeData(msg.rawData), this);
    } catch (error) {
      logBounded(this.#logger, "warn", "message handler errors", `Message handler for '${msg.path}' failed`, error);
    }
  }

  #handleResponse(msg: IPCFrame): void {
    const key = Number(msg.id);
    const pending = this.#pending.get(key);
    if (!pending || pending.id !== msg.id) {
      log(this.#logger, "debug", `No pending request for response id: ${msg.id}`);
      return;
    }
    this.#pending.delete(key);
    let body: IPCResponseBody;
    try {
      body = decodeData(msg.rawData) as IPCResponseBody;
    } catch (error) {
      pending.reject(new IPCError("ERR_IPC_BAD_RESPONSE", `Invalid JSON in response to '${pending.path}': ${errorMessage(error)}`));
      return;
    }
    if (body !== null && typeof body === "object" && body.success === true) pending.resolve(body.data);
    else pending.reject(new IPCError("ERR_IPC_REMOTE", (body as IPCResponseBody | undefined)?.error || `Request '${pending.path}' failed`));
  }

  /** Answers with a handler's result: `{ success: true, data }`, or a failure when JSON cannot hold it. */
  #answer(msg: IPCFrame, data: unknown): void {
    if (!this.isConnected()) return;
    let frame: string;
    try {
      if (this.#target.sendParts) {
        const answer = successParts(msg.id, msg.path, data);
        if (typeof answer !== "string") {
          this.#writeParts(msg, answer[0], answer[1], answer[2]);
          return;
        }
        frame = answer;
      } else {
        frame = encodeSuccess(msg.id, msg.path, data);
      }
    } catch (error) {
      frame = encodeFrame(IPCMessageType.RES, msg.id, msg.path, {
        success: false,
        error: `Result of '${msg.path}' is not JSON-serialisable: ${errorMessage(error)}`,
      });
    }
    this.#write(msg, frame);
  }

  /** Answers with a failure (its body is the module's own, always serialisable). */
  #respond(msg: IPCFrame, body: IPCResponseBody): void {
    if (!this.isConnected()) return;
    this.#write(msg, encodeFrame(IPCMessageType.RES, msg.id, msg.path, body));
  }

  #write(msg: IPCFrame, frame: string): void {
    try {
      this.#target.send(frame);
    } catch (error) {
      log(this.#logger, "debug", `Could not answer '${msg.path}': ${errorMessage(error)}`);
    }
  }

  #writeParts(msg: IPCFrame, head: string, json: string, tail: string): void {
    try {
      this.#target.sendParts!(head, json, tail);
    } catch (error) {
      log(this.#logger, "debug", `Could not answer '${msg.path}': ${errorMessage(error)}`);
    }
  }

  #armTimeouts(deadline: number, now: number = performance.now()): void {
    if (this.#timeoutTimer !== undefined) clearTimeout(this.#timeoutTimer);
    this.#timeoutAt = deadline;
    this.#timeoutTimer = unrefTimeout(() => this.#expire(), Math.max(0, deadline - now));
  }

  #disarmTimeouts(): void {
    if (this.#timeoutTimer !== undefined) clearTimeout(this.#timeoutTimer);
    this.#timeoutTimer = undefined;
    this.#timeoutAt = Infinity;
    this.#lookedAgain = false;
  }

  /** Rejects every request past its deadline and sets the timer for the next one. */
  #expire(): void {
    const due = this.#timeoutAt;
    // A timer that fires long after its deadline says the event loop was blocked (a test's
    // synchronous work, a debugger): answers that came meanwhile wait unread in the socket, and
    // the runtime runs due timers before it reads them. Look again after one turn of I/O, so an
    // answer that came in time is not reported as a timeout.
    if (!this.#lookedAgain && performance.now() - due > LATE_TIMER_MS) {
      this.#lookedAgain = true;
      this.#timeoutTimer = unrefTimeout(() => this.#expire(), 0);
      return;
    }
    this.#lookedAgain = false;
    // The timer firing says its deadline has come, even where the clock lags it (a timer that
    // fires a little early, or fake timers in a test): trust whichever is later.
    const now = Math.max(performance.now(), due);
    this.#timeoutTimer = undefined;
    this.#timeoutAt = Infinity;
    let next = Infinity;
    for (const [id, pending] of this.#pending) {
      if (pending.deadline <= now) {
        this.#pending.delete(id);
        pending.reject(new IPCError("ERR_IPC_TIMEOUT", `Request '${pending.path}' timed out after ${pending.timeoutMs}ms`));
      } else if (pending.deadline < next) {
        next = pending.deadline;
      }
    }
    if (next !== Infinity) this.#armTimeouts(next, now);
  }

  #assertConnected(path: string): void {
    if (!this.isConnected()) {
      throw new IPCError("ERR_IPC_NOT_CONNECTED", `Socket not connected: cannot send '${path}'`);
    }
  }

  #attach(ws: WebSocket): void {
    ws.addEventListener("message", (event) => {
      if (typeof event.data === "string") this.receive(event.data);
      else logBounded(this.#logger, "warn", "binary frames ignored", "Binary frame ignored: the IPC protocol uses text frames");
    });
    ws.addEventListener("close", (event) => this.handleClose(event.code, event.reason));
    ws.addEventListener("error", (event) => {
      const error = (event as ErrorEvent).error;
      this.handleError(error instanceof Error ? error : new Error((event as ErrorEvent).message || "WebSocket error"));
    });
  }

  #safeCall(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      // The user's own code, but a peer calls it at will (a connection that closes, an error): bounded as the peer's own lines are.
      logBounded(this.#logger, "error", LISTENER_ERRORS, "Listener threw", error);
    }
  }
}

/** Throws a RangeError for a limit that is not a positive integer; returns it otherwise. */
export function checkMaxRequestsInFlight(limit: number): number {
  return checkNumber("maxRequestsInFlight", limit, "count");
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as PromiseLike<unknown>).then === "function";
}

/** Builds a frame; a payload JSON cannot hold (BigInt, a cycle) fails with a stable code. */
function encode(type: IPCMessageType, id: string, path: string, data: unknown): string {
  try {
    return encodeFrame(type, id, path, data);
  } catch (error) {
    throw new IPCError("ERR_IPC_NOT_SERIALIZABLE", `Payload of '${path}' is not JSON-serialisable: ${errorMessage(error)}`, { cause: error });
  }
}
