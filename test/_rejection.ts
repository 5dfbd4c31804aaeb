/**
 * For the Bun and Deno test files (no runtime import here, so both can load it): the error a
 * promise rejects with, or a failure of the test when it resolves.
 */
export async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: Error }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; cause?: Error };
  }
  throw new Error("expected a rejection");
}
