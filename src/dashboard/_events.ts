import { log } from "../_log.ts";
import { unrefInterval } from "../_timers.ts";
import type { IPCLogger } from "../types.ts";
import type { Journal } from "../server/journal.ts";
import type { DashboardState } from "./_state.ts";

export interface EventSourceData {
  journal: Journal;
  state: () => DashboardState;
  logger?: IPCLogger;
}

export interface EventStreamLimits {
  /** Live streams open at once; the next one is answered 503. */
  maxStreams: number;
  /** Bytes queued for one reader that does not read before it is dropped. */
  maxUnsent: number;
}

export const EVENT_STREAM_LIMITS: EventStreamLimits = { maxStreams: 16, maxUnsent: 1024 * 1024 };

/** How often new journal entries go out, every how many ticks the state is looked at, and about how large one event may grow. */
const TICK_MS = 250;
const STATE_EVERY = 4;
const EVENT_BYTES = 64 * 1024;

interface Reader {
  controller: ReadableStreamDefaultController<Uint8Array>;
  lastId: number;
  clears: number;
  /** Whether entries go out with their bodies (`?bodies=0`: the page reads one whole when it is clicked). */
  bodies: boolean;
  /** The state (less its uptime) this reader last got. */
  state: string | undefined;
}

/**
 * The dashboard's live streams (server-sent events): `state` when it changed, `entries` (the new
 * ones) every 250 ms when there are any, `cleared` when the journal was cleared.
 *
 * Bounded whoever reads: one timer for every stream, the state built once per tick for all of
 * them; an event is queued only while the reader's queue has room (the runtime pulls from the
 * stream only as fast as the socket drains), a reader that falls behind catches up from the
 * journal's ring when it reads again, and one with `maxUnsent` bytes still queued when there is
 * more to send is dropped. At most `maxStreams` at once.
 */
export class EventStreams {
  readonly #source: EventSourceData;
  readonly #limits: EventStreamLimits;
  readonly #readers = new Set<Reader>();
  readonly #encoder = new TextEncoder();
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticks = 0;
  /** The current state: `key` without the uptime (what "changed" compares), `json` as sent. */
  #state: { key: string; json: string } | undefined;

  constructor(source: EventSourceData, limits: EventStreamLimits = EVENT_STREAM_LIMITS) {
    this.#source = source;
    this.#limits = limits;
  }

  get size(): number {
    return this.#readers.size;
  }

  /**
   * A new stream, or `undefined` when `maxStreams` are open. It sends the entries after `after`
   * (the last one the page read from the JSON API: none is missed between the two), else only
   * those still to come; an `after` this journal has not reached (another hub's) counts as now.
   */
  open(after?: number, bodies = true): ReadableStream<Uint8Array> | undefined {
    if (this.#readers.size >= this.#limits.maxStreams) return undefined;
    const journal = this.#source.journal;
    const from = after !== undefined && Number.isSafeInteger(after) && after >= 0 && after < journal.lastId ? after : journal.lastId;
    let reader: Reader;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          reader = { controller, lastId: from, clears: journal.clears, bodies, state: undefined };
          this.#readers.add(reader);
          this.#refreshState();
          this.#send(reader);
          this.#timer ??= unrefInterval(() => this.#tick(), TICK_MS);
        },
        cancel: () => this.#remove(reader),
      },
      { highWaterMark: this.#limits.maxUnsent, size: (chunk) => chunk.byteLength },
    );
  }

  /** Ends every stream (server teardown). */
  close(): void {
    for (const reader of [...this.#readers]) {
      this.#remove(reader);
      try {
        reader.controller.close();
      } catch {
        // Already closed or cancelled.
      }
    }
  }

  #tick(): void {
    if (this.#ticks++ % STATE_EVERY === 0) this.#refreshState();
    for (const reader of [...this.#readers]) this.#send(reader);
  }

  #refreshState(): void {
    try {
      const state = this.#source.state();
      const { uptimeMs, ...rest } = state;
      const key = JSON.stringify(rest);
      if (key !== this.#state?.key) this.#state = { key, json: JSON.stringify(state) };
    } catch (error) {
      log(this.#source.logger, "warn", `Dashboard state failed: ${String(error)}`);
    }
  }

  /** Queues what this reader has not seen yet, if its queue has room. */
  #send(reader: Reader): void {
    const journal = this.#source.journal;
    const state = this.#state;
    const behind = journal.clears !== reader.clears || journal.lastId !== reader.lastId || (state !== undefined && state.key !== reader.state);
    if (!behind) return;
    const room = reader.controller.desiredSize;
    if (room === null) return this.#remove(reader); // errored or closed
    if (room <= 0) {
      log(this.#source.logger, "warn", `Dropping a dashboard event stream: ${this.#limits.maxUnsent - room} bytes unread (limit ${this.#limits.maxUnsent})`);
      this.#remove(reader);
      reader.controller.error(new Error("Slow reader: too much unread data"));
      return;
    }
    const controller = reader.controller;
    if (journal.clears !== reader.clears) {
      reader.clears = journal.clears;
      controller.enqueue(this.#encoder.encode(event("cleared", JSON.stringify({ lastId: journal.lastId }))));
    }
    if (journal.lastId !== reader.lastId) {
      // Events of about EVENT_BYTES while the reader's queue has room: a reader that keeps up
      // gets everything, one that does not gets the rest next time (what the ring still has).
      const entries = journal.latest({ after: reader.lastId }, undefined, reader.bodies);
      let parts: string[] = [];
      let bytes = 0;
      for (const entry of entries) {
        const json = JSON.stringify(entry);
        parts.push(json);
        bytes += json.length;
        reader.lastId = entry.id;
        if (bytes >= EVENT_BYTES) {
          controller.enqueue(this.#encoder.encode(event("entries", `[${parts.join(",")}]`)));
          parts = [];
          bytes = 0;
          if ((controller.desiredSize ?? 0) <= 0) return;
        }
      }
      if (parts.length) controller.enqueue(this.#encoder.encode(event("entries", `[${parts.join(",")}]`)));
      reader.lastId = journal.lastId;
    }
    if (state !== undefined && state.key !== reader.state) {
      reader.state = state.key;
      controller.enqueue(this.#encoder.encode(event("state", state.json)));
    }
  }

  #remove(reader: Reader): void {
    this.#readers.delete(reader);
    if (this.#readers.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

function event(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}
