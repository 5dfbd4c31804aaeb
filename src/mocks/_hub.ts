/**
 * The hub's side of the mocks protocol: it adds and removes the rules that connections send
 * (`./_wire.ts`), relays each request a remote rule takes to its process, and drops every rule
 * of a connection when it closes for any reason. Installed by every IPCServer, so every kind of
 * hub (ServiceHub, a joinHub leader, `crossipc hub`) has it.
 */
import { utf8Length } from "../_utf8.ts";
import { IPCError, errorMessage } from "../errors.ts";
import { ownerFailure } from "./_ownerFailure.ts";
import { expectedFailure } from "../_expectedFailure.ts";
import type { IPCSocket } from "../IPCSocket.ts";
import { log } from "../_log.ts";
import { logBounded } from "../_boundedLog.ts";
import type { FrameworkClients } from "../server/_clients.ts";
import { jsonResponse } from "../server/_json.ts";
import { ANSWER_HEADERS, getPlatform } from "../platform.ts";
import type { IPCLogger } from "../types.ts";
import type { ApiPaths } from "../server/_apiPaths.ts";
import type { Journal, JournalFilter } from "../server/journal.ts";
import type { JournalEntry } from "../server/_journalRecord.ts";
import { SerializedResult } from "../protocol.ts";
import { PASS, type Pass, type Rule, type RuleKind, type TakeContext } from "./_rule.ts";
import type { MockRules } from "./_rules.ts";
import { assertScopeId } from "./_scope.ts";
import { bodyRefusalStatus } from "./_bodyBudget.ts";
import { whenClientLeaves } from "./_clientLeaves.ts";
import {
  decodeBody,
  encodeBody,
  headerPairs,
  MockRequests,
  MOCKS_PROTOCOL,
  type Hello,
  type HelloAnswer,
  type RuleSpec,
  type WireAnswer,
  type WireRequest,
} from "./_wire.ts";
import { quoted } from "../_excerpt.ts";
import { HEADER_NAME, HEADER_VALUE, tooManyAnswerHeaders } from "../_httpHeader.ts";
import { checkNumber } from "../_numberOptions.ts";
import type { RedactionRules } from "../server/_redact.ts";
import { JournalTurns } from "./_journalTurns.ts";

/** The connection that added a rule: its takes go there, and its rules go when it closes. */
export interface RuleOwner {
  readonly socket: IPCSocket;
  readonly clientId: string;
  readonly runtimeId?: string;
}

export interface MocksHubOptions {
  readonly mocks: MockRules;
  /** The server's journal, read by `mocks.entries()`/`waitFor()`; absent when it is off. */
  readonly journal?: Journal;
  readonly maxMessageSize: number;
  /** Unsent bytes a client's socket may hold before the hub closes it (a WebSocket mock's client that does not read). */
  readonly maxBufferedAmount: number;
  /** Rules all connections together may hold (the `maxMockRules` option). */
  readonly maxRules: number;
  readonly proxyTimeout: number;
  readonly logger?: IPCLogger;
  /** Where a ServiceHub on the server routes its apis (a replay's `api` option). */
  readonly apiPaths?: () => ApiPaths | undefined;
  /** What a replay's 404 redacts in the requests it quotes: the server's names and secrets (../server/_redact.ts `missRedaction`). */
  readonly missRedaction?: RedactionRules;
}

/** Builds the hub's rule of one kind from what a client sent. */
export type RuleFactory = (spec: RuleSpec, owner: RuleOwner, hub: MocksHubOptions & { id: string }) => Rule;

/**
 * Rule kinds a client may add. `intercept` and `request` run the handler in the client's
 * process; `replay` (SPEC §11) and `websocket` (SPEC §12) add themselves here.
 */
export const ruleFactories: Map<RuleKind | string, RuleFactory> = new Map();
ruleFactories.set("intercept", remoteRule);
ruleFactories.set("request", remoteRule);

