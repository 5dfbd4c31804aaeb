/**
 * THE ORDER in which the hub takes a request (SPEC §10), in one place:
 *
 *   faults wrap everything below (SPEC §12: see FAULTS)
 *   (1) rules of the request's scope, newest first
 *   (2) unscoped rules from `connectMocks`, newest first
 *   (3) the hub's own intercept routes (`interceptHttp`/`interceptRequest`), then HUB REPLAYS
 *   (in (1), (2) and (3)'s routes a HEAD meets the GET ones when none of its own matches: `rulesFor`)
 *   (4) registered services (ServiceHub) and the proxy resolver
 *   (5) 404
 *
 * A rule answers a `Response` or `PASS` (hand on to the next rule, body intact). Every answer from
 * outside the hub ((1), (2), (3), (4)) is screened before it is journaled, by ../server/_workerScope.ts
 * (`answered` here, the intercept routes and the proxy in ../server/_http.ts): none may let a
 * service worker's scope cover /__crossipc/. The same order
 * holds for a WebSocket upgrade (`createUpgradePipeline`, below): faults refuse the upgrade or
 * act on the socket's frames, (1) and (2) are WebSocket rules, (3) is empty (the hub has no
 * WebSocket intercept routes) and (5) is a refusal.
 *
 * Cost when nothing is mocked: one number read (`mocks.size`) per request; the scope is read
 * only when rules exist (or scoped faults), once per request however many steps ask for it
 * (`ScopeOf`), and a trace id is compared only with open scopes (a Map lookup).
 */
import { errorMessage } from "../errors.ts";
import type { JournalRecord } from "../server/_journalRecord.ts";
import { jsonResponse } from "../server/_json.ts";
import type { InterceptRoutes, MatchedIntercept } from "../server/_routes.ts";
import { PASS, type Pass, type Rule, type TakeContext } from "./_rule.ts";
import type { MockRules } from "./_rules.ts";
import type { RuleTable, Matches } from "./_table.ts";
import { isHubPath, pathOf } from "../server/_path.ts";
import { requestScope } from "./_scope.ts";
import { headerGetter } from "../server/_nodeHeaders.ts";
import { withBody } from "../server/_requestCopy.ts";
import { concat } from "../_bytes.ts";
import { whenClientLeaves } from "./_clientLeaves.ts";
import { ThenMatches } from "./_matches.ts";
import { BodyBudgetError, BodyStalledError, BodyTooLargeError, bodyRefusalStatus, readWithin, type BodyBudget } from "./_bodyBudget.ts";

type Answer = Response | Promise<Response>;

/** The steps of the order that live in ../server/_http.ts, handed in so the order reads here. */
export interface HttpSteps {
  /** Rules added from other processes, by scope. */
  readonly mocks: MockRules;
  /** (3) the hub's own intercept routes. */
  readonly routes: InterceptRoutes;
  /** (3) HUB REPLAYS: rules the hub itself holds after its intercept routes (`server.replay`, SPEC §11). */
  readonly hubRules: RuleTable;
  /** FAULTS (SPEC §12): absent or empty when no fault exists. */
  readonly faults?: FaultLayer;
  /** Answers with the hub's intercept route that matched. */
  intercept(request: Request, match: MatchedIntercept, record: JournalRecord | undefined): Answer;
  /** (4) and (5): the dashboard and framework paths, services and the proxy resolver, else 404. */
  fallThrough(request: Request, record: JournalRecord | undefined): Answer;
  /**
   * Puts a rule's answer in the journal (with what took it) and returns it, once screened as every
   * answer from outside the hub is (../server/_workerScope.ts: a service worker's scope over /__crossipc/).
   */
  answered(request: Request, rule: Rule, record: JournalRecord | undefined, response: Response): Response;
  /** Answers `status` with `{"error": message}` and journals it as refused. */
  refused(record: JournalRecord | undefined, status: number, message: string): Response;
}

/**
 * FAULTS: the one place where a fault lookup wraps the whole take (SPEC §12). `size` is read per
 * request; only when it is not 0 does `wrap` see the request. `scopeOf` is the request's scope,
 * read when first asked (the faults ask only while a scope holds faults), and what the rules
 * after them are then told without reading the headers again.
 */
