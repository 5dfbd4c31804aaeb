/**
 * Replays from another process (`mocks.replay`, `scope.replay`): the HAR travels in the rule
 * the connection adds (within the hub's framework message limit), the hub builds the replay
 * there, and it goes with its scope or its connection like every rule. After each request it
 * answered or missed, the hub tells the owner its counts (`matched`, `missed`).
 */
import type { RuleFactory } from "../mocks/_hub.ts";
import { Replay, type ReplayOptions } from "./Replay.ts";
import { replayRule } from "./_rule.ts";

/** hub → client: `{ id, matched, missed }` (the rule's id) after each request a remote replay answered or missed. */
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
  // One report in flight at a time, the next one carrying the totals of its moment: a report per
  // replayed request held a pending request (for up to proxyTimeout) per request the hub answered
  // at once, so an owner that did not answer made the hub hold one per request it replayed.
  // The counts are totals, so a report skipped loses nothing.
  let reporting = false;
  let changed = false;
  const report = (): void => {
    reporting = true;
    changed = false;
    const counts: ReplayCounts = { id: hub.id, matched: replay.matched, missed: replay.missed };
    // The owner may be gone already (then its rules go too): its failure ends this report only.
    owner.socket.request(REPLAY_COUNTS, counts, hub.proxyTimeout).then(settled, settled);
  };
  const settled = (): void => {
    reporting = false;
    if (changed && owner.socket.isConnected()) report();
  };
  replay.onCount = () => {
    if (reporting) changed = true;
    else report();
  };
  return replayRule(replay, { id: hub.id, scope: spec.scope, owner: owner.clientId, apiPaths });
};
