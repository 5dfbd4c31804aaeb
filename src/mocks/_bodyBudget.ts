import { unrefTimeout } from "../_timers.ts";

/**
 * Bytes of request bodies the hub holds at once for its rules and its intercept routes: read whole
 * before a rule sees them (a remote mock's relay to its process, a replay's comparison), each up
 * to ~48 MiB, or before (or while) an intercept route's handler reads them, each up to
 * `maxMessageSize`. Without a total, N concurrent large POSTs to a mocked or intercepted route
 * (from a page's no-cors fetch as well) held N × 48 or 64 MiB. Each request reserves its bytes as
 * they arrive and gives them back when its rules (or its route's handler) are done with it
 * (answered, passed on, failed, timed out, or its client gone mid-body).
 */
export class BodyBudget {
  #held = 0;
  /** The most all requests together may hold. */
  limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes reserved now, by every request together. */
  get held(): number {
    return this.#held;
  }

  /** Reserves `bytes`; false, reserving nothing, when that would pass the limit. */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.limit) return false;
    this.#held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#held -= bytes;
  }
}

/** A body refused because the budget is spent: answered 503 (try again), not 413 (too large). */
export class BodyBudgetError extends Error {
  override readonly name = "BodyBudgetError";

  /** `others`: bytes other requests hold; `length`: this body's (`soFar`: it was cut off there, it may have had more). */
  static spent(budget: { readonly limit: number }, others: number, length: number, soFar = false): BodyBudgetError {
    return new BodyBudgetError(
      `the hub already holds ${others} bytes of other requests' bodies for its mocks, replays and intercept routes, and this one (${length} bytes${soFar ? " so far" : ""}) ` +
        `would take it past maxMockBodyBytes (${budget.limit}): try again once some are answered`,
    );
  }
}

/** One request's part of a `BodyBudget`: what it took, given back at once by `release`. */
export class BodyHold {
  readonly #budget: BodyBudget;
  #held = 0;
  #deadline: ReturnType<typeof setTimeout> | undefined;

  constructor(budget: BodyBudget) {
    this.#budget = budget;
  }

  /** Bytes this request holds. */
  get held(): number {
    return this.#held;
  }

  /** Bytes all other requests hold. */
  get others(): number {
    return this.#budget.held - this.#held;
  }

  get limit(): number {
    return this.#budget.limit;
  }

  /** Reserves `bytes`; false, reserving nothing, when that would pass the budget. */
  take(bytes: number): boolean {
    if (!this.#budget.take(bytes)) return false;
    this.#held += bytes;
    return true;
  }

  release(): void {
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
    this.#budget.give(this.#held);
    this.#held = 0;
  }

  /**
   * Gives back what is held after `ms`, unless `release` came first: for a body handed on
   * unread, whose reads the hub does not see (../server/_interceptBody.ts).
   */
  releaseAfter(ms: number): void {
    clearTimeout(this.#deadline);
    this.#deadline = unrefTimeout(() => this.release(), ms);
  }
}

/**
 * A body whose client stopped sending mid-way: without a bound, a client that sent part of a
 * large body and then nothing held its bytes in the budget for as long as it kept the connection
 * open (a minute and more on every runtime), and a few such clients made every mocked POST 503.
 */
export class BodyStalledError extends Error {
  override readonly name = "BodyStalledError";
}

/**
 * The next chunk from `reader`, or a BodyStalledError once none came for `idle` ms (the hub's
 * proxyTimeout): what a mock's and an intercept route's body are read with.
 */
export function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, idle: number): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyStalledError(`the client sent none of the request body's next bytes for ${idle}ms (proxyTimeout): it was dropped`)), idle);
  });
  return Promise.race([reader.read(), stalled]).finally(() => clearTimeout(timer));
}

/**
 * A body over what the hub reads for its rules (the relay limit from `maxMessageSize`): refused
 * with 413 by a mock, matched by no recording in a replay, and never handed on without its bytes.
 */
export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
}

/** The status a body the hub would not read for its rules answers: 408 stalled, 503 over the budget, else undefined. */
export function bodyRefusalStatus(error: unknown): number | undefined {
  return error instanceof BodyStalledError ? 408 : error instanceof BodyBudgetError ? 503 : undefined;
}
