import { addRoute, createRouter, findAllRoutes, removeRoute } from "rou3";
import { compileRouter, type CompiledMatchAll } from "rou3/compiler";
import { agrees, decodeParams, rou3Pattern, routeMethod, shapeOf, type PatternShape } from "../server/_routes.ts";
import type { Rule } from "./_rule.ts";

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
  readonly rules: T[];
}

/** A rule that matched, with its params. */
export interface RuleMatch<T extends Routed = Rule> {
  rule: T;
  params: Record<string, string>;
}

/**
 * The rules of one scope (or the unscoped ones): a rou3 router whose route data is a stack of
 * rules, compiled on the first lookup after a change (lookups far outnumber changes). A lookup
 * costs one router match however many rules the table holds. The faults live in one too
 * (../faults/FaultTable.ts): the same lookup, newest first, for a fault per request.
 */
export class RuleTable<T extends Routed = Rule> {
  readonly #router = createRouter<Stack<T>>();
  readonly #stacks = new Map<string, Stack<T>>();
  #match: CompiledMatchAll<Stack<T>> | undefined;
  /** Lookups since the last change: the router is compiled only once changes have settled. */
  #lookups = 0;
  #size = 0;
  /** Order of addition across the table, so that "newest first" holds across patterns too. */
  readonly #order = new Map<T, number>();
  static #sequence = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds `rule` on top of its route key. Throws rou3's error for a pattern it refuses, adding nothing. */
  add(rule: T, method: string): void {
    const key = `${routeMethod(method)} ${rule.path}`;
    let stack = this.#stacks.get(key);
    if (!stack) {
      stack = { rules: [], ...shapeOf(rule.path) };
      addRoute(this.#router, routeMethod(method), rou3Pattern(rule.path), stack);
      this.#stacks.set(key, stack);
    }
    stack.rules.push(rule);
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
    const index = stack ? stack.rules.indexOf(rule) : -1;
    if (!stack || index === -1) return false;
    stack.rules.splice(index, 1);
    this.#order.delete(rule);
    this.#size--;
    if (stack.rules.length === 0) {
      this.#stacks.delete(key);
      removeRoute(this.#router, routeMethod(method), rou3Pattern(rule.path));
      this.#changed();
    }
    return true;
  }

  /** Every rule that matches, newest first. */
  find(method: string, path: string): RuleMatch<T>[] {
    if (this.#size === 0) return NONE as RuleMatch<T>[];
    // Compiling costs what thousands of lookups do: while rules are being added (a suite setting
    // up 10,000 of them as requests flow) the router is walked as it is, and compiled once quiet.
    if (this.#match === undefined && ++this.#lookups >= COMPILE_AFTER) this.#match = compileRouter(this.#router, { matchAll: true });
    const found = this.#match ? this.#match(method, path) : findAllRoutes(this.#router, method, path);
    if (found.length === 0) return NONE as RuleMatch<T>[];
    if (found.length === 1) {
      // The common case: one pattern matches; its stack is already in order.
      const match = found[0]!;
      if (!agrees(match, path)) return NONE as RuleMatch<T>[];
      const { data, params } = match;
      const decoded = decodeParams(params, data.star);
      const out: RuleMatch<T>[] = [];
      for (let i = data.rules.length - 1; i >= 0; i--) out.push({ rule: data.rules[i]!, params: decoded });
      return out;
    }
    const out: RuleMatch<T>[] = [];
    for (const match of found) {
      if (!agrees(match, path)) continue;
      const { data, params } = match;
      const decoded = decodeParams(params, data.star);
      for (const rule of data.rules) out.push({ rule, params: decoded });
    }
    return out.sort((a, b) => this.#order.get(b.rule)! - this.#order.get(a.rule)!);
  }
}

const NONE: RuleMatch<Routed>[] = [];
/** Lookups without a change before the router is compiled. */
const COMPILE_AFTER = 16;
