import { addRoute, createRouter, findAllRoutes, type RouterContext } from "rou3";
import type { CompiledMatchAll } from "rou3/compiler";
import { compiledAllOrWalk } from "../server/_compiledRouter.ts";
import { agrees, decodeParams, rou3Pattern, routeMethod, shapeOf, type PatternShape } from "../server/_routes.ts";
import type { Rule } from "./_rule.ts";
import { MergedMatches, StackMatches, type Matches } from "./_matches.ts";
import { hasLongSegment, hasRegexParam } from "../server/_longSegment.ts";

/** What a table holds: a rule, or a fault (../faults/FaultTable.ts), at a route pattern. */
export interface Routed {
  /** The route pattern (rou3, as the intercept routes take it). */
  readonly path: string;
}

/**
 * The rules of one route key, oldest first: the newest answers, removing it uncovers the older.
 * Its pattern's shape gives it the intercept routes' meaning (find-my-way's: trailing slash, `*`).
 */
interface Stack<T> extends PatternShape {
  /**
   * A Set, which keeps the order of addition and removes one in O(1). It was an array, and each
   * removal an `indexOf` and a `splice` over every rule of the pattern: a connection holding 50,000
   * rules on one pattern closing froze a hub 1.5 s (Node), 4.6 s (Deno); 100,000 on one pattern
   * (two connections, or the faults of ten at `/**`) took 10 s (Node) and 25 s (Deno).
   */
  readonly rules: Set<T>;
  /**
   * `rules` newest first, as lookups hand them out, with each one's order of addition: made on the
   * first lookup after a change, and never changed after (a change makes a new one), so a lookup
   * read after an await still reads the table as it stood when the request came.
   */
  newestFirst: NewestFirst<T> | undefined;
  /** The route as the router holds it, to add it again when the router is rebuilt. */
  readonly method: string;
  readonly pattern: string;
}

export type { Matches, RuleMatch } from "./_matches.ts";

interface NewestFirst<T> {
  readonly rules: readonly T[];
  /**
   * `rules`' orders of addition, for merging stacks: taken from `#order` by the lookup that first
   * merges this stack (synchronously, in `find`), never later, as a rule removed since has none there.
   */
  orders?: readonly number[];
}

/**
 * The rules of one scope (or the unscoped ones): a rou3 router whose route data is a stack of
 * rules, compiled on the first lookup after a change (lookups far outnumber changes). A lookup
 * costs one router match however many rules the table holds. The faults live in one too
 * (../faults/FaultTable.ts): the same lookup, newest first, for a fault per request.
 */
export class RuleTable<T extends Routed = Rule> {
  #router = createRouter<Stack<T>>();
  readonly #stacks = new Map<string, Stack<T>>();
  #match: CompiledMatchAll<Stack<T>> | undefined;
  /** Lookups since the last change: the router is compiled only once changes have settled. */
  #lookups = 0;
  #size = 0;
  /** Stacks whose pattern has a regex parameter: while there are none, no path is measured. */
  #regexStacks = 0;
  /**
   * The stacks without a regex parameter, for a path with a long segment (../server/_longSegment.ts):
   * built when one first comes, then given each new stack as the main router is; its stacks are
   * the main router's (their rules change in place), so only a rebuild drops it.
   */
  #plain: RouterContext<Stack<T>> | undefined;
  /**
   * Stacks left empty but still in the router. rou3's `removeRoute` counts a node's remaining
   * children (`Object.keys`) on every removal, so removing the routes of 50,000 distinct patterns
   * one by one (a connection with that many rules closing) took minutes with the hub frozen.
   * An empty stack stays routed (it matches nothing) and is reused when its pattern comes back;
   * once they outnumber the live ones, the router is rebuilt from the live stacks: amortised, a
   * removal costs O(1) however many rules the table holds.
   */
  #empty = 0;
  /** Order of addition across the table, so that "newest first" holds across patterns too. */
  readonly #order = new Map<T, number>();
  static #sequence = 0;

  get size(): number {
    return this.#size;
  }

  /** Every rule, oldest first (the order of addition), read one by one: a page lists a few of many. */
  rules(): IterableIterator<T> {
    return this.#order.keys();
  }

