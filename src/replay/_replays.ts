/**
 * The server's replays, asked newest first for every request that no intercept route took.
 * Costs nothing when there are none (`size === 0` is checked by the caller). A request's body
 * is read only when some replay recorded its method and path, and only a bounded length past
 * the longest recorded body; whatever was read is handed on with the request when no replay answers.
 */
import { concat, type JournalRecord } from "../server/_journalRecord.ts";
import { Replay, type ReplayOptions } from "./Replay.ts";

export interface ReplayTake {
  /** The answer, when a replay took the request. */
  response?: Response;
  /** The request to hand on (a copy with the same body when it had to be read). */
  request: Request;
}

export class Replays {
  /** Newest first. */
  #list: Replay[] = [];
  readonly #apiPrefixes: () => ((api: string) => ReadonlySet<string>) | undefined;

  constructor(apiPrefixes: () => ((api: string) => ReadonlySet<string>) | undefined) {
    this.#apiPrefixes = apiPrefixes;
  }

  get size(): number {
    return this.#list.length;
  }

  add(har: unknown, options: ReplayOptions = {}): Replay {
    if (options?.api !== undefined && !this.#apiPrefixes()) {
      throw new TypeError(`replay: api '${options.api}' needs a ServiceHub on this server (its registry knows the api's path prefix)`);
    }
    const replay = new Replay(har, options, (gone) => {
      this.#list = this.#list.filter((r) => r !== gone);
    });
    this.#list = [replay, ...this.#list];
    return replay;
  }

  async take(request: Request, url: URL, record: JournalRecord | undefined): Promise<ReplayTake> {
    const method = request.method;
    const path = url.pathname;
    const prefixes = this.#apiPrefixes();
    // undefined: not read yet; null: longer than any recorded body (it matches none).
    let body: Uint8Array | null | undefined;
    let onward = request;
    for (const replay of this.#list) {
      if (replay.api !== undefined && !underApi(path, prefixes?.(replay.api))) continue;
      if (body === undefined && replay.index.has(method, path)) {
        const read = await readBody(request, this.#maxBody());
        body = read.bytes ?? null;
        onward = read.request;
        if (record?.bodies && read.bytes) record.setBody("request", read.bytes);
      }
      const outcome = replay.answer(method, url, body === undefined ? NONE : body);
      if (!outcome) continue;
      if (record) {
        record.takenBy = "replay";
        record.route = "entry" in outcome ? `${replay.name} entry ${outcome.entry}` : replay.name;
      }
      return { response: "response" in outcome ? outcome.response : outcome.miss404, request: onward };
    }
    return { request: onward };
  }

  /**
   * How much of a body is worth reading: an equal JSON body may be spaced out more than the
   * recorded one, so twice the longest recorded body and 64 KiB more; past that, nothing matches.
   */
  #maxBody(): number {
    let max = 0;
    for (const replay of this.#list) max = Math.max(max, replay.index.maxRequestBody);
    return max * 2 + 64 * 1024;
  }
}

const NONE = new Uint8Array(0);

function underApi(path: string, prefixes: ReadonlySet<string> | undefined): boolean {
  if (!prefixes) return false;
  for (const prefix of prefixes) if (path.startsWith(prefix)) return true;
  return false;
}

/**
 * Reads the body up to `max` bytes. Returns the bytes (undefined when the body is longer), and
 * a request to hand on that carries the whole body: the bytes read, then the rest of the stream.
 */
async function readBody(request: Request, max: number): Promise<{ bytes?: Uint8Array; request: Request }> {
  // GET and HEAD carry no body a Request could be rebuilt with; they are matched as bodiless.
  if (!request.body || request.method === "GET" || request.method === "HEAD") return { bytes: NONE, request };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      const bytes = concat(chunks, length);
      return { bytes, request: copyWith(request, bytes) };
    }
    chunks.push(value);
    length += value.byteLength;
    if (length > max) {
      // Longer than anything recorded: hand on what was read, then the rest as it comes.
      const rest = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
        },
        async pull(controller) {
          const next = await reader.read();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      });
      return { request: copyWith(request, rest) };
    }
  }
}

/** The request with its body again. Not its signal: on Deno reading `request.signal` prints a warning. */
function copyWith(request: Request, body: Uint8Array | ReadableStream<Uint8Array>): Request {
  return new Request(request.url, { method: request.method, headers: request.headers, body: body as BodyInit, duplex: "half" } as RequestInit);
}
