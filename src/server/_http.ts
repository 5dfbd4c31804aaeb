import { causeChain, errorMessage } from "../errors.ts";
import { log, logOnce } from "../_log.ts";
import { logBounded } from "../_boundedLog.ts";
import { utf8Length } from "../_utf8.ts";
import { ANSWER_BODY, ANSWER_HEADERS, getPlatform, ProxyError, SMALL_ANSWER, type Platform, type ProxyHttpOptions } from "../platform.ts";
import { INTERNAL_SOCKET_PATH } from "../protocol.ts";
import type { IPCLogger, ProxyResolver } from "../types.ts";
import { checkFrameworkAccess, type GuardOptions } from "./_guard.ts";
import { refuseRequest } from "./_admission.ts";
import { screenWorkerScope } from "./_workerScope.ts";
import { DASHBOARD_PREFIX, pathOf } from "./_path.ts";
import { jsonResponse } from "./_json.ts";
import type { InterceptRoutes, MatchedIntercept } from "./_routes.ts";
import type { Journal } from "./journal.ts";
import { headerOf, readCopy, withoutToken, type JournalRecord } from "./_journalRecord.ts";
import { LOG_REDACTION, redactUrl } from "./_redact.ts";
import { headersRecord, rawHeaders } from "./_nodeHeaders.ts";
import { withBody } from "./_requestCopy.ts";
import { boundedRequest, InterceptBodyTooLarge, readInterceptBody, type BodyRefusal } from "./_interceptBody.ts";
import { BodyBudgetError, BodyHold, BodyStalledError, bodyRefusalStatus } from "../mocks/_bodyBudget.ts";
import { invalidHeader } from "../_httpHeader.ts";
import { decodedAnswer } from "../_decodedAnswer.ts";
import { unsendableAnswer } from "./_answerContract.ts";
import { quoted } from "../_excerpt.ts";
import { countAnswerSize } from "./_answerSize.ts";
import { wholeIfArrived } from "./_wholeIfArrived.ts";
import type { FaultTable } from "../faults/FaultTable.ts";
import type { HeldRequests } from "../faults/_held.ts";
import { createFaultLayer } from "./_faulted.ts";
import { loopAnswer, loopMessage } from "./_selfTarget.ts";
import { viaForwarded, viaHolds, viaLoopAnswer, viaLoopMessage } from "./_via.ts";
import { createHttpPipeline } from "../mocks/_pipeline.ts";
import { clientHasLeft } from "../mocks/_clientLeaves.ts";
import type { MockRules } from "../mocks/_rules.ts";
import type { RuleTable } from "../mocks/_table.ts";


export interface HttpState {
  readonly routes: InterceptRoutes;
  /** Rules added from other processes (`connectMocks`), by scope. */
  readonly mocks: MockRules;
  /** Rules the hub holds after its intercept routes (replays). */
  readonly hubRules: RuleTable;
  readonly resolver: ProxyResolver | undefined;
  /** Whether a proxy target (the resolver's base URL) sends the request back to this hub (./_selfTarget.ts). */
  readonly loopsBack: (target: string) => boolean;
  /** This hub's `Via` entry (./_via.ts): added to what it forwards; a request that holds it already has looped. */
  readonly via: string;
  readonly guard: GuardOptions;
  readonly proxyTimeout: number;
  /** The most an intercept route reads of a request's body (the `maxMessageSize` option): 413 past it. */
  readonly maxBodySize: number;
  /** The runtime's own upstream, when it has one faster than `fetch` (see `Platform.proxyHttp`). */
  readonly proxyHttp?: Platform["proxyHttp"];
  /** Why the runtime may not dial a target (Deno's permissions), to tell a refusal from a failure. */
  readonly dialRefusal?: Platform["dialRefusal"];
  /** Refusals already logged: each is said once (see `logOnce`). */
  readonly refusalsSaid: Set<string>;
  readonly logger?: IPCLogger;
  /** Records each request; absent when the journal is off, so that costs nothing then. */
  readonly journal?: Journal;
  /** Answers `/__crossipc/…` (the dashboard and its JSON API), when the dashboard is on. */
  readonly dashboard?: (request: Request, url: URL) => Response | Promise<Response>;
  /** Faults (`server.fault`): looked up only while there is one. */
  readonly faults: FaultTable;
  /** Requests a `timeout` fault holds. */
  readonly held: HeldRequests;
}

