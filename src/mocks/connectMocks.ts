/**
 * `connectMocks`: mocks from any process (SPEC §10). A test's process opens a framework
 * connection to the hub and adds rules; the hub relays each request a rule takes to this
 * process, where the handler runs, and relays its answer back unchanged.
 */
import { IPCClient, setInternalMessageHandler, setInternalRequestHandler, type IPCClientOptions } from "../client/IPCClient.ts";
import { LocalSocket, type MockWebSocket } from "./_mockSocket.ts";
import { checkProtocols, chooseProtocol } from "./_subprotocol.ts";
import { SocketMessages, type SocketClose, type SocketFrame, type SocketOpen } from "./_wsWire.ts";
import { FaultRequests } from "../faults/_remote.ts";
import { forgetFaults, MockFault, trackFault } from "../faults/_mocksFault.ts";
import { parseFault } from "../faults/_parse.ts";
import type { FaultMatch, FaultSpec } from "../faults/_types.ts";
import { IPCError, errorMessage } from "../errors.ts";
import type { InterceptHandler } from "../server/_routes.ts";
import type { JournalEntry, JournalFilter } from "../server/journal.ts";
import type { Awaitable } from "../types.ts";
import { addReplay, forgetScopeReplays, type MockReplay } from "../replay/_mocksReplay.ts";
import type { ReplayOptions } from "../replay/Replay.ts";
import { PASSTHROUGH, type Passthrough, type RuleKind } from "./_rule.ts";
import { assertScopeId, headersForScope, newScopeId } from "./_scope.ts";
import { keyAsyncDispose } from "../_asyncDispose.ts";
import { quoted } from "../_excerpt.ts";
import { peerText } from "../_controls.ts";
import { httpBase, wsBase } from "../client/_address.ts";
import { hideSecrets, secretsOf } from "../client/_hideSecrets.ts";
import { getPlatform } from "../platform.ts";
import { checkFilterFields } from "../_journalFilterFields.ts";
import { checkNumber } from "../_numberOptions.ts";
import { abortReason, closeOnAbort } from "./_closeOnAbort.ts";
import { releaseAtHub } from "./_release.ts";
import { hubGone } from "./_hubGone.ts";
import { decodedAnswerHeaders } from "../_decodedAnswer.ts";
import { unsendableAnswer } from "../server/_answerContract.ts";
import {
  DEFAULT_PROXY_TIMEOUT,
  decodeBody,
  encodeBody,
  headerPairs,
  MockRequests,
  MOCKS_PROTOCOL,
  wireLength,
  type HelloAnswer,
  type RuleSpec,
  type WireAnswer,
  type WireBody,
  type WireRequest,
} from "./_wire.ts";

declare global {
  // `await using` needs these; a consumer whose lib predates `esnext.disposable` (ES2023 without
  // @types/node) lacks them. Declared as the TypeScript lib and @types/node declare them, so they merge.
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
  interface AsyncDisposable {
    [Symbol.asyncDispose](): PromiseLike<void>;
  }
}

/**
 * How long the hub may stay silent before this connection counts it dead (IPCClient's is 4 s).
 * Counting a busy hub dead closes the connection and the hub drops every rule of it, so the rest
 * of the suite silently meets the real services; counting a dead hub dead late costs little (the
 * test's own requests to it fail or time out either way).
 */
const MOCKS_HEARTBEAT_TIMEOUT = 15_000;
/**
 * How long connecting may take (IPCClient's is 5 s), for the same reason: a suite's workers all
 * connect at once to a hub on a loaded CI machine (measured: eight test runs at once on 2 cores, a
 * load of 20, took a `node --test` and a `deno test` file past 5 s), and a connect that gives
 * up fails the test. A hub that is not running is refused at once whatever this is.
 */
const MOCKS_CONNECT_TIMEOUT = 15_000;