/** A connection may hold this many rules: enough for any suite, and a bound on what one client costs the hub. */
const MAX_RULES_PER_CONNECTION = 50_000;
/** An HTTP method token (or `*`), at most 64 characters: no method is longer, and the hub keeps what it is sent. */
const METHOD = /^(\*|[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64})$/;
const MAX_PATTERN = 2048;
/**
 * Journal waits one connection, and all of them together, may have open at once. Every journal
 * entry is tested against every open wait, so 200,000 waits sent in one burst made each request
 * to the hub cost 70 ms, and they outlived the connection by their full timeout. A new wait is
 * also tested against every entry the ring holds, and a glob over a long path costs a pass over
 * it (../_glob.ts: linear, but still the path's length): 1,000 waits of one connection, each a
 * 32-star glob, over 1,000 entries of 7,000-character paths, held the hub's thread for seconds
 * and another process's connect with it (10–48 s on a Node hub, measured). The work one
 * connection can queue is waits × entries × path length, and the first factor is the one the hub
 * can bound without losing anything a test needs: a test waits for a handful of requests at a
 * time, not hundreds. Each scan also takes its own turn of the event loop (./_journalTurns.ts).
 */
const MAX_WAITS_PER_CONNECTION = 100;
const MAX_WAITS = 1_000;
/** Registers the hub's handlers of the mocks protocol and the cleanup of a closed connection. */
export function installMocksHub(clients: FrameworkClients, options: MocksHubOptions): void {
  const { mocks } = options;
  const handle = (name: string, handler: (data: any, owner: RuleOwner) => unknown) =>
    clients.handlers.set(name, (data, socket) => handler(data, { socket, clientId: socket.clientId!, runtimeId: socket.runtimeId }));

  handle(MockRequests.hello, (hello: Hello): HelloAnswer => {
    if (hello?.protocol !== MOCKS_PROTOCOL) {
      throw new Error(`This hub speaks the crossipc mocks protocol ${MOCKS_PROTOCOL}, the client ${quoted(hello?.protocol)}: use the same crossipc version on both sides`);
    }
    return { protocol: MOCKS_PROTOCOL, maxMessageSize: options.maxMessageSize, proxyTimeout: options.proxyTimeout };
  });

  handle(MockRequests.add, (spec: RuleSpec, owner) => {
    checkSpec(spec);
    const count = mocks.countOwned(owner.clientId);
    if (count >= MAX_RULES_PER_CONNECTION) {
      throw new Error(`This connection already holds ${count} rules, the most one connection may hold: remove some or close scopes first`);
    }
    if (mocks.size >= options.maxRules) {
      throw new Error(`This hub already holds ${mocks.size} rules from all connections, the most it takes (the maxMockRules option): remove some or close scopes first`);
    }
    const factory = ruleFactories.get(spec.kind)!;
    const rule = factory(spec, owner, { ...options, id: mocks.nextId() });
    try {
      mocks.add(rule);
    } catch (error) {
      // What the rule holds (a replay's HAR bytes) goes back: it never entered the hub.
      try {
        rule.dispose?.();
      } catch {
        // The refusal is the answer.
      }
      throw expectedFailure(new Error(`Pattern ${quoted(spec.path)} is refused: ${errorMessage(error)}`));
    }
    log(options.logger, "debug", `Mock ${rule.id} added by ${owner.clientId}: ${rule.method} ${rule.path}${rule.scope ? ` in scope ${rule.scope}` : ""}`);
    return { id: rule.id };
  });

  handle(MockRequests.remove, (data: { ids?: unknown } | undefined, owner) => {
    const ids = data?.ids;
    if (!Array.isArray(ids)) throw new TypeError(`${MockRequests.remove} expects { ids: string[] }`);
    let count = 0;
    for (const id of ids) {
      // A connection removes only its own rules.
      if (mocks.get(id)?.owner === owner.clientId && mocks.remove(id)) count++;
    }
    return { removed: count };
  });

  handle(MockRequests.closeScope, (data: { scope?: unknown } | undefined, owner) => {
    const scope = data?.scope;
    if (typeof scope !== "string") throw new TypeError(`${MockRequests.closeScope} expects { scope: string }`);
    return { removed: mocks.removeOwned(owner.clientId, scope) };
  });

  handle(MockRequests.clear, (_data: unknown, owner) => ({ removed: mocks.removeOwned(owner.clientId) }));

  /**
   * Each connection's open journal waits, called off when it closes. One controller per wait: a
   * signal shared by a connection's waits had a listener per wait, and past 10 Node printed
   * "MaxListenersExceededWarning: Possible EventTarget memory leak" on the hub's stderr.
   */
  const waits = new Map<string, Set<AbortController>>();
  let openWaits = 0;
  const turns = new JournalTurns();
  handle(MockRequests.journal, (data: { filter?: JournalFilter; timeoutMs?: number } | undefined, owner) => {
    const { filter, timeoutMs } = data ?? {};
    const journal = options.journal;
    if (!journal) throw new Error("The hub's journal is off (journal: false): nothing is recorded");
    if (filter !== undefined && (filter === null || typeof filter !== "object" || Array.isArray(filter))) throw new TypeError("A journal filter is an object");
    // Each scan of the ring after the connection's first in a burst waits for its own turn of the event loop (./_journalTurns.ts).
    if (timeoutMs === undefined) return turns.turn(owner.clientId).then(() => (owner.socket.isConnected() ? fitting(journal.entries(filter), options.maxMessageSize) : undefined));
    // The client checks it too; a client of another version (or none of ours) may not. JSON carries NaN as null.
    checkNumber("timeoutMs", timeoutMs === null ? Number.NaN : timeoutMs, "journalWaitMs");
    let mine = waits.get(owner.clientId);
    if (mine && mine.size >= MAX_WAITS_PER_CONNECTION) throw new Error(`This connection already waits for ${mine.size} journal entries, the most one connection may (${MAX_WAITS_PER_CONNECTION} waitFor open at once): let some finish first`);
    if (openWaits >= MAX_WAITS) throw new Error(`The hub already has ${openWaits} journal waits open, the most it takes from all connections together (${MAX_WAITS}): try again when some have finished`);
    if (!mine) waits.set(owner.clientId, (mine = new Set()));
    const counted = mine;
    const controller = new AbortController();
    counted.add(controller);
    openWaits++;
    const stop = controller.signal;
    // Only the scan of the ring waits for the connection's turn; the wait itself (its timeout,
    // the entries it catches) starts now, as the caller asked (Journal.waitForAfter).
    return journal
      .waitForAfter(turns.turn(owner.clientId), filter, timeoutMs, stop)
      .then((entry) => fitting(entry, options.maxMessageSize))
      .finally(() => {
        openWaits--;
        counted.delete(controller);
        if (counted.size === 0 && waits.get(owner.clientId) === counted) waits.delete(owner.clientId);
      })
      // Called off because the connection closed: there is no one to answer (nor a warning to log).
      .catch((error: unknown) => {
        // A wait that times out is the answer the test may be waiting for: given, not logged.
        if (!stop.aborted) throw (error as IPCError)?.code === "ERR_IPC_TIMEOUT" ? expectedFailure(error as IPCError) : error;
        return undefined;
      });
  });

  clients.onDisconnect((clientId) => {
    const open = waits.get(clientId);
    if (open) {
      waits.delete(clientId);
      for (const controller of open) controller.abort();
    }
    const count = mocks.removeOwned(clientId);
    if (count) log(options.logger, "debug", `Removed ${count} mock(s) of disconnected client ${clientId}`);
  });
}