export interface FaultLayer {
  readonly size: number;
  wrap(request: Request, record: JournalRecord | undefined, scopeOf: ScopeOf, take: (request: Request) => Answer): Answer;
}

/** The scope of one request (or upgrade), read from its headers once, when first asked, and put in its journal entry. */
export type ScopeOf = () => string | null;

function scopeOnce(request: Request, mocks: MockRules, record: JournalRecord | undefined): ScopeOf {
  let scope: string | null | undefined;
  return () => {
    if (scope === undefined) {
      scope = requestScope(headerGetter(request), mocks.hasScope);
      if (record) record.scope = scope;
    }
    return scope;
  };
}

/** The hub's HTTP handler body: the order above, for one request. */
export function createHttpPipeline(hub: HttpSteps): (request: Request, record: JournalRecord | undefined) => Answer {
  const take = (request: Request, record: JournalRecord | undefined, scopeOf?: ScopeOf): Answer => {
    // (1) and (2): only when some process added rules.
    if (hub.mocks.size !== 0) return takeByRules(request, record, hub, scopeOf ?? scopeOnce(request, hub.mocks, record));
    return takeLocal(request, pathOf(request.url), record, hub);
  };
  return (request, record) => {
    // FAULTS wrap the whole take here. The request the faults hand on is this one (its headers,
    // so its scope, are the same): the rules get the scope the faults may have read.
    const faults = hub.faults;
    if (faults !== undefined && faults.size !== 0) {
      const scopeOf = scopeOnce(request, hub.mocks, record);
      return faults.wrap(request, record, scopeOf, (current) => take(current, record, current === request ? scopeOf : undefined));
    }
    return take(request, record);
  };
}

/** (3), (4), (5): what the hub itself knows. */
function takeLocal(request: Request, path: string, record: JournalRecord | undefined, hub: HttpSteps): Answer {
  // (3) the hub's own intercept routes (a HEAD meets the GET routes when none of its own matches)
  const match = hub.routes.find(request.method, path) ?? (request.method === "HEAD" ? hub.routes.find("GET", path) : undefined);
  if (match) return hub.intercept(request, match, record);
  // (3) HUB REPLAYS, then (4) services / proxy resolver, (5) 404
  if (hub.hubRules.size !== 0) return takeByHubRules(request, path, record, hub);
  return hub.fallThrough(request, record);
}

function takeByHubRules(request: Request, path: string, record: JournalRecord | undefined, hub: HttpSteps): Answer {
  const context = new Take(request, path, null, record, hub.mocks);
  const settle = (answer: Taken | Pass): Answer => (answer !== PASS ? hub.answered(request, answer.rule, record, answer.response) : onward(context, record, hub, hub.fallThrough));
  // A replay answers a request without a body at once: no promise to wait for (as an intercept route).
  const answer = firstAnswer(hub.hubRules.find(request.method, path), context);
  if (!(answer instanceof Promise)) return settle(answer);
  // The rules are done with the body once they have answered: its bytes leave the budget.
  return answer.finally(() => context.release()).then(settle);
}

function takeByRules(request: Request, record: JournalRecord | undefined, hub: HttpSteps, scopeOf: ScopeOf): Answer {
  const path = pathOf(request.url);
  // The hub's own pages and the framework path are never mocked: a `/**` rule must not hide them.
  if (isHubPath(path)) return takeLocal(request, path, record, hub);
  const mocks = hub.mocks;
  const scope = scopeOf();
  // (1) rules of the request's scope (an unknown scope has none), (2) unscoped rules
  const scoped = scope === null ? NONE : rulesFor(mocks, scope, request.method, path);
  const unscoped = rulesFor(mocks, null, request.method, path);
  // Nothing of (1) or (2) matches (the common case on a hub full of other tests' scopes): on at once.
  if (scoped.length === 0 && unscoped.length === 0) return takeLocal(request, path, record, hub);
  return takeByMatches(new Take(request, path, scope, record, mocks), scoped, unscoped, hub);
}

/**
 * The rules of one step for a request: a HEAD meets the step's GET rules when none of its own (or
 * of any method) matches, as h3 v2, express and fastify answer HEAD from GET routes; the runtime
 * sends the answer's head without its body. Mocking `GET /x` and sending `curl -I /x`, or a
 * browser checking a link, gets the mock's status and headers, not the service's. Replays match
 * the recorded method (a recording answers what was recorded, as Playwright's routeFromHAR).
 */
