import { checkNumber } from "../_numberOptions.ts";
import { IPCError } from "../errors.ts";
import { MAX_GLOB_LENGTH, MAX_GLOB_STARS, matchGlob, starsIn } from "../_glob.ts";
import { checkFilterFields, wrongValue } from "../_journalFilterFields.ts";
import { JournalRecord, type BodyLedger, type JournalEntry, type JournalKind } from "./_journalRecord.ts";
import { HAR_CREATOR, harEntryOf, harJsonChunks, isHarEntry } from "../har/_fromJournal.ts";
import type { Har, HarEntry } from "../har/types.ts";
import { redactionOf, type Redaction } from "./_redact.ts";

export type { JournalEntry, JournalKind, JournalTakenBy } from "./_journalRecord.ts";

export interface JournalOptions {
  /** Entries kept: a ring of the last `size`, the oldest dropped first. Default 1 000. */
  size?: number | undefined;
  /** Record request and response bodies (a copy of each, up to `maxBodySize`). Default false. */
  bodies?: boolean | undefined;
  /** Bytes of each body kept when `bodies` is on; the rest is cut off and the entry says so. Default 64 KiB. */
  maxBodySize?: number | undefined;
  /**
   * Bytes of bodies the journal holds in all, when `bodies` is on: past it the oldest entries go
   * first, as the ring drops them (`dropped` counts them), and an entry's bodies that alone would
   * pass it are cut as at `maxBodySize`. Default 256 MiB.
   */
  maxTotalBodySize?: number | undefined;
  /**
   * More header (and query parameter, form and JSON body field) names whose values read `[redacted]` in entries, on top
   * of the defaults (`authorization`, `proxy-authorization`, `cookie`, `set-cookie`, `x-api-key`,
   * `token`, `access_token`, `password`…: the README's list, `DEFAULT_REDACTED_NAMES` in
   * ./_redact.ts); `false` shows every value. Names are matched case-insensitively.
   */
  redact?: string[] | false | undefined;
}

/**
 * Which entries to read or wait for. Every field given must match.
 * - `path`: a string matches the path exactly (the query is ignored unless the string has a
 *   `?`); `*` in it matches anything (`/users/*`, `*items*`). A RegExp is tested against path
 *   and query. Framework entries' path is the request name.
 * - `status`: a number, or a class such as `"4xx"`.
 * - `client`: a clientId or a runtimeId.
 * - `after`: only entries recorded after the one with this id (ids increase; `journal.lastId`).
 * - `scope`: the request's scope id, or `null` for requests without one.
 */
export interface JournalFilter {
  kind?: JournalKind;
  method?: string;
  path?: string | RegExp;
  status?: number | `${1 | 2 | 3 | 4 | 5}xx`;
  client?: string;
  direction?: "in" | "out";
  after?: number;
  /** The request's scope id (SPEC §10); `null` for requests without one. */
  scope?: string | null;
}

/** Hits of one intercept route since the server started or the journal was cleared. */
export interface RouteHits {
  method: string;
  path: string;
  hits: number;
}

interface Waiter {
  matches: (record: JournalRecord) => boolean;
  resolve: (entry: JournalEntry) => void;
}

const DEFAULT_SIZE = 1000;
/**
 * The most entries a journal keeps. Its ring is allocated whole when the server is made, so a
 * size typed with a few zeroes too many (`--journal-size 500000000`) ran the process out of
 * memory, or failed with "Invalid array length"; a million is 8 MB of ring.
 */
export const MAX_JOURNAL_SIZE = 1_000_000;
const DEFAULT_MAX_BODY = 64 * 1024;
/**
 * The default byte budget for bodies, for the library and `crossipc hub --record` alike. Twice
 * what the default ring can hold (1 000 entries × 2 bodies × 64 KiB = 125 MiB), so that a journal
 * left at its defaults never drops an entry for its bytes; and half of what a replay reads
 * (MAX_HAR_TEXT, 512 MiB), since a HAR spells bodies out larger (binary ones a third larger in
 * base64, JSON text with its quotes escaped): a recording of a full budget mostly still replays.
 * Without it, `--record`'s 1 000 × 2 × 10 MiB was 20 GB.
 */
