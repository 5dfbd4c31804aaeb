/**
 * Requests a `timeout` fault never answers, bounded: at most `max` at once (past that, the
 * connection is reset instead: the client sees a failure either way and the hub holds nothing
 * more), each for at most `maxMs`, and every one let go when its client leaves or at teardown.
 * A held request keeps only a promise and a timer; its body is left unread.
 */
export class HeldRequests {
  readonly #release = new Set<() => void>();
  readonly #max: number;
  readonly #maxMs: number;

  constructor({ max = 1000, maxMs = 10 * 60_000 }: { max?: number; maxMs?: number } = {}) {
    this.#max = max;
    this.#maxMs = maxMs;
  }

  get size(): number {
    return this.#release.size;
  }

  /**
   * Resolves with `letGo()` once the request is let go (nobody reads it then), or `undefined` at
   * once when the bound is reached (the caller resets the connection instead).
   */
  hold(request: Request, letGo: () => Response): Promise<Response> | undefined {
    if (this.#release.size >= this.#max) return undefined;
    return new Promise<Response>((resolve) => {
      const release = () => {
        if (!this.#release.delete(release)) return;
        clearTimeout(timer);
        signal?.removeEventListener("abort", release);
        resolve(letGo());
      };
      const timer = setTimeout(release, this.#maxMs);
      (timer as { unref?: () => void }).unref?.();
      let signal: AbortSignal | undefined;
      try {
        signal = request.signal;
        signal?.addEventListener("abort", release, { once: true });
      } catch {
        // A request without a usable signal is let go by the time bound.
      }
      this.#release.add(release);
    });
  }

  /** Server teardown: every held request is let go. */
  releaseAll(): void {
    for (const release of [...this.#release]) release();
  }
}
