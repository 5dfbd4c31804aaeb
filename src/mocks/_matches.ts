import type { Rule } from "./_rule.ts";

/** A rule that matched, with its params. */
export interface RuleMatch<T = Rule> {
  rule: T;
  params: Record<string, string>;
}

/**
 * The rules that match a request, newest first, each made only when it is asked for. A lookup
 * reads them from the front and stops at the first that answers, so it must not pay for the rest:
 * made whole, 200,000 faults stacked at `/**` (the hub's most) cost every request through the hub
 * 112 ms of its thread, and 50,000 (a connection's most of mocks) 16 ms, though the newest answered
 * (Node 20, in process). An array is one too (`length`, `at`).
 */
export interface Matches<T = Rule> extends Iterable<RuleMatch<T>> {
  readonly length: number;
  at(index: number): RuleMatch<T> | undefined;
}

/** Reads `matches` from the front, as a lookup does. */
function* inOrder<T>(matches: Matches<T>): Generator<RuleMatch<T>> {
  for (let i = 0; i < matches.length; i++) yield matches.at(i)!;
}

/** One stack's rules, already newest first, with the params of its match. */
export class StackMatches<T> implements Matches<T> {
  readonly #rules: readonly T[];
  readonly #params: Record<string, string>;

  constructor(rules: readonly T[], params: Record<string, string>) {
    this.#rules = rules;
    this.#params = params;
  }

  get length(): number {
    return this.#rules.length;
  }

  at(index: number): RuleMatch<T> | undefined {
    const rule = this.#rules[index];
    return rule === undefined ? undefined : { rule, params: this.#params };
  }

  [Symbol.iterator](): Iterator<RuleMatch<T>> {
    return inOrder(this);
  }
}

/**
 * Several stacks' rules merged newest first (`orders`, each rule's order of addition: larger is
 * newer; taken with the stack, not looked up as read, as a rule removed meanwhile has none), through a heap of the
 * stacks' heads: the first costs O(stacks), each next one O(log stacks). Sorting all of them on
 * each lookup cost O(n log n) however early the lookup stopped, so one rule at `/*\/**` beside
 * 200,000 at `/**` brought back the cost above.
 */
export class MergedMatches<T> implements Matches<T> {
  readonly length: number;
  readonly #made: RuleMatch<T>[] = [];
  /** Each stack's cursor; the heap keeps the one whose next rule is newest on top. */
  readonly #heap: Array<{ rules: readonly T[]; orders: readonly number[]; params: Record<string, string>; next: number }>;

  constructor(stacks: Array<{ rules: readonly T[]; orders: readonly number[]; params: Record<string, string> }>) {
    this.#heap = stacks.filter((stack) => stack.rules.length > 0).map((stack) => ({ ...stack, next: 0 }));
    this.length = this.#heap.reduce((sum, stack) => sum + stack.rules.length, 0);
    for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  at(index: number): RuleMatch<T> | undefined {
    // Lookups read from the front: each rule is made once, in order.
    while (this.#made.length <= index && this.#heap.length > 0) {
      const top = this.#heap[0]!;
      this.#made.push({ rule: top.rules[top.next++]!, params: top.params });
      if (top.next === top.rules.length) {
        const last = this.#heap.pop()!;
        if (this.#heap.length === 0) break;
        this.#heap[0] = last;
      }
      this.#down(0);
    }
    return this.#made[index];
  }

  [Symbol.iterator](): Iterator<RuleMatch<T>> {
    return inOrder(this);
  }

  #key(at: number): number {
    const stack = this.#heap[at]!;
    return stack.orders[stack.next]!;
  }

  #down(at: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * at + 1;
      let newest = at;
      if (left < heap.length && this.#key(left) > this.#key(newest)) newest = left;
      if (left + 1 < heap.length && this.#key(left + 1) > this.#key(newest)) newest = left + 1;
      if (newest === at) return;
      [heap[at], heap[newest]] = [heap[newest]!, heap[at]!];
      at = newest;
    }
  }
}

/** `first`'s rules, then `then`'s: a HEAD's own rules of a step before its GET ones (../mocks/_pipeline.ts). */
export class ThenMatches<T> implements Matches<T> {
  readonly #first: Matches<T>;
  readonly #then: Matches<T>;
  readonly length: number;

  constructor(first: Matches<T>, then: Matches<T>) {
    this.#first = first;
    this.#then = then;
    this.length = first.length + then.length;
  }

  at(index: number): RuleMatch<T> | undefined {
    return index < this.#first.length ? this.#first.at(index) : this.#then.at(index - this.#first.length);
  }

  [Symbol.iterator](): Iterator<RuleMatch<T>> {
    return inOrder(this);
  }
}
