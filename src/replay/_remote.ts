/**
 * Replays from another process (`mocks.replay`, `scope.replay`): the HAR travels in the rule
 * the connection adds (within the hub's framework message limit), the hub builds the replay
 * there, and it goes with its scope or its connection like every rule. For each request it
 * answered or missed, the hub tells the owner its counts (`matched`, `missed`) before answering.
 */
import type { RuleFactory } from "../mocks/_hub.ts";
import { Replay, type ReplayOptions } from "./Replay.ts";
import { replayRule } from "./_rule.ts";

/**
 * hub → client, a message: `{ id, matched, missed }` (the rule's id) for each request a remote
 * replay answered or missed. (Hubs before this sent it as a request; clients take both.)
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
  const replay = new Replay(fields.har, { onMiss: fields.onMiss, api: fields.api, name: fields.name }, hub.missRedaction);
  replay.id = hub.id;
  // A message, as a fault's hits (FAULT_HITS), sent and flushed before the request's answer is
  // written: the owner reads it before that answer, so a test reading `matched` right after the answer's body
  // sees it counted. It was a request with one report in flight at a time, and a count read
  // right after an answer was often behind. A message holds nothing on the hub (no pending
  // request, whether the owner answers or not), and the counts are totals, so one lost with a
  // closing connection loses nothing.
  replay.onCount = () => {
    const counts: ReplayCounts = { id: hub.id, matched: replay.matched, missed: replay.missed };
    try {
      if (owner.socket.isConnected()) owner.socket.sendFlushed(REPLAY_COUNTS, counts);
    } catch {
      // Closed between the check and the send: the request being replayed must not fail for that.
    }
  };
  return replayRule(replay, { id: hub.id, scope: spec.scope, owner: owner.clientId, apiPaths });
};