/** Asks the proxy resolver (HTTP and WebSocket alike); a resolver that throws is reported, not fatal. */
export function resolveTarget(
  state: { readonly resolver: ProxyResolver | undefined; readonly logger?: IPCLogger },
  pathname: string,
): { target?: string } | { error: string } {
  try {
    return { target: state.resolver?.(pathname) || undefined };
  } catch (error) {
    logBounded(state.logger, "error", "proxy resolver errors", `Route proxy resolver threw for ${pathname}`, error);
    return { error: `Route proxy resolver failed: ${errorMessage(error)}` };
  }
}

/**
 * The server's HTTP side: intercept routes first, then the proxy resolver, then the 404 that
 * tells the user which service is missing.
 *
 * Requests are answered without an H3Event: intercept routes are what test suites hammer, and
 * an H3Event, a second route lookup and h3's response conversion cost ~25% of their CPU (bench);
 * on Deno the H3Event and `proxyRequest` around `fetch` halved the proxy's throughput. h3 wraps
 * `proxyRequest` only where the runtime has no upstream of its own (`Platform.proxyHttp`).
 */
export function createHttpHandler(state: HttpState): (request: Request) => Response | Promise<Response> {
  const forward = state.proxyHttp ?? h3ProxyRequest(state.proxyTimeout);
  // Recording bodies: the runtime's upstream copies the request body as it forwards it (Node), else the body is teed.
  const copiesBody = state.proxyHttp !== undefined && getPlatform().proxyCopiesRequestBody === true;
  const journal = state.journal;
  // The order of the steps (mocks, intercept routes, replays, services, 404) is ../mocks/_pipeline.ts.
  const take = createHttpPipeline({
    mocks: state.mocks,
    routes: state.routes,
    hubRules: state.hubRules,
    // FAULTS wrap whatever takes the request (./_faulted.ts).
    faults: createFaultLayer(state.faults, {
      held: state.held,
      answer: (status, body, record) => committed(state, record, jsonAnswer(status, body, record)),
      commit: (record) => journal?.commit(record),
      logger: state.logger,
    }),
    intercept: (request, match, record) => intercept(request, match, state, record),
    fallThrough: (request, record) => fallThrough(request, state, forward, copiesBody, record),
    answered: (request, rule, record, response) => {
      if (record) {
        record.takenBy = rule.takenBy;
        // A replay names the recorded entry that answered; other rules their pattern.
        record.route ??= `${rule.method} ${rule.path}`;
        record.rule = rule.id;
      }
      return committed(state, record, screened(request, response, state, record));
    },
    refused: (record, status, message) => {
      if (record) {
        record.takenBy = "refused";
        record.error = message;
      }
      return committed(state, record, jsonAnswer(status, { error: message }, record));
    },
  });
  return (request) => {
    const refused = refuseRequest(request, state.guard, state.logger); if (refused) return refused;
    const record = journal === undefined ? undefined : beginHttp(journal, request);
    return take(request, record);
  };
}

type Forward = NonNullable<Platform["proxyHttp"]>;

async function fallThrough(request: Request, state: HttpState, forward: Forward, copiesBody: boolean, record: JournalRecord | undefined): Promise<Response> {
  const url = new URL(request.url);
  const pathname = url.pathname;
  // The dashboard's own requests are not journaled: its live view would record itself.
  if (state.dashboard && (pathname.startsWith(DASHBOARD_PREFIX) || pathname === "/__crossipc")) return state.dashboard(request, url);
  if (pathname === INTERNAL_SOCKET_PATH) {
    if (record) {
      record.takenBy = "framework";
      record.path = withoutToken(record.path);
    }
    return committed(state, record, frameworkPathOverHttp(request, url, state.guard));
  }

  const resolved = resolveTarget(state, pathname);
  if ("error" in resolved) return committed(state, record, jsonAnswer(500, resolved, record));
  if (resolved.target) return proxy(request, resolved.target, state, forward, copiesBody, record);

  return committed(
    state,
    record,
    // The path read as the journal shows it: its `;jsessionid=` would be kept in the journal's
    // bodies and a HAR (the default names, whatever `redact` says, as the 502s quote a target).
    jsonAnswer(404, { error: `No route for ${request.method} ${redactUrl(pathname, LOG_REDACTION)}! Did you forget to start a service that defines this path?` }, record),
  );
}