/**
 * A journal answer as one framework message can carry it, serialised once (it is sent as it
 * was measured: `SerializedResult`), else an error naming the limit. It is one message, bodies
 * included: under `journal.bodies` the entries a filter matches can take far
 * more than a client reads in one (Node's 100 MiB, Deno's 64 MiB), and a client sent more closed
 * its whole connection: `mocks.entries()` on a hub holding 120 MiB of bodies ended the test's
 * connection (1006) and every rule it held with it. Measured as the socket will send it (JSON
 * text), against the hub's `maxMessageSize`, which hello told the client is the most that comes back.
 */
function fitting(answer: JournalEntry[] | JournalEntry, maxMessageSize: number): SerializedResult {
  let text: string | undefined;
  try {
    text = JSON.stringify(answer);
  } catch {
    // Past what one string can hold: it could not be sent either.
  }
  const limit = maxMessageSize - ANSWER_FRAME;
  if (text !== undefined && (text.length * 3 <= limit || utf8Length(text) <= limit)) return new SerializedResult(text);
  const what = Array.isArray(answer) ? `The ${answer.length} journal entries that match take` : "The journal entry takes";
  throw new Error(
    `${what} ${text === undefined ? "more than one string holds" : `${utf8Length(text)} bytes`} as JSON, over the hub's maxMessageSize (${maxMessageSize}) for one framework message: narrow the filter (path, kind, scope, after), or read them from GET /__crossipc/api/journal, which streams`,
  );
}

