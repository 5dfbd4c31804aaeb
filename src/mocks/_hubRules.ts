/**
 * Where hub-side code finds a server's rule tables: `server.replay` (SPEC §11) adds to
 * `hubRules`, hub-side WebSocket mocks and faults read `mocks`. Kept off IPCServer's public
 * surface; the server registers itself when it is built.
 */
import type { MockRules } from "./_rules.ts";
import type { RuleTable } from "./_table.ts";

export interface HubRules {
  /** Steps (1) and (2): rules from other processes, by scope. */
  readonly mocks: MockRules;
  /** Step (3), after the intercept routes: the hub's own replays. */
  readonly hubRules: RuleTable;
}

const hubs = new WeakMap<object, HubRules>();

export function registerHubRules(server: object, rules: HubRules): void {
  hubs.set(server, rules);
}

/** The rule tables of an IPCServer. */
export function hubRulesOf(server: object): HubRules {
  const rules = hubs.get(server);
  if (!rules) throw new TypeError("Not an IPCServer");
  return rules;
}
