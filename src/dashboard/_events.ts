import { log } from "../_log.ts";
import { logBounded } from "../_boundedLog.ts";
import { unrefInterval } from "../_timers.ts";
import type { IPCLogger } from "../types.ts";
import type { Journal } from "../server/journal.ts";
import { pageState, type StateInput } from "./_state.ts";

export interface EventSourceData {
  journal: Journal;
  state: () => StateInput;
  logger?: IPCLogger;
}

export interface EventStreamLimits {
  /** Live streams open at once; the next one takes the oldest one's place (see `open`). */
  maxStreams: number;
  /** Bytes queued for one reader that does not read before it is dropped. */
  maxUnsent: number;
}

export const EVENT_STREAM_LIMITS: EventStreamLimits = { maxStreams: 16, maxUnsent: 1024 * 1024 };

/** How often new journal entries go out, every how many ticks the state is looked at, and about how large one event may grow. */
const TICK_MS = 250;
const STATE_EVERY = 4;
const EVENT_BYTES = 64 * 1024;
/** Where the state's uptime stands in its JSON (`PageState.uptimeMs`, after url, runtime and startedAt). */
const UPTIME = ',"uptimeMs":';

interface Reader {
  controller: ReadableStreamDefaultController<Uint8Array>;
  lastId: number;
  clears: number;
  /** Whether entries go out with their bodies (`?bodies=0`: the page reads one whole when it is clicked). */
  bodies: boolean;
  /** The state (less its uptime) this reader last got. */
  state: string | undefined;
  /**
   * Events the runtime has not taken yet (it takes one per read, as fast as the socket drains),
   * and their bytes. Held here rather than in the stream's queue so that a reader that stops is
   * ended by dropping them and closing: erroring the stream, the only way to drop a stream's own
   * queue, made Bun print the error as uncaught (through the Bun front).
   */
  unsent: Uint8Array[];
  unsentBytes: number;
  /** Set while the runtime waits for an event: called when one is queued or the stream ends. */
  wake: (() => void) | undefined;
  /** No more events: the stream closes once the runtime has taken the ones queued. */
  ending: boolean;
}

