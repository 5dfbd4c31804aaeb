/**
 * Replays from another process (`mocks.replay`, `scope.replay`): the HAR travels in the rule
 * the connection adds (within the hub's framework message limit), the hub builds the replay
 * there, and it goes with its scope or its connection like every rule. For each request it
 * answered or missed, the hub tells the owner its counts (`matched`, `missed`) and waits for it to take them before answering.
 */
import type { RuleFactory } from "../mocks/_hub.ts";
import { Replay, type ReplayOptions } from "./Replay.ts";
import { replayRule } from "./_rule.ts";
import { tellCount } from "../mocks/_countAck.ts";
import { HarBudget } from "./_harBudget.ts";
import { PastRoom } from "./_errors.ts";
import type { MockRules } from "../mocks/_rules.ts";

/** Each hub's budget for the HARs its remote replays hold (./_harBudget.ts). */
const budgets = new WeakMap<MockRules, HarBudget>();

/**
 * hub → client, a request: `{ id, matched, missed }` (the rule's id) for each request a remote
 * replay answered or missed; the hub answers that request once the owner answered this.
 */
export const REPLAY_COUNTS = "__crossipc/mocks/replayCounts";

export interface ReplayCounts {
  id: string;
  matched: number;
  missed: number;
}

/** What a client's `replay` adds: the rule spec's own fields. */
export interface ReplaySpecFields {
  har: unknown;
  onMiss?: ReplayOptions["onMiss"];
  api?: string;
  name?: string;
}

/** The hub's factory for `kind: "replay"` rules; throws a `HarError` (naming the entry) for a bad HAR, adding nothing. */
export const remoteReplayRule: RuleFactory = (spec, owner, hub) => {
  const fields = spec as unknown as ReplaySpecFields;
  const apiPaths = hub.apiPaths ?? (() => undefined);
  if (fields.api !== undefined && !apiPaths()) {
    throw new TypeError(`replay: api '${fields.api}' needs a ServiceHub on the hub's server (its registry knows the api's path prefix)`);
  }
  // Built, then counted as the bytes it keeps (no serialisation again); refused, it is dropped.
  // The document was parsed from one message already: building it costs one pass more over that.
  // The build is given the room left and stops once past it: built in full first, a 10.8 MiB HAR of
  // query pairs took 132.5 MiB of the hub's heap before its refusal (~12×), with no room left at all.
  let held = budgets.get(hub.mocks);
  if (!held) budgets.set(hub.mocks, (held = new HarBudget(hub.maxMessageSize)));
  let replay: Replay;
  try {
    replay = new Replay(fields.har, { onMiss: fields.onMiss, api: fields.api, name: fields.name }, hub.missRedaction, held.room(owner.clientId));
  } catch (error) {
    throw error instanceof PastRoom ? held.refusal(owner.clientId, error.atLeast) : error;
  }
  const size = replay.heldBytes;
  held.take(owner.clientId, size);
  replay.id = hub.id;
  // A request, as a fault's hits (FAULT_HITS): the replayed request's answer (or its hand-on with
  // `onMiss: "next"`) waits for the owner's answer, or its failure, or proxyTimeout
  // (../mocks/_countAck.ts), so a test reading `matched` right after the answer sees it counted.
  // A message flushed before the answer was read after it now and then (a Bun test process: 27 of
  // 750 reads behind, test/node/remote-counts.test.ts on three hubs).
  // Nothing is held past the request's answer; an owner gone holds nothing at all.
  const counted = () => tellCount(owner.socket, REPLAY_COUNTS, { id: hub.id, matched: replay.matched, missed: replay.missed } satisfies ReplayCounts, hub.proxyTimeout);
  const dispose = () => held.release(owner.clientId, size);
  return replayRule(replay, { id: hub.id, scope: spec.scope, owner: owner.clientId, apiPaths, counted, dispose });
};
