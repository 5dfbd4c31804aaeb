/**
 * A replay as a rule of the request order (../mocks/_pipeline.ts): the hub's own replays sit
 * after its intercept routes (step 3), a replay from `mocks.replay`/`scope.replay` among that
 * connection's rules (steps 1 and 2). It matches every path (`* /**`) and looks the request up
 * in its index; the body is read only when its method and path were recorded.
 */
import { PASS, type Pass, type Rule, type TakeContext } from "../mocks/_rule.ts";
import type { Replay } from "./Replay.ts";

export interface ReplayRuleOptions {
  id: string;
  scope: string | null;
  owner: string;
  /** The hub's api prefixes (`api` option), when a ServiceHub runs on the server. */
  apiPrefixes: () => ((api: string) => ReadonlySet<string>) | undefined;
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
    async take(context: TakeContext): Promise<Response | Pass> {
      const { method, path, record } = context;
      if (replay.api !== undefined && !underApi(path, options.apiPrefixes()?.(replay.api))) return PASS;
      // null: a body past what the hub reads (the mocks relay limit), which matches no recording.
      let body: Uint8Array | null = EMPTY;
      if (replay.index.has(method, path)) {
        try {
          body = (await context.body()) ?? EMPTY;
          if (record?.bodies && body.byteLength) record.setBody("request", body);
        } catch {
          body = null;
        }
      }
      const outcome = replay.answer(method, new URL(context.request.url), body);
      if (!outcome) return PASS;
      if (record && "entry" in outcome) record.route = `${replay.name} entry ${outcome.entry}`;
      return "response" in outcome ? outcome.response : outcome.miss404;
    },
  };
}

function underApi(path: string, prefixes: ReadonlySet<string> | undefined): boolean {
  if (!prefixes) return false;
  for (const prefix of prefixes) if (path.startsWith(prefix)) return true;
  return false;
}