export const DEFAULT_MAX_TOTAL_BODY: number = 256 * 1024 * 1024;

/**
 * What a server handled: HTTP requests, WebSocket upgrades and framework requests, in a ring
 * of the last N. Recording costs one small object per request: headers are kept by reference
 * and copied only when an entry is read, and bodies are read only when `bodies` is on.
 */
export class Journal implements BodyLedger {
  /** False when the server was created with `journal: false`: nothing is recorded. */
  readonly enabled: boolean;
  readonly size: number;
  readonly bodies: boolean;
  readonly maxBodySize: number;
  readonly maxTotalBodySize: number;
  readonly #redact: Redaction;
  readonly #ring: Array<JournalRecord | undefined>;
  #next = 0;
  #count = 0;
  #lastId = 0;
  #clears = 0;
  #dropped = 0;
  /** Of `#dropped`, those that went to keep the bodies within `maxTotalBodySize`. */
  #droppedForBodies = 0;
  /** Bytes of body held by the records in the ring, counted as they arrive (`bodyBytes`). */
  #bodyBytes = 0;
  /**
   * A framework record that left the ring, to be filled again by the next `begin("framework")`.
   * Records live for the ring's whole length, so a new one per request was copied by every
   * scavenge until it was promoted (~1,000 of them each time: bench/ANALYSIS.md, "Session 24");
   * reused, the ring's records stay put in old space.
   */
  #spare: JournalRecord | undefined = undefined;
  /**
   * The newest id a lazy reader (`latest`) may still hold a record of: such a record is not
   * reused when it leaves the ring, or the reader would show a newer request under its entry.
   */
  #heldThrough = 0;
  #listeners = new Set<(entry: JournalRecord) => void>();
  #harListeners = new Set<() => void>();
  #waiters = new Set<Waiter>();
  readonly #routeHits: () => RouteHits[];
  readonly #resetHits: () => void;

  /** @internal Created by IPCServer. `secrets`: values redacted wherever they appear (its token, its dashboard key). */
  constructor(options: JournalOptions | boolean | undefined, hits: { list: () => RouteHits[]; reset: () => void }, secrets: ReadonlyArray<string | undefined> = []) {
    const given = typeof options === "object" ? options : {};
    this.enabled = options !== false;
    this.size = validSize(given.size);
    this.bodies = given.bodies === true;
    this.maxBodySize = checkNumber("journal.maxBodySize", given.maxBodySize, "bytesOrZero") ?? DEFAULT_MAX_BODY;
    this.maxTotalBodySize = validBudget(given.maxTotalBodySize);
    this.#redact = redactionOf(given.redact, secrets);
    this.#ring = new Array(this.size).fill(undefined);
    this.#routeHits = hits.list;
    this.#resetHits = hits.reset;
  }

  /** The id of the newest entry (0 before the first): pass it as `after` to see only what follows. */
  get lastId(): number {
    return this.#lastId;
  }

  /** How many times `clear()` ran: lets a live view notice. */
  get clears(): number {
    return this.#clears;
  }

  /** Entries in the ring now. */
  get count(): number {
    return this.#count;
  }

  /**
   * Entries the ring let go of to make room for newer ones, past `size` entries or past
   * `maxTotalBodySize` bytes of bodies (`clear()` does not count).
   */
  get dropped(): number {
    return this.#dropped;
  }

  /** @internal Of `dropped`, those that went for the bodies' bytes (`crossipc hub --record` says which limit to raise). */
  get droppedForBodies(): number {
    return this.#droppedForBodies;
  }

  /**
   * Bytes of request and response bodies the entries in the ring hold now, bodies still
   * streaming in included: never more than `maxTotalBodySize`. 0 without `bodies`.
   */
  get bodyBytes(): number {
    return this.#bodyBytes;
  }