export interface ConnectMocksOptions extends IPCClientOptions {
  /** The hub's access token (the same as `accessToken`). Default: `CROSSIPC_ACCESS_TOKEN`, if readable. */
  token?: string | undefined;
  /** Shown as the owner of this connection's rules in the dashboard and the journal. */
  runtimeId?: string | undefined;
  /**
   * How long (ms) the hub may leave a heartbeat unanswered before this connection closes (and the
   * hub drops its rules). Default 15 000 here, not IPCClient's 4 000: a hub busy under load is not dead.
   */
  heartbeatTimeout?: number | undefined;
  /** How long (ms) connecting may take. Default 15 000 here, not IPCClient's 5 000: a hub busy under load is not dead. */
  connectTimeout?: number | undefined;
  /**
   * Closes the connection (the hub drops every rule of it) when this signal aborts: pass the test
   * runner's own (vitest's `signal`, node:test's `t.signal`), which aborts when the test times out,
   * so a test that never ends does not leave its rules at the hub. Already aborted: rejects with
   * its reason, as `fetch` does.
   */
  signal?: AbortSignal | undefined;
}

/** A journal filter as it travels to the hub: `path` as a string (`*` matches anything). */
export type RemoteJournalFilter = Omit<JournalFilter, "path"> & { path?: string };

/** `intercept`'s handler may also hand the request on. */
export type MockInterceptHandler = (...args: Parameters<InterceptHandler>) => Awaitable<unknown>;
/** `interceptRequest`'s handler: the Web-standard form, a `Response` or `passthrough()` out. */
export type MockRequestHandler = (request: Request, params: Record<string, string>) => Awaitable<Response | Passthrough>;

/** What this process does with a request the hub relays for one of its rules. */
/** `signal`: aborted when the hub says the request's client went away (`MockRequests.left`). */
type LocalTake = (request: WireRequest, signal?: AbortSignal) => Promise<WireAnswer>;
type LocalOpen = (open: SocketOpen) => Promise<{ accept: true; protocol?: string | null } | { pass: true } | { error: string }>;

/**
 * Opens a connection to a running hub (an IPCServer, a ServiceHub, a joinHub leader or
 * `crossipc hub`) for mocks. Rejects as `IPCClient.connect` does (`ERR_IPC_UNAUTHORIZED` for a
 * wrong or missing token), and with a clear error when the server does not speak the mocks protocol.
 */
export async function connectMocks(portOrUrl: number | string, options: ConnectMocksOptions = {}): Promise<Mocks> {
  const { token, runtimeId, signal, ...clientOptions } = options;
  if (signal?.aborted) throw abortReason(signal);
  const client = new IPCClient(portOrUrl, {
    ...clientOptions,
    heartbeatTimeout: clientOptions.heartbeatTimeout ?? MOCKS_HEARTBEAT_TIMEOUT,
    connectTimeout: clientOptions.connectTimeout ?? MOCKS_CONNECT_TIMEOUT,
    accessToken: token ?? clientOptions.accessToken,
  });
  const connection = new MockConnection(client);
  await client.connect(runtimeId);
  let hello: HelloAnswer;
  try {
    hello = await client.sendFrameworkRequest(MockRequests.hello as never, { protocol: MOCKS_PROTOCOL } as never) as HelloAnswer;
  } catch (error) {
    client.disconnect();
    const message = errorMessage(error);
    if (message.startsWith("No handler for")) {
      // Named by its address: the URL as given may carry the access token in its query, and a password.
      const address = hideSecrets(httpBase(wsBase(portOrUrl)), secretsOf(portOrUrl, undefined));
      throw new IPCError("ERR_IPC_REMOTE", `The server at ${address} does not take mocks (it is not a crossipc hub, or an older one): ${peerText(message)}`);
    }
    throw error;
  }
  connection.hello = hello;
  const mocks = new Mocks(connection);
  if (signal) {
    // Aborted while connecting: the caller gets the reason and nothing stays open.
    if (signal.aborted) {
      client.disconnect();
      throw abortReason(signal);
    }
    closeOnAbort(mocks, signal);
  }
  return mocks;
}