/** Room for what frames an answer (`s:<id>:<name>:{"success":true,"data":…}`). */
const ANSWER_FRAME = 1024;

function checkSpec(spec: RuleSpec): void {
  if (spec === null || typeof spec !== "object") throw new TypeError(`${MockRequests.add} expects a rule object`);
  if (!ruleFactories.has(spec.kind)) throw new TypeError(`Unknown rule kind ${quoted(spec.kind)} (this hub knows ${[...ruleFactories.keys()].join(", ")})`);
  if (typeof spec.ref !== "number") throw new TypeError(`${MockRequests.add} expects a numeric ref`);
  // What a test's `intercept` passes on as given (its method and pattern) is the test's mistake,
  // answered to it, not the hub's failure: `crossipc hub` printed a warning line for each one,
  // where a bad fault or HAR (checked in the test's process) printed nothing. What only a peer
  // that is not connectMocks sends (the shape, the kind, the ref, above) is still said.
  if (typeof spec.method !== "string" || !METHOD.test(spec.method)) throw expectedFailure(new TypeError(`Method ${quoted(spec.method)} is not an HTTP method (or * for any)`));
  if (typeof spec.path !== "string" || spec.path === "") throw expectedFailure(new TypeError(`Pattern ${quoted(spec.path)} is not a route pattern`));
  if (spec.path.length > MAX_PATTERN) throw expectedFailure(new TypeError(`Pattern ${quoted(spec.path)} is ${spec.path.length} characters long, over ${MAX_PATTERN}`));
  if (spec.scope !== null) assertScopeId(spec.scope);
}

