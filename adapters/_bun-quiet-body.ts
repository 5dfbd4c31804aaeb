/**
 * A handler's fetched answer, re-streamed so that a failure mid-body makes no stderr line on Bun.
 * Bun's server prints the Error a response body fails with (a spy's `return fetch(…)` whose
 * service died mid-answer: `TypeError: ECONNRESET …` on the hub's stderr, no logger given); a
 * body that fails with `undefined` still cuts the client's connection (it sees a reset, never a
 * short answer that looks whole) and prints nothing. Headers and status are the answer's own.
 */
export function quietBodyBun(response: Response): Response {
  const source = response.body;
  if (source === null) return response;
  const reader = source.getReader();
  const quiet = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch {
        controller.error(undefined);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(quiet, { status: response.status, statusText: response.statusText, headers: response.headers });
}