/** @internal The connection a `Mocks` and its scopes share: the client, the handlers by ref. */
export class MockConnection {
  readonly client: IPCClient;
  /** What each rule of this connection does with a relayed request, by the client's ref, with the rule's scope. */
  readonly takes: Map<number, { scope: string | null; take: LocalTake; open?: LocalOpen }> = new Map();
  /** Sockets that `interceptWebSocket` handlers play, by the hub's socket id. */
  readonly sockets: Map<number, LocalSocket> = new Map();
  hello: HelloAnswer = { protocol: MOCKS_PROTOCOL, maxMessageSize: 64 * 1024 * 1024, proxyTimeout: DEFAULT_PROXY_TIMEOUT };
  /** `mocks.close()` ended the connection (not the hub going away): what a later call's error says (./_hubGone.ts). */
  closedHere = false;
  #ref = 0;
  /** Relayed requests whose handler runs now, by the hub's number: aborted when their client leaves. */
  readonly #running = new Map<number, AbortController>();

  constructor(client: IPCClient) {
    this.client = client;
    setInternalRequestHandler(client, MockRequests.take, (request: WireRequest) => this.#take(request));
    setInternalRequestHandler(client, SocketMessages.open, async (open: SocketOpen) => {
      const local = this.takes.get(open?.ref)?.open;
      return local ? local(open) : { pass: true };
    });
    // The request's client went away: an `interceptRequest` handler sees its `request.signal` abort.
    setInternalMessageHandler(client, MockRequests.left, (left: { take?: unknown }) => {
      const running = typeof left?.take === "number" ? this.#running.get(left.take) : undefined;
      running?.abort(new DOMException("The client of this request went away", "AbortError"));
    });
    setInternalMessageHandler(client, SocketMessages.frame, (frame: SocketFrame) => this.sockets.get(frame?.socket)?.received(frame));
    setInternalMessageHandler(client, SocketMessages.closed, (close: SocketClose) => {
      const socket = this.sockets.get(close?.socket);
      this.sockets.delete(close?.socket);
      socket?.ended(close.code ?? 1005, close.reason ?? "");
    });
    // The hub closes the clients' sockets when this connection goes; the handlers hear it too.
    client.onClose(() => {
      for (const socket of this.sockets.values()) socket.ended(1006, "The connection to the hub closed");
      this.sockets.clear();
      // The hub went, and with it every request it relayed: nobody takes these handlers' answers.
      // Told as a client leaving is told; a handler that waits on its signal waited for ever.
      for (const running of this.#running.values()) running.abort(new DOMException("The connection to the hub closed", "AbortError"));
      this.#running.clear();
    });
  }

  nextRef(): number {
    return ++this.#ref;
  }

  request<T>(name: string, payload: unknown, timeoutMs?: number): Promise<T> {
    return (this.client.sendFrameworkRequest(name as never, payload as never, timeoutMs) as Promise<T>).catch((error: unknown) => {
      throw hubGone(error, this.closedHere);
    });
  }

  async #take(request: WireRequest): Promise<WireAnswer> {
    const local = this.takes.get(request?.ref);
    // The rule was removed while this request was on its way: hand it on.
    if (!local) return { pass: true };
    const take = request.take;
    if (typeof take !== "number") return local.take(request);
    const running = new AbortController();
    this.#running.set(take, running);
    try {
      return await local.take(request, running.signal);
    } finally {
      this.#running.delete(take);
    }
  }
}

/**
 * What `Mocks` and a scope share: adding rules. Every rule kind is one `addRule` call with
 * its spec (what the hub needs) and, when its handler runs here, the local take.
 */
export abstract class MockRuleSet {
  /** @internal */
  protected readonly connection: MockConnection;
  /** The scope of this set's rules; null for rules that match every request. */
  abstract readonly scopeId: string | null;

  /** @internal */
  constructor(connection: MockConnection) {
    this.connection = connection;
  }

