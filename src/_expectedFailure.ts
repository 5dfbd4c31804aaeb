/**
 * Errors a request handler throws as its answer, not as a fault of its own: the caller gets the
 * error as usual, and the socket does not log it. A mocks `waitFor` that times out is how a test
 * checks that a request was *not* made; logged as a failing handler, every one printed a warning
 * in `crossipc hub`'s terminal, all day long.
 */
const expected = new WeakSet<object>();

/** Marks `error` as the handler's answer; returns it. */
export function expectedFailure<E extends object>(error: E): E {
  expected.add(error);
  return error;
}

export function isExpectedFailure(error: unknown): boolean {
  return typeof error === "object" && error !== null && expected.has(error);
}
