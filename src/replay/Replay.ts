import { ReplayIndex, closestAmong, nextAnswer, type AnswerList } from "./_index.ts";
import { loadHar } from "./_load.ts";
import { answerResponse, prepareAnswer } from "./_answer.ts";
import { multipartBoundary, queryKey } from "./_keys.ts";
import { quoted } from "../_excerpt.ts";
import { jsonResponse } from "../server/_json.ts";
import { LOG_REDACTION, redactUrl, type RedactionRules } from "../server/_redact.ts";

export { HarError } from "./_errors.ts";

export interface ReplayOptions {
  /**
   * A request the recording does not hold: `"next"` (default) hands it on down the order (the
   * next replay, the services, the 404); `"404"` answers `404 {"error": …}` naming the closest
   * recorded request.
   */
  onMiss?: "next" | "404" | undefined;
  /** Only requests under this registered api's path prefix (needs a ServiceHub on the server). */
  api?: string | undefined;
  /** How the journal and the 404 name this replay (default: `replay-<n>`). */
  name?: string | undefined;
}

const REPLAY_OPTIONS = new Set(["onMiss", "api", "name"]);

/**
 * @internal The options of `server.replay` and of `mocks.replay` (checked in the test's process
 * too, so a mistake reads as a TypeError there). An unknown key is refused: `{ onmiss: "404" }`
 * was taken for no option at all, and the replay quietly let its misses through.
 */
export function checkReplayOptions(options: unknown): ReplayOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) throw new TypeError(`replay: options must be an object ({ onMiss, api, name }), got ${quoted(options)}`);
  // An unknown key left undefined (a spread options object) says nothing wrong: kept.
  for (const [key, value] of Object.entries(options)) if (value !== undefined && !REPLAY_OPTIONS.has(key)) throw new TypeError(`replay: unknown option ${quoted(key)} (onMiss, api, name)`);
  const { onMiss = "next", api, name } = options as ReplayOptions;
  if (onMiss !== "next" && onMiss !== "404") throw new TypeError(`replay: onMiss must be "next" or "404", got ${quoted(onMiss)}`);
  if (api !== undefined && (typeof api !== "string" || api === "")) throw new TypeError(`replay: api must be an api name, got ${quoted(api)}`);
  // The name is in every 404 this replay gives and every entry it journals, and a remote
  // replay's comes from another process: an object was taken, and a 1 MB name made each 404 1 MB.
  if (name !== undefined && (typeof name !== "string" || name === "" || name.length > MAX_NAME_LENGTH)) {
    throw new TypeError(`replay: name must be a string of 1 to ${MAX_NAME_LENGTH} characters, got ${typeof name === "string" ? `${name.length} characters` : typeof name}`);
  }
  return { onMiss, api, name };
}

/** A replay the server answers from: counts what it answered and what it did not hold. */
export interface ReplayHandle {
  /** The id of its rule (as `/__crossipc/api/state` lists it and the journal's `rule` names it). */
  readonly id: string;
  readonly name: string;
  /** Recorded exchanges it can answer (entries without an answer, status 0 or -1, 1xx or 499 — a client that left —, are skipped). */
  readonly size: number;
  readonly skipped: number;
  /** Requests it answered from the recording. */
  readonly matched: number;
  /** Requests it was asked about (within its api) and does not hold. */
  readonly missed: number;
  /** Stops answering; later requests go on to the services. */
  remove(): void;
}

/** What one replay did with a request. */
export type ReplayOutcome = { response: Response; entry: number } | { miss404: Response } | undefined;

let counter = 0;

/** The longest replay name: a name, not a payload (`crossipc hub --replay FILE` names one by its path: 4,096 is Linux's PATH_MAX). */
const MAX_NAME_LENGTH = 4096;

/** @internal One loaded recording. Created by `IPCServer.replay` and by a mocks connection's `replay`. */
export class Replay implements ReplayHandle {
  /** The id of its rule on the hub (as `/__crossipc/api/state` and the journal's `rule` name it). */
  id = "";
  readonly name: string;
  readonly onMiss: "next" | "404";
  readonly api: string | undefined;
  readonly size: number;
  readonly skipped: number;
  matched = 0;
  missed = 0;
  readonly index: ReplayIndex;
  /** What it keeps of its HAR, in bytes: its exchanges' bodies, answer headers and URLs, and its index's keys (./_harBudget.ts). */
  readonly heldBytes: number;
  /** Set by whoever installs the replay: takes it off the hub. */
  onRemove: () => void = () => {};
  /** What the 404 redacts in the requests it quotes. */
  #missRedaction: RedactionRules;
  /** Replays asked before this one whose recordings its 404 searches too (`closestAlsoIn`). */
  #others: readonly Replay[] = [];

  /**
   * `missRedaction`: the server's (its journal's names added to the defaults, its secrets); the
   * names the recording shows `[redacted]` are added to them (a recording made on a hub that
   * redacted more, replayed here: its closest request reads `[redacted]` already, the live one did not).
   * `room`: the bytes it may keep (a remote replay's budget left): its build stops with a `PastRoom` once past it.
   */
  constructor(har: unknown, options: ReplayOptions = {}, missRedaction: RedactionRules = LOG_REDACTION!, room: number = Infinity) {
    const { onMiss = "next", api, name } = checkReplayOptions(options);
    const loaded = loadHar(har, room);
    this.name = name ?? `replay-${++counter}`;
    this.onMiss = onMiss;
    this.api = api;
    // A body recorded on this server holds its journal's added names `[redacted]`: a live one is matched redacted alike.
    this.index = new ReplayIndex(loaded.exchanges, missRedaction.names, loaded.bytes, room);
    this.size = loaded.exchanges.length;
    this.skipped = loaded.skipped;
    this.heldBytes = loaded.bytes + this.index.keyBytes;
    const names = this.index.redactedNames;
    this.#missRedaction = names.size === 0 ? missRedaction : { names: new Set([...missRedaction.names, ...names]), values: missRedaction.values };
  }