  /**
   * Answers `method path` (`*` for any method; a rou3 pattern: `/users/:id`, `/files/**`) with
   * `handler(body, params, headers)` in this process: the body parsed as JSON (text if it is not,
   * `undefined` if empty), the path params, lower-cased headers. It returns data (200 JSON), a
   * `Response`, or `passthrough()`; a throw answers 500 `{"error": message}`.
   */
  intercept(method: string, path: string, handler: MockInterceptHandler): Promise<MockRule> {
    if (typeof handler !== "function") return notAHandler("intercept", [method, path], handler);
    return this.addRule({ kind: "intercept", method, path }, async (wire) => {
      // Null-prototype, as the journal's: a header named `constructor` read the inherited
      // function ("function Object() { [native code] }, b") and one named `__proto__` was lost.
      const headers: Record<string, string> = Object.create(null);
      for (const [name, value] of wire.headers) {
        const key = name.toLowerCase();
        headers[key] = headers[key] === undefined ? value : `${headers[key]}${key === "cookie" ? "; " : ", "}${value}`;
      }
      const result = await handler(parsedBody(wire), wire.params, headers);
      if (result === PASSTHROUGH) return PASSTHROUGH;
      if (result instanceof Response) return result;
      // Data: the JSON answer is built here, without a Response to build and read back.
      const json = result === undefined ? "" : (JSON.stringify(result) as string | undefined);
      return new JsonAnswer(json, json === undefined ? quoted(result) : undefined);
    });
  }