/** A rule whose handler runs in the process that added it: the request goes there and the answer comes back. */
function remoteRule(spec: RuleSpec, owner: RuleOwner, hub: MocksHubOptions & { id: string }): Rule {
  const method = spec.method === "*" ? "*" : spec.method.toUpperCase();
  const who = `${owner.clientId}${owner.runtimeId ? ` (runtimeId ${owner.runtimeId})` : ""}`;
  const rule: Rule = {
    id: hub.id,
    scope: spec.scope,
    kind: spec.kind as RuleKind,
    method,
    path: spec.path,
    owner: owner.clientId,
    calls: 0,
    takenBy: "mock",
    async take(context: TakeContext, params: Record<string, string>): Promise<Response | Pass> {
      const fail = (status: number, message: string) => {
        if (context.record) context.record.error = message;
        if (status === 500) log(hub.logger, "debug", message);
        else logBounded(hub.logger, "warn", "mock failures", message);
        return jsonResponse(status, { error: message });
      };
      let body: Uint8Array | undefined;
      // GET and HEAD have no body to read: no promise to wait for on the commonest relay.
      if (context.method !== "GET" && context.method !== "HEAD") {
        try {
          body = await context.body();
        } catch (error) {
          // Too large for one relay (413), the hub holds all the bodies it may for now (503), or the client stopped sending (408).
          return fail(bodyRefusalStatus(error) ?? 413, `Mock ${rule.id} (${rule.method} ${rule.path}): ${errorMessage(error)}`);
        }
      }
      const request = context.request;
      const payload: WireRequest = {
        ref: spec.ref,
        take: ++takes,
        method: request.method,
        url: request.url,
        headers: requestHeaderPairs(request),
        body: encodeBody(body),
        params,
        scope: context.scope,
      };
      // The hub drops a process with more than maxBufferedAmount unread as a slow consumer, and
      // every rule it holds with it. Relayed requests went out whatever was still unread: a few
      // concurrent 40 MiB POSTs to a mocked route (from anything that reaches the port, a page's
      // no-cors POST included) had a test process that was reading dropped, and its mocks gone.
      // Such a request is refused instead; the first always goes, as one large answer does.
      const unread = owner.socket.bufferedAmount;
      if (unread > 0 && unread + (body?.byteLength ?? 0) > hub.maxBufferedAmount) {
        return fail(503, `Mock ${rule.id} (${rule.method} ${rule.path}) of ${who}: its process has ${unread} bytes from the hub still unread, and this request would take it past maxBufferedAmount (${hub.maxBufferedAmount}), where the hub drops it with every rule it holds: try again once it has read them`);
      }
      let answer: WireAnswer;
      // The client leaving ends the wait: its body goes back to the budget at once (./_pipeline.ts),
      // and the handler's process is told, so an `interceptRequest` handler's `request.signal` aborts.
      let stop: () => void = () => {};
      const left = new Promise<typeof LEFT>((resolve) => (stop = whenClientLeaves(request, () => resolve(LEFT))));
      try {
        const { id, answer: asked } = owner.socket.requestWithId<WireAnswer>(MockRequests.take, payload, hub.proxyTimeout);
        const settled = await Promise.race([asked, left]);
        if (settled === LEFT) {
          // Nobody waits for its answer: the hub forgets it now rather than hold it until
          // `proxyTimeout` (10,000 clients that left were held that long); a late answer is ignored.
          asked.catch(() => {});
          owner.socket.abandon(id);
          try {
            owner.socket.send(MockRequests.left, { take: payload.take });
          } catch {
            // Its process went away too: nobody to tell.
          }
          const message = `Mock ${rule.id} (${rule.method} ${rule.path}): the client went away before ${who} answered`;
          if (context.record) context.record.error = message;
          log(hub.logger, "debug", message);
          return jsonResponse(CLIENT_LEFT, { error: message });
        }
        answer = settled;
      } catch (error) {
        const { status, what } = ownerFailure(error, hub.proxyTimeout);
        return fail(status, `Mock ${rule.id} (${rule.method} ${rule.path}) of ${who} ${what}`);
      } finally {
        stop();
      }
      if (answer !== null && typeof answer === "object") {
        if ("pass" in answer && answer.pass === true) return PASS;
        if ("error" in answer) return fail(500, String(answer.error));
      }
      try {
        const { response, size } = wireResponse(answer);
        if (context.record) {
          // The journal takes the pairs as they are, instead of reading a Headers object back;
          // the runtime frames the body, so its size is said here (the pairs have no content-length).
          context.record.responseHeaders = (answer as { headers: Array<[string, string]> }).headers;
          context.record.responseSize = size;
        }
        return response;
      } catch (error) {
        return fail(502, `Mock ${rule.id} (${rule.method} ${rule.path}) of ${who} sent an answer the hub cannot read: ${errorMessage(error)}`);
      }
    },
  };
  return rule;
}

