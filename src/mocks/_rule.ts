/**
 * One shape for everything that can take a request before the hub's own intercept routes: a
 * remote mock (its handler runs in a test's process), a replay, a WebSocket mock. The pipeline
 * (./_pipeline.ts) asks each matching rule in order; a rule answers a `Response` or hands the
 * request on with `PASS`.
 */
import type { JournalRecord, JournalTakenBy } from "../server/_journalRecord.ts";
import type { UpgradeTaken } from "./_pipeline.ts";

/** What a rule answers to hand the request on to the next rule in the order, body intact. */
export const PASS: unique symbol = Symbol.for("crossipc.passthrough");
export type Pass = typeof PASS;

declare const passBrand: unique symbol;
/**
 * What `passthrough()` returns, as the handlers' types (and the package's `Pass`) name it: a
 * branded type, not `typeof PASS`, because TypeScript widens a `unique symbol` to `symbol` in an
 * async function's inferred return type, so `interceptRequest(…, async () => passthrough())`
 * did not type-check (tsc and `deno test` alike). At run time it is `PASS`.
 */
export interface Passthrough {
  readonly [passBrand]: true;
}
export const PASSTHROUGH: Passthrough = PASS as unknown as Passthrough;

/**
 * What a mock handler returns to let the request go on (an older matching rule, else the next
 * step of the order). A tagged value, not a disguised `Response` (msw's fake 302 had to be
 * recognised by header downstream).
 */
export function passthrough(): Passthrough {
  return PASSTHROUGH;
}

/**
 * What kind of rule: `intercept` and `request` are remote handlers (the client's `intercept` and
 * `interceptRequest`), `replay` answers from a HAR recording, `websocket` takes upgrades.
 */
export type RuleKind = "intercept" | "request" | "replay" | "websocket";

/** Rules of kind `websocket` are kept under this method: no HTTP method token can spell it. Upper case, as the tables store methods. */
export const WEBSOCKET_METHOD = "<WEBSOCKET>";

/** A request on its way through the order: what every rule's `take` gets. */
export interface TakeContext {
  readonly request: Request;
  readonly method: string;
  /** The URL path (no query), as the router matched it. */
  readonly path: string;
  /** The request's scope id, or null. */
  readonly scope: string | null;
  /** The journal entry being filled in, when the journal is on. */
  readonly record: JournalRecord | undefined;
  /** The body's bytes, read once (later steps get them again through `current()`). */
  body(): Promise<Uint8Array | undefined>;
  /** The request as later steps must see it: the original until its body was read, then a copy with those bytes. */
  current(): Request;
  /** The request declares (`content-length`) a body over what the rules may read: `body()` would refuse it, and lose it. */
  bodyOverLimit(): boolean;
}

export interface Rule {
  /** Unique on this hub (`m1`, `m2`…). */
  readonly id: string;
  /** The scope whose requests it takes, or null for every request. */
  readonly scope: string | null;
  readonly kind: RuleKind;
  /** Upper-case method, or `*` for any. */
  readonly method: string;
  /** The route pattern (rou3, as the intercept routes take it). */
  readonly path: string;
  /** The clientId of the connection that added it (its rules go when it closes), or `"local"`. */
  readonly owner: string;
  /** How many requests it was asked to take. */
  calls: number;
  /** What the journal's `takenBy` says when it answers. */
  readonly takenBy: JournalTakenBy;
  /** Answers the request, or hands it on; at once when it can (a replay of a request without a body). */
  take(context: TakeContext, params: Record<string, string>): Response | Pass | Promise<Response | Pass>;
  /** Kind `websocket`: takes an upgrade (a relay for the socket, or a refusal), or hands it on. */
  upgrade?(context: TakeContext, params: Record<string, string>): Promise<UpgradeTaken | Response | Pass>;
  /** Called once when the rule leaves the hub (removed, its scope closed, its owner gone). */
  dispose?(): void;
}

/** What `/__crossipc/api/state` lists for each rule. */
export interface RuleInfo {
  id: string;
  scope: string | null;
  kind: RuleKind;
  method: string;
  path: string;
  owner: string;
  calls: number;
}

export function ruleInfo({ id, scope, kind, method, path, owner, calls }: Rule): RuleInfo {
  return { id, scope, kind, method, path, owner, calls };
}