async function intercept(request: Request, { route, params }: MatchedIntercept, state: HttpState, record: JournalRecord | undefined): Promise<Response> {
  route.hits++;
  if (record) {
    record.takenBy = "intercept";
    record.route = route.pattern;
  }
  let response: Response;
  // The body past the server's bound, or past the budget of all bodies, or its client stalled:
  // whatever the handler made of its read failing, the answer is 413, 503 or 408 (./_interceptBody.ts).
  let overLimit = (): BodyRefusal | undefined => undefined;
  // This request's part of the budget of bodies the hub holds, given back once the handler is done.
  const hold = new BodyHold(state.mocks.bodies);
  try {
    if (route.kind === "request") {
      let bounded = boundedRequest(request, state.maxBodySize, hold, state.proxyTimeout);
      if (bounded instanceof Promise) bounded = await bounded;
      overLimit = bounded.overLimit;
      response = screened(request, await ownAnswer(route.pattern, await route.handler(record?.bodies ? tapRequest(bounded.request, record) : bounded.request, params), record), state, record);
    } else {
      const result = await route.handler(await readInterceptBody(request, record, state.maxBodySize, hold, state.proxyTimeout), params, headersRecord(request));
      // A function or a symbol has no JSON: it failed as "Cannot read properties of undefined".
      if (typeof result === "function" || typeof result === "symbol") throw new TypeError(`Intercept route ${route.pattern} answered ${quoted(result)}, which is neither data JSON can carry nor a Response`);
      response = result instanceof Response ? screened(request, await ownAnswer(route.pattern, result, record), state, record) : jsonAnswer(200, result, record);
    }
    // The handler's own Response says no size (`jsonAnswer` says its own).
    if (record && record.responseSize === undefined && response instanceof Response) response = countAnswerSize(response, record);
  } catch (error) {
    const refusal = error instanceof InterceptBodyTooLarge || error instanceof BodyBudgetError || error instanceof BodyStalledError ? error : overLimit();
    if (refusal) {
      const message = refusal instanceof InterceptBodyTooLarge ? refusal.message : `The request body is not read for ${route.pattern}: ${refusal.message}`;
      if (record) record.error = message;
      response = jsonAnswer(bodyRefusalStatus(refusal) ?? 413, { error: message }, record);
    } else {
      logBounded(state.logger, "error", "intercept route errors", `Intercept route ${request.method} ${pathOf(request.url)} threw`, error);
      if (record) record.error = errorMessage(error);
      response = jsonAnswer(500, { error: errorMessage(error) }, record);
    }
  } finally {
    hold.release();
  }
  return committed(state, record, response);
}

/** An answer from outside the hub as ./_workerScope.ts lets it go on, or the `502` that refuses it. */
function screened(request: Request, response: Response, state: HttpState, record: JournalRecord | undefined): Response {
  const answer = screenWorkerScope(request, response, state.logger);
  if (!("refused" in answer)) return answer;
  if (record) record.error = answer.refused;
  return jsonAnswer(502, { error: answer.refused }, record);
}

/**
 * The handler's own Response, or a 502 naming the header the runtime's server could not write
 * (../_httpHeader.ts: a Deno hub panicked and died on one). Only a handler's own Response is
 * checked, once per header: the hub's JSON answers hold none. An answer no runtime can send (not
 * a Response, a body already read) throws, for the caller's 500 (./_answerContract.ts).
 */
