/**
 * A `fetch` for ofetch whose answer bodies are read with bounds. ofetch's `timeout` covers only
 * the wait for the headers (it clears its timer once `fetch` resolves), and `response.text()`
 * then takes as long as the body takes and holds all of it: whatever answered on the hub's port
 * with its headers and then nothing hung `crossipc status`, `journal` and `fault` for good on
 * Node and Deno, and one that sent 3 GiB of JSON took them 2–4 GiB of memory.
 */

export interface AnswerBounds {
  /** The longest the hub may send nothing while a body is read. */
  readonly idleMs: number;
  /** The most time spent waiting for the hub's bytes, all reads together (not time spent writing them out). */
  readonly waitMs: number;
  /** The most bytes a body may have. */
  readonly maxBytes: number;
}

/** Why reading an answer stopped: the message says what the hub did, and the caller says which hub. */
export class AnswerBoundError extends Error {}

export function boundedFetch(bounds: AnswerBounds): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await fetch(input, init);
    if (!response.body) return response;
    return new Response(bounded(response.body, bounds), { status: response.status, statusText: response.statusText, headers: response.headers });
  }) as typeof fetch;
}

function bounded(body: ReadableStream<Uint8Array>, bounds: AnswerBounds): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let bytes = 0;
  let waited = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const started = Date.now();
      const left = bounds.waitMs - waited;
      const idle = left > bounds.idleMs;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new AnswerBoundError(idle ? `sent nothing for ${bounds.idleMs / 1000} s in the middle of its answer` : `took more than ${bounds.waitMs / 1000} s to send its answer`)),
          Math.max(0, idle ? bounds.idleMs : left),
        );
      });
      try {
        const { done, value } = await Promise.race([reader.read(), stalled]);
        if (done) return controller.close();
        bytes += value.byteLength;
        if (bytes > bounds.maxBytes) throw new AnswerBoundError(`sent an answer larger than ${bounds.maxBytes / 2 ** 20} MiB`);
        controller.enqueue(value);
      } catch (error) {
        // Cancelling ends the connection: nothing more of it is read or kept.
        reader.cancel().catch(() => {});
        controller.error(error);
      } finally {
        clearTimeout(timer);
        waited += Date.now() - started;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
