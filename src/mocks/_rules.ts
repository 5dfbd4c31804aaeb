import { ruleInfo, WEBSOCKET_METHOD, type Rule, type RuleInfo } from "./_rule.ts";
import { RuleTable, type Matches, type RuleMatch } from "./_table.ts";
import { BodyBudget } from "./_bodyBudget.ts";
import { DEFAULT_PROXY_TIMEOUT } from "./_wire.ts";

/**
 * Every rule the hub holds: one table per scope (`Map<scopeId, RuleTable>`) and one of unscoped
 * rules. A request costs one map lookup and one router lookup whatever the number of scopes;
 * closing a scope deletes one key. Rules are also indexed by id and by owner, so that removing
 * one, a scope, or every rule of a connection that closed touches only those rules.
 */
export class MockRules {
  readonly #scoped = new Map<string, RuleTable>();
  readonly #unscoped = new RuleTable();
  readonly #byId = new Map<string, Rule>();
  readonly #byOwner = new Map<string, Set<Rule>>();
  #counter = 0;
  /** Largest request body relayed to a rule's process, in bytes (set from the hub's maxMessageSize). */
  bodyLimit: number = 48 * 1024 * 1024;
  /** Bytes of request bodies held for rules at once, all requests together (the `maxMockBodyBytes` option). */
  readonly bodies: BodyBudget = new BodyBudget(256 * 1024 * 1024);
  /** Milliseconds a body read for rules may go without a byte before it is dropped (the `proxyTimeout` option). */
  bodyIdle: number = DEFAULT_PROXY_TIMEOUT;

  /** Rules held: the request path checks this one number before doing anything for mocks. */
  get size(): number {
    return this.#byId.size;
  }

  /** Scopes that hold at least one rule. */
  get scopeCount(): number {
    return this.#scoped.size;
  }

  /** A fresh rule id on this hub. */
  nextId(): string {
    return `m${++this.#counter}`;
  }

  /**
   * Whether `scope` is open elsewhere: the server's faults (`scope.fault`) hold scoped rules of
   * their own, and a trace id must name a scope whose only rule is a fault as well.
   */
  alsoOpen: (scope: string) => boolean = () => false;

  /** True when `scope` holds rules (or faults): a trace id counts as a scope only then. Bound, so requests pass it without a closure. */
  readonly hasScope: (scope: string) => boolean = (scope) => this.#scoped.has(scope) || this.alsoOpen(scope);

  /** Adds a rule on top of its route key. Throws rou3's error (naming the pattern) and adds nothing when the pattern is refused. */
  add(rule: Rule): void {
    let table = rule.scope === null ? this.#unscoped : this.#scoped.get(rule.scope);
    const fresh = !table;
    table ??= new RuleTable();
    table.add(rule, methodKey(rule));
    if (fresh) this.#scoped.set(rule.scope!, table);
    this.#byId.set(rule.id, rule);
    let owned = this.#byOwner.get(rule.owner);
    if (!owned) this.#byOwner.set(rule.owner, (owned = new Set()));
    owned.add(rule);
  }

  /** How many rules `owner` holds. */
  countOwned(owner: string): number {
    return this.#byOwner.get(owner)?.size ?? 0;
  }

  get(id: string): Rule | undefined {
    return this.#byId.get(id);
  }

  /** Removes one rule; false when the hub does not hold it. */
  remove(id: string): boolean {
    const rule = this.#byId.get(id);
    if (!rule) return false;
    this.#byId.delete(id);
    const owned = this.#byOwner.get(rule.owner);
    owned?.delete(rule);
    if (owned?.size === 0) this.#byOwner.delete(rule.owner);
    const table = rule.scope === null ? this.#unscoped : this.#scoped.get(rule.scope);
    table?.remove(rule, methodKey(rule));
    if (rule.scope !== null && table?.size === 0) this.#scoped.delete(rule.scope);
    safely(() => rule.dispose?.());
    return true;
  }

  /** Removes the rules of `owner`, all of them or only those of one scope (`null`: its unscoped ones). Returns how many. */
  removeOwned(owner: string, scope?: string | null): number {
    const owned = this.#byOwner.get(owner);
    if (!owned) return 0;
    let removed = 0;
    for (const rule of [...owned]) {
      if (scope !== undefined && rule.scope !== scope) continue;
      if (this.remove(rule.id)) removed++;
    }
    return removed;
  }

  /** Rules of `scope` (null: the unscoped ones) that match, newest first; with `exact`, not those for any method. */
  find(scope: string | null, method: string, path: string, exact = false): Matches {
    const table = scope === null ? this.#unscoped : this.#scoped.get(scope);
    return table ? table.find(method, path, exact) : NONE;
  }

  /** Rules of kind `websocket` of `scope` that match an upgrade of `path`, newest first, read one by one. */
  *findUpgrade(scope: string | null, path: string): IterableIterator<RuleMatch> {
    const found = this.find(scope, WEBSOCKET_METHOD, path);
    // Rules for any method (`*`) match every method key; only WebSocket rules take upgrades.
    for (let i = 0; i < found.length; i++) {
      const match = found.at(i)!;
      if (match.rule.kind === "websocket") yield match;
    }
  }

  /** The scopes that hold rules. */
  scopes(): IterableIterator<string> {
    return this.#scoped.keys();
  }

  /** The rules of `scope` (null: the unscoped ones), oldest first, read one by one. */
  inScope(scope: string | null): { count: number; rules: Iterable<Rule> } {
    const table = scope === null ? this.#unscoped : this.#scoped.get(scope);
    return table ? { count: table.size, rules: table.rules() } : { count: 0, rules: NONE };
  }

  /** Every rule, scoped ones by scope, for the state API and the dashboard. */
  list(): RuleInfo[] {
    return [...this.#byId.values()].map(ruleInfo);
  }
}

const NONE: never[] = [];

function methodKey(rule: Rule): string {
  return rule.kind === "websocket" ? WEBSOCKET_METHOD : rule.method;
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A rule's cleanup must not keep the others from going.
  }
}