/**
 * The dashboard's live streams (server-sent events): `state` when it changed, `entries` (the new
 * ones) every 250 ms when there are any, `cleared` when the journal was cleared.
 *
 * Bounded whoever reads: one timer for every stream, the state built once per tick for all of
 * them; an event is queued only while the reader's queue has room (the runtime pulls from the
 * stream only as fast as the socket drains), a reader that falls behind catches up from the
 * journal's ring when it reads again, and one with `maxUnsent` bytes still queued when there is
 * more to send is dropped (its queue let go, its stream closed). At most `maxStreams` at once.
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
   * A new stream. It sends the entries after `after` (the last one the page read from the JSON
   * API: none is missed between the two), else only those still to come; an `after` this journal
   * has not reached (another hub's) counts as now.
   *
   * With `maxStreams` open, the oldest gives way (a `replaced` event, then its end). A 503 here
   * kept a reopened dashboard tab out for good once 16 streams that never read were open: on a
   * quiet journal nothing is queued for them, so the 1 MiB unread that drops a stream never comes
   * (a keep-alive comment would not fill it either: the kernel's socket buffers take bytes that
   * nobody reads for a long time). The newest stream is the one a person is looking at; a page
   * that is given the `replaced` event says so and does not reconnect, so 17 open tabs do not
   * take each other's places in turn.
   */
  open(after?: number, bodies = true): ReadableStream<Uint8Array> {
    if (this.#readers.size >= this.#limits.maxStreams) this.#giveWay();
    const journal = this.#source.journal;
    const from = after !== undefined && Number.isSafeInteger(after) && after >= 0 && after < journal.lastId ? after : journal.lastId;
    let reader: Reader;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          reader = { controller, lastId: from, clears: journal.clears, bodies, state: undefined, unsent: [], unsentBytes: 0, wake: undefined, ending: false };
          this.#readers.add(reader);
          this.#refreshState();
          this.#send(reader);
          this.#timer ??= unrefInterval(() => this.#tick(), TICK_MS);
        },
        // One event per read: what the runtime has not read stays in `unsent`, counted.
        pull: () => (reader.unsent.length || reader.ending ? handOne(reader) : new Promise<void>((resolve) => (reader.wake = resolve)).then(() => handOne(reader))),
        cancel: () => {
          this.#remove(reader);
          reader.unsent = [];
        },
      },
      { highWaterMark: 0 },
    );
  }

  /**
   * Ends every stream (server teardown), once each has handed on what it queued. Resolves a
   * macrotask later when any was open: Bun writes a closed stream's last chunk from its event
   * loop, and a server stopped before that cut the newest stream (the page saw
   * `net::ERR_INCOMPLETE_CHUNKED_ENCODING`, a `fetch` `ECONNRESET`, where Node's and Deno's end it).
   */
  close(): Promise<void> {
    const open = [...this.#readers];
    for (const reader of open) {
      this.#remove(reader);
      end(reader);
    }
    return open.length === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, 0));
  }

  #tick(): void {
    if (this.#ticks++ % STATE_EVERY === 0) this.#refreshState();
    for (const reader of [...this.#readers]) this.#send(reader);
  }

  #refreshState(): void {
    try {
      const state = pageState(this.#source.state());
      // Serialised once: the key is the same text less the uptime, which changes every time and
      // is not a change to show. Its first `,"uptimeMs":` is the state's own field: an unescaped
      // quote after a comma cannot be inside a string, and only strings and numbers come before
      // it (a scope named `uptimeMs` in a later object is never the first).
      const json = JSON.stringify(state);
      const at = json.indexOf(UPTIME);
      const key = at === -1 ? json : json.slice(0, at) + json.slice(json.indexOf(",", at + UPTIME.length));
      if (key !== this.#state?.key) this.#state = { key, json };
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
    if (reader.unsentBytes >= this.#limits.maxUnsent) {
      logBounded(this.#source.logger, "warn", "dashboard event streams dropped", `Dropping a dashboard event stream: ${reader.unsentBytes} bytes unread (limit ${this.#limits.maxUnsent})`);
      this.#remove(reader);
      reader.unsent = [];
      reader.unsentBytes = 0;
      end(reader);
      return;
    }
    const queue = (text: string) => push(reader, this.#encoder.encode(text));
    if (journal.clears !== reader.clears) {
      reader.clears = journal.clears;
      queue(event("cleared", JSON.stringify({ lastId: journal.lastId })));
    }
    if (journal.lastId !== reader.lastId) {
      // Events of about EVENT_BYTES while the reader's queue has room: a reader that keeps up
      // gets everything, one that does not gets the rest next time (what the ring still has).
      // Read to the end, or left, within this loop: no request commits meanwhile.
      const entries = journal.latest({ after: reader.lastId }, undefined, reader.bodies, false);
      let parts: string[] = [];
      let bytes = 0;
      for (const entry of entries) {
        const json = JSON.stringify(entry);
        parts.push(json);
        bytes += json.length;
        reader.lastId = entry.id;
        if (bytes >= EVENT_BYTES) {
          queue(event("entries", `[${parts.join(",")}]`));
          parts = [];
          bytes = 0;
          if (reader.unsentBytes >= this.#limits.maxUnsent) return;
        }
      }
      if (parts.length) queue(event("entries", `[${parts.join(",")}]`));
      reader.lastId = journal.lastId;
    }
    if (state !== undefined && state.key !== reader.state) {
      reader.state = state.key;
      queue(event("state", state.json));
    }
  }

  /** Ends the oldest stream (a Set iterates in the order of adding), telling its reader why. */
  #giveWay(): void {
    const oldest = this.#readers.values().next().value;
    if (oldest === undefined) return;
    const why = `A newer dashboard event stream took this one's place: at most ${this.#limits.maxStreams} are open at once`;
    logBounded(this.#source.logger, "warn", "dashboard event streams dropped", `Dropping the oldest dashboard event stream: ${this.#readers.size} open (the most at once), and a new one came`);
    this.#remove(oldest);
    // Its queue is let go as a dropped reader's is: the oldest is most often a stream that stopped
    // reading, and it held up to `maxUnsent` until its client closed the connection. Kept, each
    // stream pushed out this way added its 1 MiB, and `maxStreams` bounded nothing (16 stalled
    // streams a round, 1 MiB more per stream on a Node hub, up to its maxConnections).
    oldest.unsent = [];
    oldest.unsentBytes = 0;
    push(oldest, this.#encoder.encode(event("replaced", JSON.stringify({ error: why }))));
    end(oldest);
  }

  #remove(reader: Reader): void {
    this.#readers.delete(reader);
    if (this.#readers.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

function push(reader: Reader, bytes: Uint8Array): void {
  reader.unsent.push(bytes);
  reader.unsentBytes += bytes.byteLength;
  wake(reader);
}

/** Gives the runtime's read the oldest queued event, or closes the stream when it is ending and empty. */
function handOne(reader: Reader): void {
  const next = reader.unsent.shift();
  try {
    if (next) {
      reader.unsentBytes -= next.byteLength;
      reader.controller.enqueue(next);
    } else if (reader.ending) reader.controller.close();
  } catch {
    // Cancelled meanwhile: the reader went.
  }
}

function end(reader: Reader): void {
  reader.ending = true;
  if (reader.wake) wake(reader);
  else if (reader.unsent.length === 0) handOne(reader);
}

function wake(reader: Reader): void {
  const resolve = reader.wake;
  reader.wake = undefined;
  resolve?.();
}

function event(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}
