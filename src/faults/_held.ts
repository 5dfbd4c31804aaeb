/**
 * Requests a `timeout` fault never answers, bounded: at most `max` at once (past that, the
 * connection is reset instead: the client sees a failure either way and the hub holds nothing
 * more), each for at most `maxMs`, and every one let go when its client leaves or at teardown.
 * A held request keeps only a promise and a timer; its body is left unread. Answers a
 * `bandwidth` fault slows are counted here too, against a bound of their own (`throttle`).
 */
export class HeldRequests {
  readonly #release = new Set<() => void>();
  readonly #max: number;
  readonly #maxMs: number;
  /** Answers a `bandwidth` fault is slowing now (`throttle`). */
  #throttled = 0;

  constructor({ max = 1000, maxMs = 10 * 60_000 }: { max?: number; maxMs?: number } = {}) {
    this.#max = max;
    this.#maxMs = maxMs;
  }

  get size(): number {
    return this.#release.size;
  }

  /** How many requests of each kind may be held at once. */
  get max(): number {
    return this.#max;
  }

  /**
   * A `bandwidth` fault's place for one answer whose body it slows, bounded as `hold` is (its own
   * `max`): a body at 1 byte a second holds its client's connection, the service's answer and a
   * timer for as long as it lasts, and no time bound fits every rate. Returns the function that
   * gives the place back (once, whenever called again), or `undefined` at the bound.
   */
  throttle(): (() => void) | undefined {
    if (this.#throttled >= this.#max) return undefined;
    this.#throttled++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#throttled--;
    };
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

  /**
   * A `latency` fault's wait: resolves `true` after `ms`, or `false` as soon as the client leaves
   * or the server tears down (then nothing behind the hub should see the request). A bare timer
   * kept its request and the process for the whole latency (up to a day): a teardown did not end
   * the process, and a request whose client had left went on to the service afterwards.
   */
  delay(request: Request, ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const finish = (waited: boolean) => {
        if (!this.#release.delete(release)) return;
        clearTimeout(timer);
        signal?.removeEventListener("abort", release);
        resolve(waited);
      };
      const release = () => finish(false);
      let signal: AbortSignal | undefined;
      try {
        signal = request.signal;
      } catch {
        // Without a usable signal, the time and the teardown end the wait.
      }
      if (signal?.aborted) return resolve(false);
      const timer = setTimeout(() => finish(true), ms);
      (timer as { unref?: () => void }).unref?.();
      signal?.addEventListener("abort", release, { once: true });
      this.#release.add(release);
    });
  }

  /** Server teardown: every held request is let go. */
  releaseAll(): void {
    for (const release of [...this.#release]) release();
  }
}
