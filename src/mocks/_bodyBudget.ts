/**
 * Bytes of request bodies the hub holds at once for its rules: read whole before a rule sees
 * them (a remote mock's relay to its process, a replay's comparison), each up to ~48 MiB. Without
 * a total, N concurrent large POSTs to a mocked route (from a page's no-cors fetch as well) held
 * N × 48 MiB. Each request reserves its bytes as they arrive and gives them back when its rules
 * are done with it (answered, passed on, failed, timed out, or its client gone mid-body).
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