  /**
   * The hub's journal entries that match `filter`, oldest first, read over this connection (no
   * dashboard needed). On a scope, only that scope's requests.
   */
  async entries(filter: RemoteJournalFilter = {}): Promise<JournalEntry[]> {
    return this.connection.request<JournalEntry[]>(MockRequests.journal, { filter: this.#filter(filter) });
  }

  /**
   * The first entry that matches, one already recorded or the next one; rejects with the hub's
   * `ERR_IPC_TIMEOUT` message after `timeoutMs` (at most 120 000; 0 takes only an entry already
   * recorded). On a scope, only its requests.
   */
  async waitFor(filter: RemoteJournalFilter = {}, timeoutMs: number = 5000): Promise<JournalEntry> {
    // Checked here: NaN went over JSON as null and came back as "timeoutMs must be 0-120000, got null".
    checkNumber("timeoutMs", timeoutMs, "journalWaitMs");
    return this.connection.request<JournalEntry>(MockRequests.journal, { filter: this.#filter(filter), timeoutMs }, timeoutMs + 10_000);
  }

  #filter(filter: RemoteJournalFilter): RemoteJournalFilter {
    if ((filter as { path?: unknown }).path instanceof RegExp) throw new TypeError("A journal filter sent to the hub takes a path string (with * for anything), not a RegExp");
    if (filter !== null && typeof filter === "object") checkFilterFields(filter);
    return this.scopeId === null ? filter : { ...filter, scope: this.scopeId };
  }

  /** The Web-standard form of `intercept`: `handler(request, params)` answers a `Response` or `passthrough()`. */
  interceptRequest(method: string, path: string, handler: MockRequestHandler): Promise<MockRule> {
    if (typeof handler !== "function") return notAHandler("interceptRequest", [method, path], handler);
    return this.addRule({ kind: "request", method, path }, (wire, signal) => handler(requestOf(wire, signal), wire.params));
  }

  /**
   * Faults this set's requests (a scope's only; `mocks`' every request) that match `match`
   * (`method`, `path` pattern, registered `api`): `latency`, `status`, `reset`, `timeout`,
   * `bandwidth`, and on WebSockets `drop` and `close`, with `probability` and `times` (SPEC §12).
   * Bad input rejects with a TypeError naming it. Resolves once the hub holds the fault; it goes
   * with `remove()`, the scope's `close()`, or the connection.
   */
  async fault(match: FaultMatch, fault: FaultSpec): Promise<MockFault> {
    // Checked here too, so a mistake reads as a TypeError in the test, not a remote error.
    parseFault(match, fault);
    const connection = this.connection;
    const { id } = await connection.request<{ id: string }>(FaultRequests.add, { scope: this.scopeId, match, fault });
    return trackFault(connection.client, new MockFault(connection.client, id, this.scopeId));
  }

  /**
   * Plays the server of WebSocket upgrades to `path` (a route pattern) in this process: the hub
   * accepts the upgrade and `handler(socket, request)` gets a socket with `send`, `close(code,
   * reason)`, `onMessage` (text as string, binary as Uint8Array) and `onClose` (the client's code
   * and reason). Frames keep their order and kind. Returning `passthrough()` hands the upgrade on.
   * The socket answers the first subprotocol the client offered; `options.protocols` names those
   * the mock speaks instead (the first offer among them, else none: `[]` answers none).
   */
  interceptWebSocket(path: string, handler: MockWebSocketHandler, options?: InterceptWebSocketOptions): Promise<MockRule> {
    if (typeof handler !== "function") return notAHandler("interceptWebSocket", [path], handler);
    let protocols: readonly string[] | undefined;
    try {
      protocols = checkWebSocketOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const connection = this.connection;
    return this.addRule({ kind: "websocket", method: "GET", path }, undefined, async (open) => {
      const headers = new Headers();
      for (const [name, value] of open.headers) headers.append(name, value);
      const socket = new LocalSocket(open.socket, {
        notify: (name, payload) => connection.client.sendFrameworkNotification(name, payload),
        get maxMessageSize() {
          return connection.hello.maxMessageSize;
        },
      });
      connection.sockets.set(open.socket, socket);
      try {
        const result = await handler(socket, Object.assign(new Request(open.url, { headers }), { params: open.params }));
        if (result === PASSTHROUGH) {
          connection.sockets.delete(open.socket);
          return { pass: true };
        }
        return protocols === undefined ? { accept: true } : { accept: true, protocol: chooseProtocol(headers.get("sec-websocket-protocol"), protocols) };
      } catch (error) {
        connection.sockets.delete(open.socket);
        return { error: errorMessage(error) };
      }
    });
  }

  /**
   * Answers requests from a recording (a HAR 1.2 object or its JSON text, SPEC §11) as a rule of
   * this connection, or of this scope: it goes when the scope or the connection closes. A HAR
   * that is not 1.2 or has a malformed entry rejects with a `HarError` naming the entry, and
   * nothing is added; one larger than the hub's framework messages carry is refused too.
   */
  replay(har: unknown, options?: ReplayOptions): Promise<MockReplay> {
    return addReplay(this, this.connection.client, this.connection.hello.maxMessageSize, har, options);
  }

  /**
   * @internal Adds a rule of any kind: `spec` goes to the hub; `handle`, when given, answers the
   * requests the hub relays for it. Resolves once the hub holds the rule.
   */
  async addRule(
    spec: { kind: RuleKind; method: string; path: string; [field: string]: unknown },
    handle?: (request: WireRequest, signal?: AbortSignal) => Awaitable<Response | Passthrough | JsonAnswer>,
    open?: LocalOpen,
  ): Promise<MockRule> {
    if (typeof spec.method !== "string" || typeof spec.path !== "string") throw new TypeError("A rule needs a method (or *) and a path pattern");
    const connection = this.connection;
    const ref = connection.nextRef();
    const rule = new MockRule(connection, ref, this.scopeId, spec.kind, spec.method, spec.path);
    if (handle) connection.takes.set(ref, { scope: this.scopeId, take: (request, signal) => answer(rule, request, handle, connection.hello.maxMessageSize, signal) });
    if (open) {
      connection.takes.set(ref, {
        scope: this.scopeId,
        take: async () => ({ pass: true }),
        open: (request) => {
          rule.calls++;
          return open(request);
        },
      });
    }
    try {
      const { id } = await connection.request<{ id: string }>(MockRequests.add, { ...spec, ref, scope: this.scopeId } satisfies RuleSpec);
      rule.id = id;
    } catch (error) {
      connection.takes.delete(ref);
      throw error;
    }
    return rule;
  }
}

/**
 * A handler that is not a function rejects before anything reaches the hub: added, it would
 * have answered each request a 500 that names no mistake of the test's ("handler is not a function").
 */
function notAHandler(what: string, args: readonly unknown[], handler: unknown): Promise<never> {
  const got = handler === null ? "null" : typeof handler;
  // Named as it was called: interceptWebSocket takes a path alone.
  return Promise.reject(new TypeError(`${what}(${args.map((arg) => quoted(arg)).join(", ")}): the handler must be a function, got ${got}`));
}

/** Unscoped rules (they match every request) and the scopes of one connection. */
export class Mocks extends MockRuleSet implements AsyncDisposable {
  readonly scopeId: null = null;

  /** @internal */
  constructor(connection: MockConnection) {
    super(connection);
  }

  /** The framework connection the mocks travel on. */
  get client(): IPCClient {
    return this.connection.client;
  }

  /**
   * A scope: rules that match only requests of that scope. No round trip. The default id is 32
   * random lower-case hex characters, a valid trace id.
   */
  scope(id?: string): MockScope {
    if (id === undefined) id = newScopeId();
    else assertScopeId(id);
    return new MockScope(this.connection, id);
  }

  /** Removes every rule of this connection from the hub, then closes the connection. */
  async close(): Promise<void> {
    const connection = this.connection;
    connection.closedHere = true;
    try {
      await releaseAtHub(connection.client, MockRequests.clear, {});
    } catch {
      // Unanswered (a hub too busy to answer in time): closing the connection drops the rules anyway.
    }
    connection.takes.clear();
    forgetFaults(connection.client, null);
    connection.client.disconnect();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Rules that match only requests of one scope (see `headers`). */
export class MockScope extends MockRuleSet implements AsyncDisposable {
  readonly id: string;
  readonly scopeId: string;
  /**
   * Headers that put a request in this scope: `baggage` (`crossipc-scope=<id>`), and for a
   * trace-id scope also `traceparent` and `x-b3-traceid`.
   */
  readonly headers: Record<string, string>;

  /** @internal */
  constructor(connection: MockConnection, id: string) {
    super(connection);
    this.id = id;
    this.scopeId = id;
    this.headers = headersForScope(id);
  }

  /** Removes every rule of this scope (added on this connection) from the hub. */
  async close(): Promise<void> {
    const connection = this.connection;
    // The handlers that go are those of the rules the hub removes: the scope's rules added before
    // this call. One added while the close is on its way reaches the hub after it and stays there,
    // so its handler stays too: dropped with the others, it left the hub a rule that answered
    // nothing (each request it took went on to the next step, a 404) and was still listed.
    const refs: number[] = [];
    for (const [ref, local] of connection.takes) if (local.scope === this.id) refs.push(ref);
    await releaseAtHub(connection.client, MockRequests.closeScope, { scope: this.id });
    for (const ref of refs) connection.takes.delete(ref);
    forgetScopeReplays(connection.client, this.id);
    forgetFaults(connection.client, this.id);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
keyAsyncDispose(Mocks.prototype);
keyAsyncDispose(MockScope.prototype);

/** `interceptWebSocket`'s options. */
export interface InterceptWebSocketOptions {
  /**
   * The subprotocols the mock speaks: its socket answers the first the client offered that is
   * among them, or none (`[]`: none whatever is offered). Without it, the first the client offered.
   */
  protocols?: readonly string[] | undefined;
}

/** An unknown key is refused, as replay's options are: `{ protocol: [...] }` would answer the first offer without a word. */
function checkWebSocketOptions(options: unknown): readonly string[] | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object" || Array.isArray(options)) throw new TypeError(`interceptWebSocket: options must be an object ({ protocols }), got ${quoted(options)}`);
  for (const [key, value] of Object.entries(options)) if (value !== undefined && key !== "protocols") throw new TypeError(`interceptWebSocket: unknown option ${quoted(key)} (protocols)`);
  return checkProtocols((options as InterceptWebSocketOptions).protocols);
}

/** `interceptWebSocket`'s handler: plays the server of one client socket; `passthrough()` hands the upgrade on. */
export type MockWebSocketHandler = (socket: MockWebSocket, request: Request & { params: Record<string, string> }) => Awaitable<void | Passthrough>;

export type { MockWebSocket } from "./_mockSocket.ts";

export { MockFault } from "../faults/_mocksFault.ts";

/** A rule the hub holds. */
export class MockRule {
  /** The hub's id for it (as `/__crossipc/api/state` and the journal's `rule` name it). */
  id = "";
  readonly scope: string | null;
  readonly kind: RuleKind;
  readonly method: string;
  readonly path: string;
  /** How many requests its handler was called for. */
  calls = 0;
  readonly #connection: MockConnection;
  readonly #ref: number;

  /** @internal */
  constructor(connection: MockConnection, ref: number, scope: string | null, kind: RuleKind, method: string, path: string) {
    this.#connection = connection;
    this.#ref = ref;
    this.scope = scope;
    this.kind = kind;
    this.method = method;
    this.path = path;
  }

  /** Resolves once the hub no longer holds the rule. */
  async remove(): Promise<void> {
    const connection = this.#connection;
    await releaseAtHub(connection.client, MockRequests.remove, { ids: [this.id] });
    connection.takes.delete(this.#ref);
  }
}

/** A handler's data, already JSON: answered `200 application/json`. */
class JsonAnswer {
  readonly json: string | undefined;
  /** What the handler gave when JSON has no text for it (a function, a symbol): its 500 names it. */
  readonly unsendable: string | undefined;
  constructor(json: string | undefined, unsendable?: string) {
    this.json = json;
    this.unsendable = unsendable;
  }
}

const JSON_HEADERS: Array<[string, string]> = [["content-type", "application/json"]];

/** Runs a handler for a relayed request and turns what it gives into the wire answer. */
async function answer(
  rule: MockRule,
  request: WireRequest,
  handle: (request: WireRequest, signal?: AbortSignal) => Awaitable<Response | Passthrough | JsonAnswer>,
  maxMessageSize: number,
  signal?: AbortSignal,
): Promise<WireAnswer> {
  rule.calls++;
  let response: Response | Passthrough | JsonAnswer;
  try {
    response = await handle(request, signal);
  } catch (error) {
    return { error: errorMessage(error) };
  }
  if (response === PASSTHROUGH) return { pass: true };
  let status = 200;
  let statusText: string | undefined;
  let headers = JSON_HEADERS;
  let body: WireBody | undefined;
  let byteLength: number;
  if (response instanceof JsonAnswer) {
    // Sent on, it reached the hub as an answer it could not read (502), where SPEC §10 says a
    // handler's failure is 500 {"error"}, as a local intercept route's is.
    if (response.json === undefined) return { error: `Mock ${rule.method} ${rule.path} answered ${response.unsendable}, which is neither data JSON can carry nor a Response` };
    body = response.json === "" ? undefined : { text: response.json };
    byteLength = response.json.length * 3;
  } else if (response instanceof Response) {
    // `Response.error()` (status 0) went to the hub, which could not send it: 502 "cannot read",
    // where a local intercept route's answers 500 naming the mistake. Checked here, the same way.
    const unsendable = unsendableAnswer(response);
    if (unsendable !== undefined) return { error: `Mock ${rule.method} ${rule.path} ${unsendable}` };
    let bytes: Uint8Array;
    // Bun keeps the type of `new Response("text")` in its body, not in `headers`: read as a Blob,
    // it is there (text/plain;charset=utf-8), and the hub sends it as Node and Deno processes' own.
    // Not for a fetched answer (a spy's `return fetch(…)`): its type is its headers' alone, and Bun's
    // Blob of one that came without a content-type says text/plain, which the service never sent.
    // Not on Node or Deno either: their `headers` hold a string body's type, and the Blob is one more copy.
    let bodyType = "";
    try {
      if (response.headers.has("content-type") || response.url !== "" || getPlatform().runtime !== "bun") bytes = new Uint8Array(await response.arrayBuffer());
      else {
        const blob = await response.blob();
        bodyType = blob.type;
        bytes = new Uint8Array(await blob.arrayBuffer());
      }
    } catch (error) {
      return { error: `Mock ${rule.method} ${rule.path} answered a Response whose body cannot be read: ${errorMessage(error)}` };
    }
    ({ status, statusText } = response);
    // `fetch` decoded a fetched answer's body: its content-encoding and content-length no longer hold (../_decodedAnswer.ts).
    headers = headerPairs(decodedAnswerHeaders(response) ?? response.headers);
    // Refused before it is encoded: a body past the limit in bytes is past it on the wire too (text
    // takes at least its bytes, base64 4/3 of them), and encoding a 200 MiB answer held this process
    // long enough (18 s on Node) for the hub to take it for dead and drop every rule it held.
    if (bytes.byteLength > answerRoom(maxMessageSize)) return tooLarge(rule, bytes.byteLength, maxMessageSize);
    body = encodeBody(bytes);
    byteLength = bytes.byteLength;
    // Bun's Blob says text/plain;charset=utf-8 of any in-memory body without a type, bytes too, where
    // its own server sends bytes as application/octet-stream: a body that is not UTF-8 text goes
    // without a type, as from a Node or Deno process. (Text bytes keep it: a string cannot be told
    // from its encoded bytes here.)
    if (bodyType !== "" && (bodyType !== BUN_UNTYPED || body === undefined || "text" in body)) headers.push(["content-type", bodyType]);
  } else {
    return { error: `Mock ${rule.method} ${rule.path} answered neither a Response nor passthrough()` };
  }
  // A frame over the hub's limit would close this connection (and drop every rule of it): refuse
  // the answer instead, leaving room for the headers and the frame around the body.
  if (wireLength(body, byteLength) > answerRoom(maxMessageSize)) return tooLarge(rule, byteLength, maxMessageSize);
  return { status, statusText: statusText || undefined, headers, body };
}

/** What an answer's body may take in its frame: the hub's limit, less room for the headers and the frame around it. */
/** The type Bun's `Response.blob()` gives a body that came without one (a string's, and bytes' too). */
const BUN_UNTYPED = "text/plain;charset=utf-8";

function answerRoom(maxMessageSize: number): number {
  return maxMessageSize - Math.min(64 * 1024, maxMessageSize / 4);
}

function tooLarge(rule: MockRule, byteLength: number, maxMessageSize: number): WireAnswer {
  return { error: `Mock ${rule.method} ${rule.path} answered a ${byteLength}-byte body, over what the hub's maxMessageSize (${maxMessageSize} bytes) lets through` };
}

/** `interceptHttp`'s body: JSON whatever the content type, text if it is not JSON, `undefined` if empty. */
function parsedBody(wire: WireRequest): unknown {
  if (wire.method === "GET" || wire.method === "HEAD") return undefined;
  const bytes = decodeBody(wire.body);
  if (!bytes || bytes.byteLength === 0) return undefined;
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function requestOf(wire: WireRequest, signal?: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of wire.headers) headers.append(name, value);
  const body = wire.method === "GET" || wire.method === "HEAD" ? undefined : decodeBody(wire.body);
  const request = new Request(wire.url, { method: wire.method, headers, body: body as BodyInit | undefined, signal });
  // Node's Request follows `signal` through a weak reference only: a handler that kept its
  // `request.signal` listener but not the request itself lost the abort once the request was
  // collected (the client left, the handler was never told). The signal, held while the handler
  // runs, holds the request until then.
  signal?.addEventListener("abort", () => void request, { once: true });
  return request;
}