  /**
   * Why `rule` cannot be added, or `undefined`: a new pattern with a regex parameter past
   * MAX_REGEX_PATTERNS. Empty stacks still routed are dropped first (a suite that removed its rules).
   */
  refusal(rule: T, method: string): string | undefined {
    if (this.#regexStacks < MAX_REGEX_PATTERNS || this.#stacks.has(`${routeMethod(method)} ${rule.path}`) || !hasRegexParam(rule.path)) return undefined;
    if (this.#empty > 0) this.#rebuild();
    if (this.#regexStacks < MAX_REGEX_PATTERNS) return undefined;
    return `the hub already holds ${MAX_REGEX_PATTERNS} patterns with a regex parameter among these rules, the most it takes (each is tried on every path that reaches it): remove some, or match a plain :param and check its value in the handler`;
  }

  /** Adds `rule` on top of its route key. Throws rou3's error for a pattern it refuses, or a RangeError past MAX_REGEX_PATTERNS, adding nothing. */
  add(rule: T, method: string): void {
    const refused = this.refusal(rule, method);
    if (refused !== undefined) throw new RangeError(refused);
    const key = `${routeMethod(method)} ${rule.path}`;
    let stack = this.#stacks.get(key);
    if (!stack) {
      stack = { rules: new Set(), newestFirst: undefined, method: routeMethod(method), pattern: rou3Pattern(rule.path), ...shapeOf(rule.path) };
      addRoute(this.#router, stack.method, stack.pattern, stack);
      this.#stacks.set(key, stack);
      if (hasRegexParam(stack.pattern)) this.#regexStacks++;
      // Kept up to date, not dropped: rebuilt per change, a suite adding rules while long paths
      // came rebuilt all 10,000 of them for each such request (34 ms each, on the hub's thread).
      else if (this.#plain) addRoute(this.#plain, stack.method, stack.pattern, stack);
    } else if (stack.rules.size === 0) {
      this.#empty--;
    }
    stack.rules.add(rule);
    stack.newestFirst = undefined;
    this.#order.set(rule, ++RuleTable.#sequence);
    this.#size++;
    this.#changed();
  }

  #changed(): void {
    this.#match = undefined;
    this.#lookups = 0;
  }

  remove(rule: T, method: string): boolean {
    const key = `${routeMethod(method)} ${rule.path}`;
    const stack = this.#stacks.get(key);
    if (!stack || !stack.rules.delete(rule)) return false;
    stack.newestFirst = undefined;
    this.#order.delete(rule);
    this.#size--;
    if (stack.rules.size === 0 && ++this.#empty > REBUILD_AFTER && this.#empty > this.#stacks.size - this.#empty) this.#rebuild();
    return true;
  }

  /** A router of the live stacks only (see `#empty`). */
  #rebuild(): void {
    const router = createRouter<Stack<T>>();
    for (const [key, stack] of this.#stacks) {
      if (stack.rules.size === 0) {
        this.#stacks.delete(key);
        if (hasRegexParam(stack.pattern)) this.#regexStacks--;
      } else addRoute(router, stack.method, stack.pattern, stack);
    }
    this.#router = router;
    this.#plain = undefined;
    this.#empty = 0;
    this.#changed();
  }

  /**
   * Every rule that matches, newest first, made as they are read (./_matches.ts); with `exact`, only
   * the rules added for `method` itself, not those for any method (`*`).
   */
  find(method: string, path: string, exact = false): Matches<T> {
    if (this.#size === 0) return NONE as Matches<T>;
    // A regex parameter is never tried on a segment past MAX_REGEX_SEGMENT: such a path meets the other patterns only.
    if (this.#regexStacks !== 0 && hasLongSegment(path)) return this.#matches(findAllRoutes(this.#withoutRegex(), method, path), path, exact);
    // Compiling costs what thousands of lookups do: while rules are being added (a suite setting
    // up 10,000 of them as requests flow) the router is walked as it is, and compiled once quiet;
    // a large table never (MAX_COMPILED).
    if (this.#match === undefined && this.#stacks.size <= MAX_COMPILED && ++this.#lookups >= COMPILE_AFTER) this.#match = compiledAllOrWalk(this.#router);
    return this.#matches(this.#match ? this.#match(method, path) : findAllRoutes(this.#router, method, path), path, exact);
  }

  /** The rules of the stacks a lookup found, newest first. */
  #matches(found: Array<{ data: Stack<T>; params?: Record<string, string> }>, path: string, exact: boolean): Matches<T> {
    const stacks: Array<{ newest: NewestFirst<T>; params: Record<string, string> }> = [];
    for (const match of found) {
      if (match.data.rules.size === 0 || (exact && match.data.method === "") || !agrees(match, path)) continue;
      const { data, params } = match;
      stacks.push({ newest: (data.newestFirst ??= { rules: [...data.rules].reverse() }), params: decodeParams(params, data.star) });
    }
    if (stacks.length === 0) return NONE as Matches<T>;
    // The common case: one pattern matches; its stack is already in order.
    if (stacks.length === 1) return new StackMatches(stacks[0]!.newest.rules, stacks[0]!.params);
    return new MergedMatches(stacks.map(({ newest, params }) => ({ rules: newest.rules, orders: (newest.orders ??= newest.rules.map((rule) => this.#order.get(rule)!)), params })));
  }

  #withoutRegex(): RouterContext<Stack<T>> {
    if (this.#plain) return this.#plain;
    const router = createRouter<Stack<T>>();
    for (const stack of this.#stacks.values()) if (!hasRegexParam(stack.pattern)) addRoute(router, stack.method, stack.pattern, stack);
    return (this.#plain = router);
  }
}

const NONE: Matches<Routed> = [];
/**
 * Patterns with a regex parameter one table holds (the unscoped rules, a scope's, the faults'):
 * unlike plain patterns, which the router finds in one walk, each is tried in turn on every path
 * that reaches its place. Two repetitions in a row (the most ../server/_adjacentRepetitions.ts
 * lets through) cost ~16 µs on a 100-character segment: 10,000 such rules at one place, added by
 * one process, held Node, Bun and Deno hubs 0.16-0.79 s for each request there (CLI hubs, load 6).
 */
export const MAX_REGEX_PATTERNS = 1_000;
/** Empty stacks kept routed before a rebuild is considered: a few removals never rebuild. */
const REBUILD_AFTER = 64;
/** Lookups without a change before the router is compiled. */
const COMPILE_AFTER = 16;
/**
 * Route keys past which a table's router is walked, never compiled. rou3's compiler writes code
 * for every route, and compiling held the hub's thread 20 ms at 256 patterns like `/a1/:id/b`,
 * 0.4 s at 1,000, 1.3–1.6 s at 4,000–10,000 and 5–21 s at 50,000 (the most one connection may
 * add), once per change that 16 requests followed: a suite adding rules one by one to a large
 * scope (or to the unscoped rules every request meets) froze the hub that long for each. A walk
 * of such a table took 1–30 µs a lookup and the compiled one no less (Node 20, load 11, in process).
 */
const MAX_COMPILED = 64;