/** Numbers the relayed requests, so that the hub can tell a handler's process which one's client left. */
let takes = 0;
const LEFT: unique symbol = Symbol("client left");
/** nginx's "client closed request", as the proxy journals it: nobody reads this answer. */
const CLIENT_LEFT = 499;
/** A status line's reason phrase (RFC 9112 §4: HTAB, SP, VCHAR, obs-text), and the longest the hub sends. */
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;
const MAX_REASON = 1024;

/** Statuses whose response has no body (a Response with one cannot be built). */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

/** The handler's answer as the runtime's fastest Response (srvx's FastResponse on Node takes the pairs as they are). */
function wireResponse(answer: WireAnswer): { response: Response; size: number } {
  if (answer === null || typeof answer !== "object" || !("status" in answer) || !Array.isArray(answer.headers)) throw new TypeError("not a response");
  if (!Number.isInteger(answer.status) || answer.status < 200 || answer.status > 599) throw new RangeError(`status ${answer.status} is not 200-599`);
  // connectMocks sends a Response's own statusText; a framework client of its own sends anything, and
  // each runtime did something else with it: Node wrote a 1 MB reason phrase whole and dropped CR and
  // LF from one (the rest stayed on the status line), Bun left it out, Deno answered 502.
  const { statusText } = answer;
  if (statusText !== undefined && (typeof statusText !== "string" || statusText.length > MAX_REASON || !REASON_PHRASE.test(statusText))) {
    throw new TypeError(`statusText ${quoted(statusText)} is not a reason phrase (RFC 9112: tabs, spaces, visible and Latin-1 characters, at most ${MAX_REASON})`);
  }
  const headers: Array<[string, string]> = [];
  let typed = false;
  let headerBytes = 0;
  const tooMany = tooManyAnswerHeaders(answer.headers.length, 0);
  if (tooMany) throw new RangeError(tooMany);
  for (const pair of answer.headers) {
    const name = String(pair[0]).toLowerCase();
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(String(pair[1]))) throw new TypeError(`header ${quoted(pair)} is not a valid HTTP header`);
    // Characters, not bytes: a value is Latin-1 (HEADER_VALUE), one byte each as the runtime writes it.
    headerBytes += name.length + String(pair[1]).length;
    const tooLarge = tooManyAnswerHeaders(0, headerBytes);
    if (tooLarge) throw new RangeError(tooLarge);
    // The runtime frames the body it is given; the handler's framing headers would contradict it.
    if (name === "content-length" || name === "transfer-encoding") continue;
    if (name === "content-type") typed = true;
    headers.push([name, String(pair[1])]);
  }
  let body: string | Uint8Array | null = null;
  if (!NO_BODY.has(answer.status) && answer.body) {
    // Text goes as it came when it names its type (a string body would otherwise get text/plain).
    body = typed && "text" in answer.body && typeof answer.body.text === "string" ? answer.body.text : decodeBody(answer.body)!;
  }
  const AnswerResponse = (getPlatform().Response ?? Response) as new (body: BodyInit | null, init?: ResponseInit) => Response;
  const size = body === null ? 0 : typeof body === "string" ? utf8Length(body) : body.byteLength;
  const response = new AnswerResponse(body as BodyInit | null, { status: answer.status, statusText: answer.statusText, headers });
  // The pairs ride along, as a proxied answer's do: the journal and the worker-scope check
  // (../server/_workerScope.ts) read them there; reading `headers` would make srvx's FastResponse build a Headers object.
  (response as { [ANSWER_HEADERS]?: unknown })[ANSWER_HEADERS] = headers;
  return { response, size };
}

/** The request's headers as pairs: Node's raw list as it came when srvx has it, else the Headers object's. */
function requestHeaderPairs(request: Request): Array<[string, string]> {
  const raw = (request as { runtime?: { node?: { req?: { rawHeaders?: string[] } } } }).runtime?.node?.req?.rawHeaders;
  if (!raw) return headerPairs(request.headers);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return pairs;
}