function rulesFor(mocks: MockRules, scope: string | null, method: string, path: string): Matches {
  const found = mocks.find(scope, method, path);
  if (method !== "HEAD") return found;
  if (found.length === 0) return mocks.find(scope, "GET", path);
  // Its own rules first; when they all hand it on (a `*` rule's `passthrough()`), the step's GET
  // rules, as a GET meets them after that `*` rule (not the `*` rules again: `exact`).
  const get = mocks.find(scope, "GET", path, true);
  return get.length === 0 ? found : new ThenMatches(found, get);
}

async function takeByMatches(context: Take, scoped: Matches, unscoped: Matches, hub: HttpSteps): Promise<Response> {
  const { record } = context;
  try {
    // (1) newest first
    let answer = await firstAnswer(scoped, context);
    if (answer !== PASS) return hub.answered(context.request, answer.rule, record, answer.response);
    // (2) newest first
    answer = await firstAnswer(unscoped, context);
    if (answer !== PASS) return hub.answered(context.request, answer.rule, record, answer.response);
  } finally {
    // The rules are done with the body: its bytes leave the budget ((3), (4), (5) stream a copy on).
    context.release();
  }
  // (3), (4), (5)
  return onward(context, record, hub, (request) => takeLocal(request, context.path, record, hub));
}

/**
 * The request handed on past the rules: with the bytes they read, or as it came when none read
 * it. A body they read and could not keep (over the relay limit, or its client gone mid-way) has
 * nothing whole left to hand on: refused, never sent on empty with its content-length (SPEC §11's
 * `onMiss: "next"`, a replay that had to read a chunked body to compare it).
 */
