/**
 * A replay as a rule of the request order (../mocks/_pipeline.ts): the hub's own replays sit
 * after its intercept routes (step 3), a replay from `mocks.replay`/`scope.replay` among that
 * connection's rules (steps 1 and 2). It matches every path (`* /**`) and looks the request up
 * in its index; the body is read only when its method and path were recorded.
 */
import { PASS, type Pass, type Rule, type TakeContext } from "../mocks/_rule.ts";
import { bodyRefusalStatus } from "../mocks/_bodyBudget.ts";
import { isHubPath } from "../server/_path.ts";
import { isApiPath, type ApiPaths } from "../server/_apiPaths.ts";
import type { Replay } from "./Replay.ts";

export interface ReplayRuleOptions {
  id: string;
  scope: string | null;
  owner: string;
  /** Where the hub's apis live (the `api` option), when a ServiceHub runs on the server. */
  apiPaths: () => ApiPaths | undefined;
  /**
   * Told after each request the replay answered or missed (a remote owner's counts): the request's
   * answer (or its hand-on) waits for what it returns. Absent for the hub's own replays: they answer at once.
   */
  counted?: () => Promise<void> | undefined;
  /** Called once when the rule leaves the hub (a remote replay gives back its HAR's bytes). */
  dispose?: () => void;
}

/** The method and pattern every replay rule is kept under: it matches by its own index. */
export const REPLAY_METHOD = "*";
export const REPLAY_PATH = "/**";

const EMPTY = new Uint8Array(0);

export function replayRule(replay: Replay, options: ReplayRuleOptions): Rule {
  return {
    id: options.id,
    scope: options.scope,
    kind: "replay",
    method: REPLAY_METHOD,
    path: REPLAY_PATH,
    owner: options.owner,
    calls: 0,
    takenBy: "replay",
    ...(options.dispose ? { dispose: options.dispose } : {}),
    take(context: TakeContext): Response | Pass | Promise<Response | Pass> {
      const { method, path } = context;
      // The dashboard, its API and the framework path are the hub's, even to `onMiss: "404"`.
      if (isHubPath(path)) return PASS;
      if (replay.api !== undefined && !isApiPath(options.apiPaths(), replay.api, path)) return PASS;
      // A GET or HEAD has no body to read (the pipeline's own rule), nor has a request whose
      // method and path were never recorded: answered at once, no promise to wait for.
      if (method === "GET" || method === "HEAD" || !replay.index.has(method, path)) return counted(outcomeOf(replay, context, EMPTY), options);
      // A body declared over what the hub reads for its rules matches no recording (each was read
      // within it): not read, so that with `onMiss: "next"` it goes on whole to the services.
      if (context.bodyOverLimit()) return counted(outcomeOf(replay, context, null), options);
      return readBody(context).then((body) => counted(outcomeOf(replay, context, body), options));
    },
  };
}

/** The outcome once the owner has the counts it changed (a remote replay's), else at once. */
function counted(outcome: Response | Pass, options: ReplayRuleOptions): Response | Pass | Promise<Response | Pass> {
  const told = options.counted?.();
  return told ? told.then(() => outcome) : outcome;
}

/** The body as the replay compares it; null: past what the hub reads (the mocks relay limit), which matches no recording. */
async function readBody(context: TakeContext): Promise<Uint8Array | null> {
  try {
    const body = (await context.body()) ?? EMPTY;
    if (context.record?.bodies && body.byteLength) context.record.setBody("request", body);
    return body;
  } catch (error) {
    // The hub holds all the bodies it may for now (503, try again), or the client stopped sending (408): not a miss.
    if (bodyRefusalStatus(error) !== undefined) throw error;
    return null;
  }
}

function outcomeOf(replay: Replay, context: TakeContext, body: Uint8Array | null): Response | Pass {
  const { pathname, search } = splitUrl(context.request.url, context.path);
  const outcome = replay.answer(context.method, pathname, search, body, body?.byteLength ? context.request.headers.get("content-type") : undefined);
  if (!outcome) return PASS;
  if (context.record && "entry" in outcome) context.record.route = `${replay.name} entry ${outcome.entry}`;
  return "response" in outcome ? outcome.response : outcome.miss404;
}

/**
 * The path as `URL.pathname` has it (the form the recording was indexed in) and the query,
 * without parsing the URL when the path the router matched on is already in that form: the
 * parser changes only dot segments, percent-encodings (`%2e`), backslashes and characters it
 * escapes, and a path with none of them is left as it is.
 */
function splitUrl(url: string, path: string): { pathname: string; search: string } {
  if (NEEDS_PARSER.test(path)) {
    const parsed = new URL(url);
    return { pathname: parsed.pathname, search: parsed.search.slice(1) };
  }
  const mark = url.indexOf("?");
  if (mark === -1) return { pathname: path, search: "" };
  const hash = url.indexOf("#", mark);
  return { pathname: path, search: hash === -1 ? url.slice(mark + 1) : url.slice(mark + 1, hash) };
}

const NEEDS_PARSER = /[^\x21-\x7e]|["<>`{}%\\^|]|\/\.|^[^/]/;
