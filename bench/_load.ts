/** Closed-loop load generators: `inflight` requests outstanding at all times, for `ms` milliseconds. */
import { Latencies, sleep } from "./_rt.ts";

export interface LoadResult {
  /** Answers (or messages) per second. */
  rate: number;
  count: number;
  ms: number;
  p50?: number;
  p99?: number;
}

/**
 * For an echo without framing: `send()` writes one message, and the caller calls `reply()` for
 * each echo. Echoes come back in order, so a FIFO of send times gives each one's latency.
 */
export class EchoLoop {
  readonly #send: () => void;
  readonly #latencies = new Latencies();
  readonly #sentAt: number[] = [];
  #head = 0;
  #end = 0;
  #start = 0;
  #count = 0;
  #outstanding = 0;
  #done: ((result: LoadResult) => void) | undefined;

  constructor(send: () => void) {
    this.#send = send;
  }

  run(inflight: number, ms: number): Promise<LoadResult> {
    this.#sentAt.length = 0;
    this.#head = 0;
    this.#count = 0;
    this.#start = performance.now();
    this.#end = this.#start + ms;
    return new Promise((resolve) => {
      this.#done = resolve;
      for (let i = 0; i < inflight; i++) this.#sendOne(this.#start);
    });
  }

  /** Call for every echo received. */
  reply(): void {
    const now = performance.now();
    this.#outstanding--;
    const sentAt = this.#sentAt[this.#head++];
    if (sentAt === undefined) return;
    this.#count++;
    this.#latencies.add(now - sentAt);
    if (now < this.#end) this.#sendOne(now);
    else if (this.#outstanding === 0) this.#finish(now);
  }

  #sendOne(now: number): void {
    this.#outstanding++;
    this.#sentAt.push(now);
    this.#send();
  }

  #finish(now: number): void {
    const done = this.#done;
    this.#done = undefined;
    // As in promiseLoop: every answer counts, over the time until the last one arrived.
    const ms = now - this.#start;
    done?.({ rate: (this.#count / ms) * 1000, count: this.#count, ms, ...this.#latencies.summary() });
  }
}

/** `inflight` workers, each awaiting one request after another. */
export async function promiseLoop(request: () => Promise<unknown>, inflight: number, ms: number): Promise<LoadResult> {
  const latencies = new Latencies();
  const start = performance.now();
  const end = start + ms;
  let count = 0;
  const worker = async () => {
    for (let t = performance.now(); t < end; ) {
      await request();
      const now = performance.now();
      count++;
      latencies.add(now - t);
      t = now;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const elapsed = performance.now() - start;
  return { rate: (count / elapsed) * 1000, count, ms: elapsed, ...latencies.summary() };
}

/**
 * Fire-and-forget throughput: batches of `batch` one-way messages, each batch followed by one
 * round trip that proves the receiver processed them (messages are handled in order).
 */
export async function batchLoop(sendOne: () => void, flush: () => Promise<unknown>, ms: number, batch = 500): Promise<LoadResult> {
  const start = performance.now();
  const end = start + ms;
  let count = 0;
  while (performance.now() < end) {
    for (let i = 0; i < batch; i++) sendOne();
    await flush();
    count += batch;
  }
  const elapsed = performance.now() - start;
  return { rate: (count / elapsed) * 1000, count, ms: elapsed };
}

/** Waits for `check()` to hold, polling. */
export async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(5);
  }
}