function onward(context: Take, record: JournalRecord | undefined, hub: HttpSteps, next: (request: Request, record: JournalRecord | undefined) => Answer): Answer {
  const lost = context.lost;
  if (lost === undefined) return next(context.current(), record);
  if (lost instanceof BodyTooLargeError) {
    return hub.refused(record, 413, `${capitalized(errorMessage(lost))}: a replay read it to compare and cannot hand it on whole (a body sent with a content-length header is handed on unread)`);
  }
  return hub.refused(record, bodyRefusalStatus(lost) ?? CLIENT_LEFT, `The request body could not be read whole for the rules (${errorMessage(lost)}): it is not handed on`);
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** nginx's "client closed request": the body broke off mid-way (the client is gone, or its connection broke). */
const CLIENT_LEFT = 499;

const NONE: Matches = [];

type Taken = { rule: Rule; response: Response };

/**
 * Asks each matching rule in turn; the first that does not pass answers. Synchronous as long as
 * the rules answer synchronously; from the first rule that returns a promise on, a promise.
 */
function firstAnswer(matches: Matches, context: Take, from = 0): Taken | Pass | Promise<Taken | Pass> {
  for (let i = from; i < matches.length; i++) {
    const { rule, params } = matches.at(i)!;
    rule.calls++;
    let response: Response | Pass | Promise<Response | Pass>;
    try {
      response = rule.take(context, params);
    } catch (error) {
      response = ruleFailed(rule, error, context);
    }
    if (response instanceof Promise) {
      return response.then(
        (settled): Taken | Pass | Promise<Taken | Pass> => (settled !== PASS ? { rule, response: settled } : firstAnswer(matches, context, i + 1)),
        (error: unknown) => ({ rule, response: ruleFailed(rule, error, context) }),
      );
    }
    if (response !== PASS) return { rule, response };
  }
  return PASS;
}

/** A rule's own failure is its answer: 500 naming it, as a throwing intercept route answers. */
function ruleFailed(rule: Rule, error: unknown, context: Take): Response {
  const message = `Rule ${rule.id} (${rule.kind} ${rule.method} ${rule.path}) failed: ${errorMessage(error)}`;
  if (context.record) context.record.error = message;
  return jsonResponse(bodyRefusalStatus(error) ?? 500, { error: message });
}

// --- WebSocket upgrades ----------------------------------------------------------------------

/** How an upgrade ends: answered or refused (`Response`), taken with a relay for the socket, or piped by the runtime itself. */
export type UpgradeOutcome = Response | UpgradeTaken | { readonly handled: true };

/** An upgrade accepted: the peer's messages go to `relay`. */
export interface UpgradeTaken {
  relay: SocketRelay;
  /** Headers of the 101 (a chosen subprotocol). */
  headers?: Record<string, string>;
}

/** The surface the hub's WebSocket hooks drive (as they drive a proxied socket's `UpstreamRelay`). */
export interface SocketRelay {
  /** The client's crossws peer, once the upgrade is accepted (typed loosely: crossws's types stay out of the published ones). */
  attach(peer: object): void;
  fromClient(data: string | ArrayBuffer | Uint8Array): void;
  clientClosed(code?: number, reason?: string): void;
  close(): void;
}

/** The steps of the upgrade order that live in ../server/_websocket.ts, handed in so the order reads here. */
export interface UpgradeSteps {
  /** (1) and (2): WebSocket rules added from other processes, by scope. */
  readonly mocks: MockRules;
  /** FAULTS (SPEC §12): absent or empty when no fault exists. */
  readonly faults?: UpgradeFaultLayer;
  /** Puts a WebSocket rule's answer (a socket it took, or a refusal) in the journal and returns it. */
  answered(rule: Rule, record: JournalRecord | undefined, taken: UpgradeTaken | Response): UpgradeOutcome;
  /**
   * (4) services and the proxy resolver, else (5) the refusal. `framed`: a fault acts on the
   * frames, so the socket must be relayed message by message (a runtime's byte pipe cannot see them).
   */
  fallThrough(request: Request, path: string, record: JournalRecord | undefined, framed: boolean): Promise<UpgradeOutcome>;
}

/**
 * FAULTS around an upgrade: a kind refuses the upgrade itself (status, reset, timeout), or lets
 * `take` open the socket and acts on its frames (latency, drop, close). `size` is read per
 * upgrade; only when it is not 0 does `wrap` see the upgrade.
 */
export interface UpgradeFaultLayer {
  readonly size: number;
  wrap(request: Request, path: string, record: JournalRecord | undefined, scopeOf: ScopeOf, take: (framed: boolean) => Promise<UpgradeOutcome>): Promise<UpgradeOutcome>;
}

/** The hub's upgrade hook body (after the framework path, which is the hub's own): the order above, for one upgrade. */
export function createUpgradePipeline(hub: UpgradeSteps): (request: Request, path: string, record: JournalRecord | undefined) => Promise<UpgradeOutcome> {
  const take = async (request: Request, path: string, record: JournalRecord | undefined, framed: boolean, scopeOf: ScopeOf): Promise<UpgradeOutcome> => {
    // (1) and (2): only when some process added rules; the hub's own paths are never mocked.
    if (hub.mocks.size !== 0 && !isHubPath(path)) {
      const taken = await takeUpgradeByRules(request, path, record, hub.mocks, scopeOf);
      if (taken) return hub.answered(taken.rule, record, taken.taken);
    }
    // (3) is empty (the hub has no WebSocket intercept routes); (4) services, (5) refusal.
    return hub.fallThrough(request, path, record, framed);
  };
  return (request, path, record) => {
    const scopeOf = scopeOnce(request, hub.mocks, record);
    // FAULTS wrap the whole take here.
    const faults = hub.faults;
    if (faults !== undefined && faults.size !== 0) return faults.wrap(request, path, record, scopeOf, (framed) => take(request, path, record, framed, scopeOf));
    return take(request, path, record, false, scopeOf);
  };
}

/** (1) rules of the upgrade's scope, then (2) unscoped ones, newest first: the first that takes it (or refuses it). */
async function takeUpgradeByRules(
  request: Request,
  path: string,
  record: JournalRecord | undefined,
  mocks: MockRules,
  scopeOf: ScopeOf,
): Promise<{ rule: Rule; taken: UpgradeTaken | Response } | undefined> {
  const scope = scopeOf();
  const context = new Take(request, path, scope, record, mocks);
  for (const step of scope === null ? [null] : [scope, null]) {
    for (const { rule, params } of mocks.findUpgrade(step, path)) {
      if (!rule.upgrade) continue;
      rule.calls++;
      const taken = await rule.upgrade(context, params);
      if (taken !== PASS) return { rule, taken };
    }
  }
  return undefined;
}

// --- helpers ---------------------------------------------------------------------------------

/** The request on its way through the order; its body is read at most once. */
class Take implements TakeContext {
  readonly request: Request;
  readonly method: string;
  readonly path: string;
  readonly scope: string | null;
  readonly record: JournalRecord | undefined;
  #body: Promise<Uint8Array | undefined> | undefined;
  #bytes: Uint8Array | undefined;
  #read = false;
  /** Why the body read for the rules was not kept, when it was not. */
  #lost: unknown = undefined;
  /** Bytes of this body reserved in the hub's budget, given back by `release`. */
  #held = 0;

  readonly #limit: number;
  readonly #budget: BodyBudget;
  readonly #idle: number;

  constructor(request: Request, path: string, scope: string | null, record: JournalRecord | undefined, mocks: MockRules) {
    this.#limit = mocks.bodyLimit;
    this.#budget = mocks.bodies;
    this.#idle = mocks.bodyIdle;
    this.request = request;
    this.method = request.method;
    this.path = path;
    this.scope = scope;
    this.record = record;
  }

  body(): Promise<Uint8Array | undefined> {
    this.#body ??= this.#readBody();
    return this.#body;
  }

  /** The body was read for the rules and not kept (why): what is left of it cannot be handed on. */
  get lost(): unknown {
    return this.#lost;
  }

  /** The request says (`content-length`) its body is over what the rules may read: reading it would only lose it. */
  bodyOverLimit(): boolean {
    const length = this.request.headers.get("content-length");
    return length !== null && Number(length) > this.#limit;
  }

  current(): Request {
    return this.#read ? withBody(this.request, this.#bytes) : this.request;
  }

  /** The rules are done with the body: its bytes leave the hub's budget. */
  release(): void {
    this.#budget.give(this.#held);
    this.#held = 0;
  }

  async #readBody(): Promise<Uint8Array | undefined> {
    const request = this.request;
    if (request.method === "GET" || request.method === "HEAD" || !request.body) return undefined;
    this.#read = true;
    try {
      this.#bytes = await this.#readCapped(request.body);
    } catch (error) {
      this.#lost = error;
      throw error;
    }
    // A client that leaves while a rule's process works on its request gives its bytes back then,
    // not when that process answers or proxyTimeout ends (they counted against every other body).
    if (this.#held > 0) whenClientLeaves(request, () => this.release());
    // With bodies on, the journal keeps what the rule read (the request is not tapped on this path),
    // as bytes: a body that is not UTF-8 goes into the HAR as base64, not as U+FFFD.
    if (this.record?.bodies) this.record.setBody("request", this.#bytes);
    return this.#bytes;
  }

  /**
   * The whole body, each chunk reserved in the hub's budget as it arrives; or an error naming the
   * limit it passed: this body's own (413) or the budget of all bodies (503). What comes past it
   * is read and dropped, not cancelled: cancelling a request's body cuts the connection on some
   * runtimes before the client reads the answer that refuses it.
   */
  async #readCapped(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let length = 0;
    let refused: "size" | "budget" | undefined;
    let others = 0;
    try {
      for (;;) {
        const { done, value } = await readWithin(reader, this.#idle);
        if (done) break;
        length += value.byteLength;
        if (refused) continue;
        if (length <= this.#limit && this.#budget.take(value.byteLength)) {
          this.#held += value.byteLength;
          chunks.push(value);
          continue;
        }
        refused = length > this.#limit ? "size" : "budget";
        others = this.#budget.held - this.#held;
        chunks.length = 0;
        this.release();
      }
    } catch (error) {
      // The client went away mid-body, or stopped sending: nothing is kept.
      this.release();
      if (error instanceof BodyStalledError) reader.cancel().catch(() => {});
      throw error;
    }
    if (refused === "size") throw new BodyTooLargeError(`the request body (${length} bytes) is over the ${this.#limit}-byte limit of what the hub reads for its mocks and replays (maxMessageSize)`);
    if (refused === "budget") throw BodyBudgetError.spent(this.#budget, others, length);
    return concat(chunks, this.#held);
  }
}