  remove(): void {
    this.onRemove();
  }

  /**
   * @internal The 404 of a miss names the closest request over this recording and `others` too
   * (`crossipc hub --replay A --replay B --on-miss 404`: only A answers 404, B hands it what it
   * lacks, and naming A's closest alone sent the user to the wrong file), and says which file holds it.
   */
  closestAlsoIn(others: readonly Replay[]): void {
    this.#others = others;
    // Their recordings' `[redacted]` names are redacted in what the 404 quotes of them, as this one's are.
    const names = new Set(this.#missRedaction.names);
    for (const other of others) for (const name of other.index.redactedNames) names.add(name);
    this.#missRedaction = { names, values: this.#missRedaction.values };
  }

  /**
   * The recorded answer, the 404 of `onMiss: "404"`, or undefined (hand on). `path` as
   * `URL.pathname` has it, `search` the query without its `?`; `body` null: longer than any
   * recorded one; `contentType` the request's (a multipart body's boundary is in it).
   */
  answer(method: string, path: string, search: string, body: Uint8Array | null, contentType?: string | null): ReplayOutcome {
    const query: Array<[string, string]> = search === "" ? [] : [...new URLSearchParams(search)];
    const boundary = body === null || body.byteLength === 0 ? undefined : multipartBoundary(contentType);
    // null: a body longer than any recorded one, which matches none.
    let list = body === null ? undefined : this.#find(method, path, query, body, boundary, contentType);
    if (!list && body !== null && path.includes(";")) {
      // A path parameter the recording redacted (`/cart;jsessionid=[redacted]`, as the journal
      // shows it) matches whatever this request sends: the path read as the journal reads it.
      const recorded = redactUrl(path, this.#missRedaction)!;
      if (recorded !== path && this.index.has(method, recorded)) list = this.#find(method, recorded, query, body, boundary, contentType);
    }
    if (list) {
      this.matched++;
      const exchange = nextAnswer(list);
      if (!exchange.prepared) {
        exchange.prepared = prepareAnswer(exchange);
        // Its bytes are in the prepared answer now: the text is not kept as well (heldBytes counts one).
        exchange.bodyText = "";
      }
      return { response: answerResponse(exchange.prepared, method), entry: exchange.index };
    }
    this.missed++;
    if (this.onMiss === "next") return undefined;
    return { miss404: this.#notRecorded(method, path, search, query) };
  }

  /** The answers recorded for this request as sent, or with the secrets a recording redacted. */
  #find(method: string, path: string, query: Array<[string, string]>, body: Uint8Array, boundary: string | undefined, contentType: string | null | undefined): AnswerList | undefined {
    const sentQuery = query.length === 0 ? "" : queryKey(query);
    let list = this.index.find(method, path, sentQuery, body, boundary);
    if (list) return list;
    // A secret the recording redacted (`?token=[redacted]`, a form's `password=[redacted]`)
    // matches whatever this request sends.
    const redacted = this.index.redactedQuery(query);
    if (redacted !== undefined) list = this.index.find(method, path, redacted, body, boundary);
    const redactedBody = list ? undefined : this.index.redactedBody(body, contentType ?? undefined);
    if (redactedBody) list = this.index.find(method, path, redacted ?? sentQuery, redactedBody, boundary);
    return list;
  }

  #notRecorded(method: string, path: string, search: string, query: Array<[string, string]>): Response {
    const replays = [this, ...this.#others];
    const found = closestAmong(replays.map((replay) => replay.index), method, path, query);
    const closest = found?.exchange;
    // The query as the journal shows it (`?token=[redacted]`): this answer is recorded with its body.
    const asked = redactUrl(`${method} ${path}${search === "" ? "" : `?${search}`}`, this.#missRedaction)!;
    // Of several recordings, the one that holds it, as the journal's route names an answered entry.
    const entry = replays.length === 1 ? `entry ${closest?.index}` : `entry ${closest?.index} of '${replays[found?.from ?? 0]!.name}'`;
    // The recorded query too: a HAR recorded with --no-redact, or saved from a browser, holds `?access_token=…` as sent,
    // and this text goes to whoever asked and into the journal, which redacts no URL inside an answer's text.
    const near = closest
      ? `the closest recorded request is ${redactUrl(`${closest.method} ${closest.path}${closest.query.length ? `?${new URLSearchParams(closest.query)}` : ""}`, this.#missRedaction)} (${entry})`
      : `the ${replays.length === 1 ? "recording holds" : "recordings hold"} no requests`;
    const where = replays.length === 1 ? `replay '${this.name}'` : `replays ${replays.map((replay) => `'${replay.name}'`).join(", ")}`;
    const error = `No recorded answer for ${asked} in ${where}: ${near}`;
    // The runtime's own Response (jsonResponse): a Node hub sent the global one's text chunked.
    return jsonResponse(404, { error });
  }
}

/** Checks a HAR without replaying it: throws a `HarError` naming the entry, as `replay` would. */
export function checkHar(har: unknown): { entries: number; skipped: number } {
  const loaded = loadHar(har);
  return { entries: loaded.exchanges.length, skipped: loaded.skipped };
}