  /**
   * The HTTP entries that match as a HAR 1.2 document (browser DevTools, HTTP Toolkit,
   * Playwright's `routeFromHAR` read it; `server.replay` answers from it). Bodies are in it when
   * the journal records bodies; secrets are redacted as in `entries()`.
   */
  toHAR(filter: JournalFilter = {}): Har {
    return { log: { version: "1.2", creator: { ...HAR_CREATOR }, pages: [], entries: [...this.harEntries(filter)] } };
  }

  /**
   * `toHAR` one entry at a time (a snapshot of the ring taken now), for writing a large journal
   * out. A filter the journal refuses throws here, not at the first entry read: the HTTP API
   * answers 400 for it instead of cutting off a response it has begun.
   */
  harEntries(filter: JournalFilter = {}, limit?: number): Generator<HarEntry> {
    const matches = compileFilter(filter);
    this.#exported(filter);
    const all = [...this.#records()].filter((record) => isHarEntry(record) && matches(record));
    const records = limit === undefined ? all : all.slice(Math.max(0, all.length - limit));
    return (function* () {
      for (const record of records) yield harEntryOf(record.toEntry());
    })();
  }

  /** `toHAR` as JSON text in pieces, one per entry: a journal of large bodies is never one string. */
  harJson(filter: JournalFilter = {}, limit?: number): Generator<string> {
    return harJsonChunks(this.harEntries(filter, limit));
  }

  /** Calls `listener` whenever the unfiltered HAR is read (`toHAR()`, the API, `crossipc journal --har`). */
  onHAR(listener: () => void): () => void {
    this.#harListeners.add(listener);
    return () => this.#harListeners.delete(listener);
  }

  /** The entries that match, oldest first. */
  entries(filter: JournalFilter = {}): JournalEntry[] {
    const matches = compileFilter(filter);
    const out: JournalEntry[] = [];
    for (const record of this.#records()) if (matches(record)) out.push(record.toEntry());
    return out;
  }

  /**
   * @internal The dashboard's read: the last `limit` entries that match (all of them without a
   * limit), oldest first, with their bodies or without. Only those are built: a journal of large
   * recorded bodies is never turned into text whole for a page that shows a list. Each entry is
   * built as it is read; a filter the journal refuses throws here, before any is.
   * `lazily: false` promises that the entries are read (or left) before this turn's code returns,
   * when no request can commit: then the records read need not be kept from reuse.
   */
  latest(filter: JournalFilter, limit: number | undefined, bodies: boolean, lazily = true): Iterable<JournalEntry> {
    const matches = compileFilter(filter);
    // The API streams its entries as its client reads them, across turns: the records collected
    // here must still be these requests' when each is built.
    if (lazily) this.#heldThrough = this.#lastId;
    const records: JournalRecord[] = [];
    for (const record of this.#records()) if (matches(record)) records.push(record);
    const from = limit === undefined ? 0 : Math.max(0, records.length - limit);
    return (function* () {
      for (let i = from; i < records.length; i++) yield records[i]!.toEntry(bodies);
    })();
  }

  /** The entry with this id, while it is still in the ring. */
  get(id: number): JournalEntry | undefined {
    for (const record of this.#records()) if (record.id === id) return record.toEntry();
    return undefined;
  }

  /** Hit counts of the intercept routes. */
  hits(): RouteHits[] {
    return this.#routeHits();
  }

  /** Forgets every entry and resets the routes' hit counts. Ids keep increasing. */
  clear(): void {
    for (const record of this.#records()) record.left();
    this.#ring.fill(undefined);
    this.#next = 0;
    this.#count = 0;
    this.#bodyBytes = 0;
    this.#clears++;
    this.#resetHits();
  }

  /**
   * What both waits check before they wait; throws what they reject with (every failure of a wait
   * is a rejection, a refused filter too). NaN reached setTimeout (1 ms) and a wait past 2^31 - 1 ms
   * fired at once: both refused.
   */
  #waitMatcher(filter: JournalFilter, timeoutMs: number): (record: JournalRecord) => boolean {
    checkNumber("timeoutMs", timeoutMs, "msOrNow");
    if (!this.enabled) throw new Error("The journal is off (journal: false): nothing will be recorded");
    return compileFilter(filter);
  }

  /**
   * Resolves with the first entry that matches, one already recorded or the next one; rejects
   * with `ERR_IPC_TIMEOUT` after `timeoutMs`, saying what it waited for and what it saw, and with
   * `ERR_IPC_CLOSED` when `signal` aborts (the wait is then forgotten at once, not at its timeout).
   */
  waitFor(filter: JournalFilter = {}, timeoutMs = 5000, signal?: AbortSignal): Promise<JournalEntry> {
    let matches: (record: JournalRecord) => boolean;
    try {
      matches = this.#waitMatcher(filter, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    for (const record of this.#records()) if (matches(record)) return Promise.resolve(record.toEntry());
    if (signal?.aborted) return Promise.reject(aborted(filter));
    return new Promise((resolve, reject) => {
      const stop = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(waiter);
      };
      const onAbort = () => {
        stop();
        reject(aborted(filter));
      };
      const waiter: Waiter = {
        matches,
        resolve: (entry) => {
          stop();
          resolve(entry);
        },
      };
      const timer = setTimeout(() => {
        stop();
        reject(new IPCError("ERR_IPC_TIMEOUT", `Journal: no entry matching ${describeFilter(filter)} within ${timeoutMs}ms (${this.#seen()})`));
      }, timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /**
   * @internal `waitFor` for the journal waits of other processes (../mocks/_hub.ts), whose scans of
   * the ring each wait for their connection's turn (`scanAt`, ../mocks/_journalTurns.ts). Only the
   * scan waits: entries recorded from the call on are caught as they come and the timeout runs
   * from the call, so the answer is the one `waitFor` would have given at the call (the first
   * entry that matches, an older one before a newer), not one of whatever the turn found. A turn
   * that came late (a long burst) neither stretched the wait past its `timeoutMs` nor let an entry
   * recorded after the timeout answer it. An older entry that left the ring before the turn is lost.
   */
  waitForAfter(scanAt: Promise<unknown>, filter: JournalFilter = {}, timeoutMs = 5000, signal?: AbortSignal): Promise<JournalEntry> {
    let matches: (record: JournalRecord) => boolean;
    try {
      matches = this.#waitMatcher(filter, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(aborted(filter));
    // Entries up to this id were in the ring at the call: the turn's scan reads only those.
    const through = this.#lastId;
    return new Promise((resolve, reject) => {
      let scanned = false;
      let timedOut = false;
      let settled = false;
      /** The first matching entry recorded since the call, kept until the older ones were scanned. */
      let caught: JournalEntry | undefined;
      const stop = () => {
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(waiter);
      };
      const onAbort = () => {
        stop();
        reject(aborted(filter));
      };
      const timeOut = () => {
        stop();
        reject(new IPCError("ERR_IPC_TIMEOUT", `Journal: no entry matching ${describeFilter(filter)} within ${timeoutMs}ms (${this.#seen()})`));
      };
      const answer = (entry: JournalEntry) => {
        stop();
        resolve(entry);
      };
      // `commit` drops a waiter once it matched: only the first new match is ever caught.
      const waiter: Waiter = { matches, resolve: (entry) => (scanned ? answer(entry) : (caught = entry)) };
      const timer = setTimeout(() => {
        if (scanned) return timeOut();
        // Nothing recorded from now on counts; what was in the ring at the call still may, once scanned.
        timedOut = true;
        this.#waiters.delete(waiter);
      }, timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
      void scanAt.then(() => {
        if (settled) return;
        scanned = true;
        for (const record of this.#records()) {
          if (record.id > through) break;
          if (matches(record)) return answer(record.toEntry());
        }
        if (caught) answer(caught);
        else if (timedOut) timeOut();
      });
    });
  }

  /** Calls `listener` with each new entry; returns the function that stops it. */
  onEntry(listener: (entry: JournalEntry) => void): () => void {
    const wrapped = (record: JournalRecord) => listener(record.toEntry());
    this.#listeners.add(wrapped);
    return () => this.#listeners.delete(wrapped);
  }

  // --- recording (the server's side) ---------------------------------------------------

  /** @internal Starts an entry; `commit` puts it in the ring. */
  begin(kind: JournalKind, path: string): JournalRecord {
    const spare = this.#spare;
    if (spare !== undefined && kind === "framework") {
      this.#spare = undefined;
      spare.reuse(path);
      return spare;
    }
    return new JournalRecord(kind, path, this.bodies ? this.maxBodySize : -1, this.#redact, this.maxTotalBodySize);
  }

  /** @internal */
  commit(record: JournalRecord): void {
    record.finish(++this.#lastId);
    if (this.#count === this.size) this.#dropOldest();
    this.#ring[this.#next] = record;
    this.#next = this.#next + 1 === this.size ? 0 : this.#next + 1;
    this.#count++;
    // Bodies read before the commit count now; those still streaming in count as they come (`grew`).
    if (this.bodies) {
      record.entered(this);
      this.grew(record.bodyBytes);
    }
    if (this.#listeners.size !== 0) for (const listener of this.#listeners) safely(() => listener(record));
    if (this.#waiters.size !== 0) {
      for (const waiter of this.#waiters) {
        if (!waiter.matches(record)) continue;
        this.#waiters.delete(waiter);
        waiter.resolve(record.toEntry());
      }
    }
  }

  /**
   * @internal A record in the ring holds `bytes` more of body (fewer, when negative): called at
   * commit and then once per chunk of a body still streaming in, so it is one addition and one
   * compare. Past the budget the oldest entries go, each once: amortised O(1) per chunk, never a
   * scan of the ring. A record's bodies alone never pass the budget (the record cuts them), so
   * the newest entry always stays.
   */
  grew(bytes: number): void {
    this.#bodyBytes += bytes;
    while (this.#bodyBytes > this.maxTotalBodySize && this.#count !== 0) {
      this.#dropOldest();
      this.#droppedForBodies++;
    }
  }

  /** The oldest entry leaves the ring: its bytes no longer count, and a body it still copies stops. */
  #dropOldest(): void {
    const at = (this.#next - this.#count + this.size) % this.size;
    const record = this.#ring[at]!;
    this.#ring[at] = undefined;
    this.#count--;
    this.#dropped++;
    if (this.bodies) this.#bodyBytes -= record.bodyBytes;
    record.left();
    // Only framework records: an HTTP record can still be written to after it left (a proxied
    // answer's copy streaming in). The others read records within the call that asked
    // (entries, get, waitFor, onEntry, the dashboard's event stream); HAR has no framework entries.
    if (record.kind === "framework" && record.id > this.#heldThrough) this.#spare = record;
  }

  #exported(filter: JournalFilter): void {
    if (this.#harListeners.size === 0 || Object.values(filter).some((value) => value !== undefined)) return;
    for (const listener of this.#harListeners) safely(listener);
  }

  *#records(): Generator<JournalRecord> {
    // The oldest entry: the ring's order holds when entries left it for their bytes too.
    const start = (this.#next - this.#count + this.size) % this.size;
    for (let i = 0; i < this.#count; i++) {
      const record = this.#ring[(start + i) % this.size];
      if (record) yield record;
    }
  }

  #seen(): string {
    if (this.#count === 0) return "the journal is empty";
    const last = this.#ring[(this.#next + this.size - 1) % this.size]!;
    return `${this.#count} entries, the last: ${last.summary()}`;
  }
}

function validSize(size: number | undefined): number {
  const given = checkNumber("journal.size", size, "count");
  if (given == null) return DEFAULT_SIZE;
  if (given > MAX_JOURNAL_SIZE) throw new RangeError(`journal.size must be at most ${MAX_JOURNAL_SIZE}, got ${given}`);
  return given;
}

function validBudget(bytes: number | undefined): number {
  return checkNumber("journal.maxTotalBodySize", bytes, "bytesOrZero") ?? DEFAULT_MAX_TOTAL_BODY;
}

function compileFilter(filter: JournalFilter): (record: JournalRecord) => boolean {
  checkFilterTypes(filter);
  const method = filter.method?.toUpperCase();
  const path = pathMatcher(filter.path);
  const status = statusMatcher(filter.status);
  const { kind, client, direction, after, scope } = filter;
  return (r) =>
    (after === undefined || r.id > after) &&
    (kind === undefined || r.kind === kind) &&
    (method === undefined || r.method === method) &&
    (direction === undefined || r.direction === direction) &&
    (client === undefined || r.clientId === client || r.runtimeId === client) &&
    (status === undefined || (r.status !== undefined && status(r.status))) &&
    (path === undefined || path(r.shownPath())) &&
    (scope === undefined || r.scopeOf() === scope);
}

/**
 * A filter from another process (`mocks.waitFor`) or from JavaScript without types can hold
 * anything: a field of the wrong type is refused naming it, instead of failing inside the matcher
 * ("path.includes is not a function").
 */
function checkFilterTypes(filter: JournalFilter): void {
  checkFilterFields(filter);
  const wrong = (field: string, what: string) => wrongValue(field, (filter as Record<string, unknown>)[field], what);
  for (const field of ["kind", "method", "client", "direction"] as const) {
    if (filter[field] !== undefined && typeof filter[field] !== "string") throw wrong(field, "a string");
  }
  if (filter.path !== undefined && typeof filter.path !== "string" && !(filter.path instanceof RegExp)) throw wrong("path", "a string or a RegExp");
  if (filter.after !== undefined && typeof filter.after !== "number") throw wrong("after", "an entry id (a number)");
  if (filter.scope !== undefined && filter.scope !== null && typeof filter.scope !== "string") throw wrong("scope", "a scope id or null");
  if (filter.status !== undefined && typeof filter.status !== "number" && typeof filter.status !== "string") throw wrong("status", 'a number or "1xx"…"5xx"');
}

function pathMatcher(path: string | RegExp | undefined): ((value: string) => boolean) | undefined {
  if (path === undefined || path === "") return undefined;
  if (path instanceof RegExp) return (value) => path.test(value);
  const withQuery = path.includes("?");
  const strip = (value: string) => (withQuery ? value : value.split("?", 1)[0]!);
  if (path.length > MAX_GLOB_LENGTH) throw new RangeError(`journal filter path is longer than ${MAX_GLOB_LENGTH} characters (${path.length})`);
  if (!path.includes("*")) return (value) => strip(value) === path;
  const stars = starsIn(path);
  if (stars > MAX_GLOB_STARS) throw new RangeError(`journal filter path has ${stars} '*', more than the ${MAX_GLOB_STARS} a glob may have (each is a search of every entry's path)`);
  const pieces = path.split("*");
  return (value) => matchGlob(pieces, strip(value));
}

function statusMatcher(status: JournalFilter["status"]): ((value: number) => boolean) | undefined {
  if (status === undefined) return undefined;
  if (typeof status === "number") return (value) => value === status;
  const hundreds = Number(String(status)[0]);
  if (!/^[1-5]xx$/.test(String(status))) throw new TypeError(`journal filter status must be a number or "1xx"…"5xx", got ${String(status)}`);
  return (value) => Math.floor(value / 100) === hundreds;
}

function describeFilter(filter: JournalFilter): string {
  const parts = Object.entries(filter)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value instanceof RegExp ? String(value) : JSON.stringify(value)}`);
  return parts.length ? `{${parts.join(", ")}}` : "{} (any)";
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A journal listener must not break the request being recorded.
  }
}

function aborted(filter: JournalFilter): IPCError {
  return new IPCError("ERR_IPC_CLOSED", `Journal: the wait for an entry matching ${describeFilter(filter)} was called off`);
}