function ownAnswer(pattern: string, response: Response, record: JournalRecord | undefined): Response | Promise<Response> {
  // Thrown: `intercept` answers it as it answers a handler's throw (500 {"error"}), logged the same way.
  const unsendable = unsendableAnswer(response, getPlatform().bodyGetterChangesAnswer !== true);
  if (unsendable !== undefined) throw new TypeError(`Intercept route ${pattern} ${unsendable}`);
  const invalid = invalidHeader(response.headers);
  if (invalid === undefined) {
    // A fetched answer (a spy's) is the one whose body can fail mid-way; one the handler built is sent untouched.
    // `fetch` decoded a fetched answer's body: sent under the service's content-encoding, it was unreadable (../_decodedAnswer.ts).
    // The copy has no `url`: the original's says it was fetched.
    const sent = decodedAnswer(response);
    const { quietBody, sizedAnswer } = getPlatform();
    // One the handler built goes with its length where the runtime would stream it (Node).
    if (sizedAnswer !== undefined && response.url === "") return sizedAnswer(sent).then((sized) => withSize(sized, record));
    return quietBody !== undefined && response.url !== "" && sent.body !== null ? quietBody(sent) : sent;
  }
  response.body?.cancel().catch(() => {});
  const message = `Intercept route ${pattern} sent an answer the hub cannot read: ${invalid}`;
  if (record) record.error = message;
  return jsonAnswer(502, { error: message }, record);
}

/** The size of an answer sent with its bytes (`Platform.sizedAnswer`): known, so not counted again. */
function withSize(response: Response, record: JournalRecord | undefined): Response {
  const bytes = (response as { [ANSWER_BODY]?: Uint8Array })[ANSWER_BODY];
  if (record && bytes !== undefined) record.responseSize = bytes.byteLength;
  return response;
}

/**
 * The runtime's fastest Response (srvx's FastResponse on Node skips building a Web Response).
 * Taken from the adapter, not imported from srvx here: on Deno, importing srvx runs a colour
 * check that reads `TERM`, which kills the import without `--allow-env`.
 */
function jsonAnswer(status: number, body: unknown, record?: JournalRecord, headers: Record<string, string> = JSON_HEADERS): Response {
  const text = body === undefined ? "" : JSON.stringify(body);
  if (record) {
    // The headers are known: reading them back from a FastResponse would build a Headers object.
    record.responseHeaders = headers;
    record.responseSize = utf8Length(text);
    if (record.bodies) record.setBody("response", text);
  }
  const AnswerResponse = getPlatform().Response ?? Response;
  return new AnswerResponse(text, { status, headers });
}

/** Starts the journal entry of an HTTP request: one small object, the headers by reference. */
function beginHttp(journal: Journal, request: Request): JournalRecord {
  const url = request.url;
  const record = journal.begin("http", url.slice(url.indexOf("/", url.indexOf("//") + 2)));
  record.method = request.method;
  record.url = url;
  // On Node the raw list is there already; `headers` may not be built yet.
  record.requestHeaders = rawHeaders(request);
  return record;
}

/** Puts the entry in the journal with the answer's status (and headers, unless already known). */
function committed(state: HttpState, record: JournalRecord | undefined, response: Response): Response {
  // A handler that broke its contract (no Response) is left to the server's own error answer.
  if (!record || !response) return response;
  record.status = response.status;
  record.responseHeaders ??= (response as { [ANSWER_HEADERS]?: Array<[string, string]> })[ANSWER_HEADERS] ?? response.headers;
  if (record.bodies && record.responseBody === undefined) void tapResponse(response, record);
  state.journal!.commit(record);
  return response;
}

const JSON_HEADERS = { "content-type": "application/json" };
/**
 * A 405 names methods that are served (RFC 9110 §15.5.6): the common ones, not all of them (the
 * proxy passes on any method but TRACE, WebDAV's among them).
 */
