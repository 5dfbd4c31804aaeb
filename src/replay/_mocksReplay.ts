/**
 * The client side of `mocks.replay` / `scope.replay`: the HAR is checked here first (the same
 * `HarError`, naming the entry, and nothing is sent), then sent in the rule, as an object,
 * within the hub's framework message limit; a larger one is refused before it could close the
 * connection (and drop every rule of it).
 */
import { setInternalRequestHandler, type IPCClient } from "../client/IPCClient.ts";
import { utf8Length } from "../_utf8.ts";
import type { MockRule, MockRuleSet } from "../mocks/connectMocks.ts";
import { HarError } from "./_errors.ts";
import { loadHar, parseHarText } from "./_load.ts";
import { REPLAY_COUNTS, type ReplayCounts } from "./_remote.ts";
import { checkReplayOptions, type ReplayOptions } from "./Replay.ts";

/** Room left in a frame for the rule's other fields and the framing. */
const FRAME_ROOM = 64 * 1024;

/** A replay the hub holds for this connection or scope. */
export class MockReplay {
  readonly #rule: MockRule;
  #forget: (() => void) | undefined;
  /** Recorded exchanges it can answer, and entries without an answer (status 0, 1xx) it skipped. */
  readonly size: number;
  readonly skipped: number;
  /** Requests it answered / did not hold, as the hub reports them: current once the request's answer is read. */
  matched = 0;
  missed = 0;

  /** @internal */
  constructor(rule: MockRule, size: number, skipped: number) {
    this.#rule = rule;
    this.size = size;
    this.skipped = skipped;
  }

  /**
   * Requests it was asked about, answered or not (`matched + missed`): SPEC §10 gives every rule
   * of `mocks` and scopes its `calls`, and a replay is "called" for each request that reaches it.
   */
  get calls(): number {
    return this.matched + this.missed;
  }

  /** The hub's id for the rule (as `/__crossipc/api/state` and the journal's `rule` name it). */
  get id(): string {
    return this.#rule.id;
  }

  /** Resolves once the hub no longer holds the replay. */
  async remove(): Promise<void> {
    await this.#rule.remove();
    this.#forget?.();
  }

  /** @internal Called once it is removed (`addReplay` stops keeping it for the hub's counts). */
  onRemoved(forget: () => void): void {
    this.#forget = forget;
  }

  /** @internal The scope it was added in (null: unscoped). */
  get scope(): string | null {
    return this.#rule.scope;
  }
}

const replaysByClient = new WeakMap<IPCClient, Map<string, MockReplay>>();

/** @internal `MockRuleSet.replay`. */
export async function addReplay(
  set: MockRuleSet,
  client: IPCClient,
  maxMessageSize: number,
  har: unknown,
  options: ReplayOptions = {},
): Promise<MockReplay> {
  const { onMiss, api, name } = checkReplayOptions(options);
  const document = typeof har === "string" ? parseHarText(har) : har;
  const loaded = loadHar(document);
  const bytes = utf8Length(jsonOf(document));
  if (bytes > maxMessageSize - FRAME_ROOM) {
    throw new HarError(
      `the HAR is ${bytes} bytes, over what the hub's framework messages carry (maxMessageSize ${maxMessageSize} bytes): ` +
        `give the hub a larger maxMessageSize, split the recording, or replay it on the hub (crossipc hub --replay)`,
    );
  }
  const rule = await set.addRule({ kind: "replay", method: "*", path: "/**", har: document, onMiss, api, name });
  const replay = new MockReplay(rule, loaded.exchanges.length, loaded.skipped);
  const replays = replaysOf(client);
  replays.set(rule.id, replay);
  // Kept only while the hub holds it: one connection kept for a whole run, replaying in a scope
  // per test, kept every replay it ever made.
  replay.onRemoved(() => replays.delete(rule.id));
  return replay;
}

/**
 * The HAR as it travels to the hub. A value nested deeper than JSON.stringify can write (a field
 * HAR 1.2 does not read, so the load took it) threw a bare "Maximum call stack size exceeded"
 * out of `replay`: said as the bad input it is, as every other refusal of a HAR.
 */
function jsonOf(document: unknown): string {
  try {
    return JSON.stringify(document);
  } catch (error) {
    throw new HarError(`the HAR cannot be sent to the hub as JSON (${error instanceof Error ? error.message : String(error)}): a value in it nests too deep, or cannot be written as JSON`);
  }
}

/** @internal `scope.close()`: the scope's replays went with it. */
export function forgetScopeReplays(client: IPCClient, scope: string): void {
  const replays = replaysByClient.get(client);
  if (replays) for (const [id, replay] of replays) if (replay.scope === scope) replays.delete(id);
}

/** @internal How many replays of `client` this process keeps counts for (tests). */
export function trackedReplays(client: IPCClient): number {
  return replaysByClient.get(client)?.size ?? 0;
}

function replaysOf(client: IPCClient): Map<string, MockReplay> {
  let replays = replaysByClient.get(client);
  if (!replays) {
    replaysByClient.set(client, (replays = new Map()));
    const take = (counts: ReplayCounts): void => {
      const replay = replays!.get(counts?.id);
      if (!replay || typeof counts.matched !== "number" || typeof counts.missed !== "number") return;
      replay.matched = counts.matched;
      replay.missed = counts.missed;
    };
    // A request: the hub answers the replayed request once this is answered (the counts are here first).
    setInternalRequestHandler(client, REPLAY_COUNTS, take);
  }
  return replays;
}