const NOT_TRACE = { ...JSON_HEADERS, allow: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" };

async function proxy(request: Request, baseUrl: string, state: HttpState, forward: Forward, copiesBody: boolean, record: JournalRecord | undefined): Promise<Response> {
  const target = joinTarget(baseUrl, request.url);
  if (record) {
    record.takenBy = "proxy";
    record.target = target;
  }
  if (state.loopsBack(baseUrl)) {
    if (record) record.error = loopMessage(target);
    return committed(state, record, jsonAnswer(508, loopAnswer(target), record));
  }
  const via = request.headers.get("via");
  if (via !== null && viaHolds(via, state.via)) {
    if (record) record.error = viaLoopMessage(target);
    return committed(state, record, jsonAnswer(508, viaLoopAnswer(target), record));
  }
  // Not passed on, as nginx does by default: a TRACE comes back with the request's headers (a
  // page's cookies, its credentials) in its body, and Deno's and Bun's fetch cannot carry one
  // (Deno's refused it: 502; Bun's lost the answer's body), where Node's forwarded it.
  if (request.method === "TRACE") {
    const message = "TRACE is not proxied: its answer would echo the request's headers (cookies, credentials)";
    if (record) record.error = message;
    return committed(state, record, jsonAnswer(405, { error: message }, record, NOT_TRACE));
  }
  const options: ProxyHttpOptions = { timeout: state.proxyTimeout, retried: 0, via: viaForwarded(via, state.via) };
  let sent = request;
  if (record?.bodies) {
    options.keepBody = true;
    options.responseBody = record.copier("response");
    if (!copiesBody) sent = tapRequest(request, record);
    // Not `request.body`: on Node, asking for it starts a Web stream reading the body the upstream pipes.
    else if (request.method !== "GET" && request.method !== "HEAD") options.requestBody = record.copier("request");
  }
  try {
    const response = screened(request, await forward(sent, target, options), state, record);
    if (record && options.retried) record.retried = options.retried;
    if (record && options.length !== undefined) record.responseSize ??= options.length;
    // A compressed answer held whole is decoded for the journal before it goes out: decoding took
    // a Node hub a few ms on its thread pool, and an entry read as soon as the client had its
    // answer (toHAR, the journal's API, `crossipc journal --har`) had no body yet.
    if (record?.bodies && (response as { [ANSWER_BODY]?: unknown })[ANSWER_BODY] instanceof Uint8Array) {
      record.responseHeaders ??= (response as { [ANSWER_HEADERS]?: Array<[string, string]> })[ANSWER_HEADERS] ?? response.headers;
      await tapResponse(response, record);
    }
    return committed(state, record, response);
  } catch (error) {
    if (record && options.retried) record.retried = options.retried;
    // The upstream was stopped because the client left: not the service's failure, and nobody reads the answer.
    if (clientHasLeft(request)) {
      const message = `The client went away before ${target} answered`;
      // The journal redacts `error` when it is read; the body it keeps is the answer's, which
      // showed the service's URL whole (a password in it, a `?token=`), as the 502 below does not.
      const shown = redactUrl(target, LOG_REDACTION)!;
      log(state.logger, "debug", message);
      if (record) record.error = message;
      return committed(state, record, jsonAnswer(CLIENT_LEFT, { error: `The client went away before ${shown} answered`, target: shown }, record));
    }
    // A ProxyError or h3's HTTPError: both say 504 for a timeout.
    const status = (error as { status?: unknown } | undefined)?.status === 504 ? 504 : 502;
    // h3 wraps the fetch failure; the innermost cause says what happened (ECONNREFUSED…).
    const cause = causeChain((error as { cause?: unknown }).cause ?? error);
    // A target the runtime may not dial fails every request alike: said once, and not as a crash.
    const refusal = status === 502 ? state.dialRefusal?.(target) : undefined;
    if (refusal) logOnce(state.logger, state.refusalsSaid, refusal, "warn", `Proxy to ${redactUrl(target, LOG_REDACTION)} refused (502): ${refusal} (said once: every request to it gets this 502)`);
    else logBounded(state.logger, "warn", "proxy failures", `Proxy to ${redactUrl(target, LOG_REDACTION)} failed (${status}): ${cause}`);
    const issue = (shown: string) =>
      status === 504
        ? `Proxy timeout: ${shown} did not answer within ${state.proxyTimeout}ms`
        : `Proxy error: ${shown} is unreachable: ${cause}${refusal ? "" : " (Did the service crash?)"}`;
    // The journal redacts when it is read (`redact: false` shows all); the answer is what anyone
    // who can reach the hub reads: no password of the service's URL, no token of the query.
    if (record) record.error = issue(target);
    const shown = redactUrl(target, LOG_REDACTION)!;
    const message = issue(shown);
    // `issue` is the original's key for this message; `error` matches every other answer.
    return committed(state, record, jsonAnswer(status === 504 ? 504 : 502, { error: message, issue: message, target: shown }, record));
  }
}

/**
 * The journal's status for a request whose client left before its answer: nginx's "client closed
 * request", which log readers know (the client got no status at all).
 */
const CLIENT_LEFT = 499;

/**
 * h3's `proxyRequest` as an upstream (hop-by-hop headers, x-forwarded-*, 502/504 over the
 * global `fetch`). It needs an H3Event, so the request goes through a one-route h3 app; its
 * failure is handed back (not answered by h3) so that every runtime reports it the same way.
 * h3 is loaded on the first proxied request: only runtimes without `proxyHttp` use it, and
 * loading it pulls in srvx (see `jsonAnswer`).
 */
function h3ProxyRequest(timeout: number): Forward {
  const jobs = new WeakMap<Request, ProxyJob>();
  let app: Promise<{ fetch(request: Request): Response | Promise<Response> }> | undefined;
  // A runtime whose `fetch` can leave bodies as sent (Bun) passes compressed answers through:
  // the client's `accept-encoding` goes on (h3 drops it by default, since `fetch` would decode).
  const asSent = getPlatform().fetchAsSent;
  const passThrough = asSent ? { forwardHeaders: ["accept-encoding"], fetchOptions: asSent as RequestInit } : {};
  // Bun's server prints the Error a fetched body fails with (a service that dies mid-answer). A
  // small answer of known length is read whole (its failure is a 502, as on Node and Deno); a
  // larger or unbounded one goes out re-streamed, so that its failure still cuts the client's
  // connection, silently. Re-streaming every answer cost ~20% of the hub's CPU per request.
  const quietBody = getPlatform().quietBody;
  const load = async () => {
    const { H3, proxyRequest } = await import("h3");
    // A path with a stray `%` (`/svc/a%`) is the backend's to judge, as on Node and Deno: h3
    // answered 400 before its handler ran (Bun's hub is the one that proxies through h3).
    const h3 = new H3({ silent: true, allowMalformedURL: true });
    // h3 drops the target's `content-length` and `content-encoding` (it assumes `fetch` decoded):
    // noted here for `keepBody`, to put them back on a body left as sent, and for the journal's
    // size (without it a Bun hub's journal and HAR had none for any proxied answer; Node's and Deno's have it).
    const onResponse = (event: { req: Request }, upstream: Response) => {
      const job = jobs.get(event.req)!;
      const encoding = upstream.headers.get("content-encoding");
      if (asSent && encoding !== null) job.encoding = encoding;
      if (encoding === null || asSent) job.length = upstream.headers.get("content-length");
      if (event.req.method === "HEAD") job.transferEncoding = upstream.headers.get("transfer-encoding");
      if (!job.keepBody && quietBody === undefined) return;
      const length = Number(upstream.headers.get("content-length") ?? Number.NaN);
      // Left as sent, a compressed answer's length bounds its bytes; one `fetch` decoded has no bound.
      job.whole = length <= SMALL_ANSWER && (encoding === null || asSent !== undefined);
    };
    h3.all("/**", async (event) => {
      const job = jobs.get(event.req)!;
      try {
        // propagateAbortError: a client that left is thrown, not answered 499, so that `proxy` journals it as every runtime does.
        // `headers` are set over the client's: the incoming `Via` is replaced by the one with this hub's entry appended.
        return await proxyRequest(event, job.target, { xfwd: true, timeout, propagateAbortError: true, headers: { via: job.via }, onResponse, ...passThrough });
      } catch (error) {
        job.error = error;
        return null;
      }
    });
    return h3;
  };
  return async (request, target, options) => {
    const job: ProxyJob = { target, via: options.via, keepBody: options.keepBody === true };
    jobs.set(request, job);
    const response = await (await (app ??= load())).fetch(request);
    if (job.error !== undefined) throw job.error;
    if (job.encoding !== undefined) {
      // The body is still in this encoding: the client gets the headers that say so.
      response.headers.set("content-encoding", job.encoding);
      if (job.length !== null && job.length !== undefined) response.headers.set("content-length", job.length);
    }
    // Not read back from the answer's headers for the journal: Bun's server takes `content-length` out of them as it sends.
    const length = Number(job.length ?? Number.NaN);
    if (Number.isSafeInteger(length) && length >= 0) options.length = length;
    // A 304 may carry the length of what a 200 would send (RFC 9110 §8.6); h3 drops it, Bun's
    // server sends it when it is set (Node hubs pass it; Deno's server drops it).
    if (response.status === 304 && job.length !== null && job.length !== undefined) response.headers.set("content-length", job.length);
    // A HEAD's answer has no body, and its `content-length` is the service's (h3 drops it): handed
    // the empty body h3 gives it, Bun's server said `content-length: 0` where the service said 12345.
    if (request.method === "HEAD") {
      if (job.length !== null && job.length !== undefined) response.headers.set("content-length", job.length);
      // A service whose GET is chunked says so on a HEAD, and no length: without it Bun's server
      // said `content-length: 0`, an empty GET (Node's hub sends neither header; both are right).
      else if (job.transferEncoding) response.headers.set("transfer-encoding", job.transferEncoding);
      return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    if (!response.body) return response;
    // An answer of unknown length: sent whole if all of it is here already, else re-streamed (./_wholeIfArrived.ts).
    if (!job.whole) return quietBody === undefined ? response : await wholeIfArrived(response);
    // A small answer read whole: when recording bodies, the journal keeps these bytes instead of a
    // tee of the stream (the same as the runtimes' own upstreams do); on Bun, so that a service
    // dying mid-answer is a 502 and no stderr line (see `quietBody` above).
    let whole: Uint8Array;
    try {
      whole = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw new ProxyError(502, errorMessage(error), { cause: error });
    }
    const answer = new Response(whole as Uint8Array<ArrayBuffer>, { status: response.status, statusText: response.statusText, headers: response.headers });
    if (job.keepBody) (answer as { [ANSWER_BODY]?: Uint8Array })[ANSWER_BODY] = whole;
    return answer;
  };
}

interface ProxyJob {
  target: string;
  via: string;
  keepBody: boolean;
  /** The target's answer is small, of known length, and not decoded by `fetch` (`keepBody` or `quietBody` only). */
  whole?: boolean;
  /** The `content-encoding` of an answer left as sent (`Platform.fetchAsSent`), and its `content-length`. */
  encoding?: string;
  length?: string | null;
  /** A HEAD's answer's `transfer-encoding` (h3 drops it as hop-by-hop). */
  transferEncoding?: string | null;
  error?: unknown;
}

/** A plain HTTP request to the framework path: the guard's refusal, else "upgrade required". */
function frameworkPathOverHttp(request: Request, url: URL, guard: GuardOptions): Response {
  const refusal = checkFrameworkAccess(request, url, guard);
  // A page's IPCClient asks here why its upgrade failed; the refusal (and only that) is
  // readable cross-origin, so the page gets the same clear error as everyone else.
  const origin = request.headers.get("origin");
  if (refusal) return jsonResponse(refusal.status, { error: refusal.message }, origin ? { "access-control-allow-origin": origin, vary: "origin" } : undefined);
  return jsonResponse(426, { error: `${INTERNAL_SOCKET_PATH} is a WebSocket endpoint: upgrade required` }, { upgrade: "websocket" });
}

/**
 * `baseUrl` + the request's path and query as the route was matched on them. Byte for byte,
 * except that dot segments (`/a/../b`, also percent-encoded, or with `\\`) are resolved as the
 * URL parser did for routing: Deno's `request.url` keeps them (Node's and Bun's do not), and the
 * upstream `fetch` would resolve them after the base path, stepping out of it.
 */
export function joinTarget(baseUrl: string, requestUrl: string): string {
  const schemeEnd = requestUrl.indexOf("//");
  const pathStart = requestUrl.indexOf("/", schemeEnd === -1 ? 0 : schemeEnd + 2);
  let pathAndQuery = pathStart === -1 ? "/" : requestUrl.slice(pathStart);
  if (DOT_SEGMENT.test(pathAndQuery)) {
    const url = new URL(`http://h${pathAndQuery}`);
    pathAndQuery = url.pathname + url.search;
  }
  return baseUrl.replace(/\/+$/, "") + pathAndQuery;
}

/** A `.` or `..` path segment, or something the URL parser may turn into one (before any `?`). */
const DOT_SEGMENT = /^[^?#]*(?:[/\\](?:\.|%2e)|\\)/i;


/**
 * With bodies on: the request as a copy whose body is split in two, one half for whoever handles
 * it, the other read into the journal up to the limit. Only then: on Node the copy's body no
 * longer streams straight from the IncomingMessage into the proxy's upstream request.
 */
function tapRequest(request: Request, record: JournalRecord): Request {
  if (!request.body || request.method === "GET" || request.method === "HEAD") return request;
  const [onward, copy] = request.body.tee();
  void readCopy(copy, record.copier("request"));
  return withBody(request, onward);
}

/** Encodings the runtimes' DecompressionStream undoes everywhere (Node 20 has no brotli). */
const DECODABLE = new Set(["gzip", "x-gzip", "deflate"]);

/**
 * With bodies on: the answer's body into the journal. Bytes the answer was built from (a replay,
 * a small proxied answer: `ANSWER_BODY`) are kept as they are, cut at the limit; anything else is
 * read from a copy as it streams to the client. A gzip or deflate body is kept decoded, as
 * DevTools keep it in a HAR, and `responseSize` is then the bytes that were sent. Nothing else is
 * done now: UTF-8 checks and base64 wait until the journal is read.
 */
function tapResponse(response: Response, record: JournalRecord): Promise<void> | void {
  const whole = (response as { [ANSWER_BODY]?: Uint8Array | null })[ANSWER_BODY];
  // The runtime's upstream copies it as it streams (ProxyHttpOptions.responseBody).
  if (whole === null) return;
  const encoding = headerOf(record.responseHeaders, "content-encoding")?.trim().toLowerCase();
  const decode = encoding !== undefined && DECODABLE.has(encoding) ? encoding : undefined;
  if (whole !== undefined && decode === undefined) return record.setBody("response", whole);
  // No body (a HEAD, a 204, Response(null)): an empty one, as the proxy's copy of such an answer
  // is, so a replayed or mocked answer is recorded as the answer it replaced was.
  if (!response.body) return record.setBody("response", new Uint8Array(0));
  let body: ReadableStream<Uint8Array>;
  if (whole !== undefined) body = new Blob([whole as Uint8Array<ArrayBuffer>]).stream();
  else {
    try {
      body = response.clone().body!;
    } catch {
      return; // A body already used cannot be copied; the entry keeps none.
    }
  }
  let sent = 0;
  if (decode !== undefined) {
    record.responseBodyDecoded = decode;
    const count = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    body = body.pipeThrough(count).pipeThrough(new DecompressionStream(decode === "deflate" ? "deflate" : "gzip") as unknown as TransformStream<Uint8Array, Uint8Array>);
  }
  const copy = record.copier("response");
  return readCopy(body, {
    room: copy.room,
    done: (bytes, truncated) => {
      copy.done(bytes, truncated);
      if (record.responseBodyDecoded !== undefined && !truncated) record.responseSize ??= sent;
    },
  });
}
