/**
 * The recorded exchanges indexed at load, so a request costs map lookups, never a scan:
 * `"METHOD path"` → query key → body key → the answers recorded for that request, in order.
 * For the 404 of `onMiss: "404"`, a trie of path segments per method (built on the first such 404) finds the recorded
 * requests with the most leading segments in common in as many steps as the path has segments;
 * when the request has a query, those are compared for the parameters they share.
 */
import { LOG_REDACTION, REDACTED, type Redaction } from "../server/_redact.ts";
import { redactBodyNames } from "../server/_redactBody.ts";
import { bodyKey, looksJson, queryKey } from "./_keys.ts";
import { strictUtf8 } from "../_utf8.ts";
import type { RecordedExchange } from "./_load.ts";
import { PastRoom } from "./_errors.ts";

/** The answers recorded for one request, served in order and then the last one again. */
export interface AnswerList {
  answers: RecordedExchange[];
  next: number;
}

/** The requests recorded for one method and path. */
interface PathEntry {
  /** query key → body key → answers. */
  byQuery: Map<string, Map<string, AnswerList>>;
}

/** Its Map and list are made when first needed: most nodes of a large recording have neither. */
export interface TrieNode {
  children: Map<string, TrieNode> | undefined;
  /** The first recorded exchange at or below this node. */
  first: RecordedExchange | undefined;
  /** The first exchange of each distinct query recorded for a path that ends at this node. */
  ends: RecordedExchange[] | undefined;
}

/** How near a recording comes to a request (ReplayIndex.reach). */
export interface Reach {
  /** The node of the most leading path segments in common. */
  node: TrieNode;
  /** The recording holds requests of the request's method (the node is in that method's trie). */
  sameMethod: boolean;
  /** The leading path segments in common. */
  depth: number;
}

/**
 * How many recorded queries the 404 compares at most, and how many of their parameters in all: a
 * miss on a recording of very many requests under one prefix, or of very long queries, stays
 * cheap (past either, the closest of those compared is named). Counting requests alone, a
 * recording of 10,000 requests of 600 parameters each (63 MB) cost every miss with a query
 * 1.2-2.5 s of the hub's thread (any page can send such requests: an `<img>` will do).
 */
const CLOSEST_CANDIDATES = 10_000;
const CLOSEST_PARAMETERS = 100_000;
const encoder = new TextEncoder();

export class ReplayIndex {
  readonly #byPath = new Map<string, PathEntry>();
  /**
   * Built on the first `closest` (the 404 of `onMiss: "404"`), not at load: a replay that hands
   * its misses on never needs it, and its nodes were most of a large recording's index.
   */
  #tries: Map<string, TrieNode> | undefined;
  /** Every method's paths in one trie: the closest request when none has the method. */
  readonly #anyMethod: TrieNode = node();
  readonly #exchanges: readonly RecordedExchange[];
  /** 1 for an exchange that is the first of its query at its method and path (the trie lists only those). */
  readonly #distinct: Uint8Array;
  /** The largest recorded request body: a live body longer than this cannot match. */
  readonly maxRequestBody: number;
  readonly size: number;
  /**
   * Query parameters recorded as `[redacted]` (the journal's redaction of `token`,
   * `access_token`, the other default names and those added to it): their recorded value matches any live value.
   */
  readonly redactedNames: ReadonlySet<string>;
  /**
   * What a live body is redacted with before it is compared again with recorded bodies that hold
   * `[redacted]` (a form's `password=[redacted]`, a JSON `"password":"[redacted]"`: ../server/_redactBody.ts),
   * or undefined when none does: the default names, those the recording's queries show redacted,
   * and `names` (the server's: its journal's `redact` names, which its recordings' bodies were redacted with).
   */
  readonly bodyRedaction: Redaction;
  /** The characters of the keys the index holds (a request body's key is about as long as the body: ../_keys.ts), one byte each. */
  readonly keyBytes: number;

  /**
   * `held`, `room`: what the exchanges keep and what the replay may (./_load.ts's `loadHar`): past
   * it with exchanges left to index, it stops with a `PastRoom` (a request body's key is about as long as the body).
   */
  constructor(exchanges: readonly RecordedExchange[], names: ReadonlySet<string> = new Set(), held: number = 0, room: number = Infinity) {
    let maxRequestBody = 0;
    const redactedNames = new Set<string>();
    let bodiesRedacted = false;
    let keyBytes = 0;
    this.#exchanges = exchanges;
    this.#distinct = new Uint8Array(exchanges.length);
    for (let at = 0; at < exchanges.length; at++) {
      const exchange = exchanges[at]!;
      for (const [name, value] of exchange.query) if (value === REDACTED) redactedNames.add(name);
      const key = `${exchange.method} ${exchange.path}`;
      let entry = this.#byPath.get(key);
      if (!entry) {
        this.#byPath.set(key, (entry = { byQuery: new Map() }));
        keyBytes += key.length;
      }
      const query = queryKey(exchange.query);
      let byBody = entry.byQuery.get(query);
      if (!byBody) {
        entry.byQuery.set(query, (byBody = new Map()));
        this.#distinct[at] = 1;
        keyBytes += query.length;
      }
      const body = bodyKey(exchange.requestBody, exchange.requestBoundary);
      bodiesRedacted ||= body.includes(REDACTED);
      const list = byBody.get(body);
      if (list) list.answers.push(exchange);
      else {
        byBody.set(body, { answers: [exchange], next: 0 });
        keyBytes += body.length;
      }
      maxRequestBody = Math.max(maxRequestBody, exchange.requestBody.byteLength);
      if (held + keyBytes > room && at < exchanges.length - 1) throw new PastRoom(held + keyBytes);
    }
    this.maxRequestBody = maxRequestBody;
    this.keyBytes = keyBytes;
    this.size = exchanges.length;
    this.redactedNames = redactedNames;
    this.bodyRedaction = bodiesRedacted ? { names: new Set([...(LOG_REDACTION?.names ?? []), ...names, ...redactedNames]), values: [] } : undefined;
  }

  /**
   * The live body as a recording made with redaction holds it (`password=[redacted]`), or
   * undefined when no recorded body holds `[redacted]` or this one is not changed by it: the body
   * to try when the body as sent matched nothing. A form or JSON body that is UTF-8 only.
   */
  redactedBody(body: Uint8Array, contentType: string | undefined): Uint8Array | undefined {
    // Not bounded by the longest recorded body: a long secret (a JWT) redacts to a short one. The
    // body was read whole (up to the hub's body limit) and keyed once already: this is one pass more.
    if (!this.bodyRedaction || body.byteLength === 0) return undefined;
    const text = strictUtf8(body);
    if (text === undefined) return undefined;
    const redacted = redactBodyNames(text, contentType, this.bodyRedaction);
    return redacted === text ? undefined : encoder.encode(redacted);
  }

  /** True when something was recorded for this method and path (then the body is worth reading). */
  has(method: string, path: string): boolean {
    return this.#byPath.has(`${method} ${path}`);
  }

  /** The recorded answers for this request (`boundary`: its multipart boundary), or undefined. */
  find(method: string, path: string, query: string, body: Uint8Array, boundary?: string): AnswerList | undefined {
    const byBody = this.#byPath.get(`${method} ${path}`)?.byQuery.get(query);
    // A body that is not JSON matches byte for byte only, so one longer than every recorded body
    // matches none: no key is built for it (an upload of many MiB would cost one). A multipart
    // body matches less its boundaries, which may be longer than the recorded ones (at most 70
    // bytes each, RFC 2046, each beside a part): three times the longest recorded body bounds it.
    const longest = boundary === undefined ? this.maxRequestBody : this.maxRequestBody * 3 + 1024;
    if (!byBody || (body.byteLength > longest && (boundary !== undefined || !looksJson(body)))) return undefined;
    // A recording that kept no boundary for it compares the bytes as they are.
    return byBody.get(bodyKey(body, boundary)) ?? (boundary === undefined ? undefined : byBody.get(bodyKey(body)));
  }

  /**
   * The query as a recording made with redaction holds it (its redacted parameters' values
   * `[redacted]`), or undefined when it has none of them: the key to try when the query as sent
   * matched nothing.
   */
  redactedQuery(query: Array<[string, string]>): string | undefined {
    if (this.redactedNames.size === 0 || !query.some(([name, value]) => value !== REDACTED && this.redactedNames.has(name))) return undefined;
    return queryKey(query.map(([name, value]) => [name, this.redactedNames.has(name) ? REDACTED : value]));
  }

  /**
   * How near this recording's paths come to the request's: the trie node of the most leading path
   * segments in common, among the requests of its method when it recorded that method (else among
   * all), or undefined when it holds no requests. Costs as many steps as the path has segments.
   */
  reach(method: string, path: string): Reach | undefined {
    const tries = this.#triesBuilt();
    const trie = tries.get(method);
    let at = trie ?? this.#anyMethod;
    let depth = 0;
    for (const segment of segments(path)) {
      const child = at.children?.get(segment);
      if (!child) break;
      at = child;
      depth++;
    }
    return at.first ? { node: at, sameMethod: trie !== undefined, depth } : undefined;
  }

  #triesBuilt(): Map<string, TrieNode> {
    if (this.#tries) return this.#tries;
    const tries = new Map<string, TrieNode>();
    this.#exchanges.forEach((exchange, at) => {
      let trie = tries.get(exchange.method);
      if (!trie) tries.set(exchange.method, (trie = node()));
      const path = segments(exchange.path);
      insert(trie, exchange, path, this.#distinct[at] === 1);
      insert(this.#anyMethod, exchange, path, this.#distinct[at] === 1);
    });
    return (this.#tries = tries);
  }
}

/** Serves the next recorded answer, or the last one again once they are used up. */
export function nextAnswer(list: AnswerList): RecordedExchange {
  const answer = list.answers[Math.min(list.next, list.answers.length - 1)]!;
  list.next++;
  return answer;
}

/**
 * The recorded request closest to this one over several recordings (`crossipc hub --replay A
 * --replay B`; one recording alone too): the same method first, then the most leading path
 * segments in common, then the most query parameters in common, then the first recorded (the
 * recordings in the order given). `from`: the index in `indexes` of the one that holds it. The
 * query comparison shares one bound over all recordings, and only those that come nearest by
 * method and path are compared: a miss compares no more queries over all the recordings than over one.
 */
export function closestAmong(indexes: readonly ReplayIndex[], method: string, path: string, query: Array<[string, string]>): { exchange: RecordedExchange; from: number } | undefined {
  let nearest: Array<{ reach: Reach; from: number }> = [];
  indexes.forEach((index, from) => {
    const reach = index.reach(method, path);
    if (!reach) return;
    const best = nearest[0]?.reach;
    const order = best ? Number(reach.sameMethod) - Number(best.sameMethod) || reach.depth - best.depth : 1;
    if (order > 0) nearest = [{ reach, from }];
    else if (order === 0) nearest.push({ reach, from });
  });
  const first = nearest[0];
  if (!first) return undefined;
  let best = { exchange: first.reach.node.first!, from: first.from };
  if (query.length === 0) return best;
  // Every request recorded at or below a nearest node has as many leading segments in common with
  // this one (none goes deeper): of those, the most query parameters in common, then the first recorded.
  // name → values: a candidate's pairs are looked up as they are, no string built per pair.
  const wanted = new Map<string, Set<string>>();
  for (const [name, value] of query) {
    const values = wanted.get(name);
    if (values) values.add(value);
    else wanted.set(name, new Set([value]));
  }
  let bestShared = -1;
  let budget = CLOSEST_CANDIDATES;
  let parameters = CLOSEST_PARAMETERS;
  for (const { reach, from } of nearest) {
    const stack = [reach.node];
    while (stack.length > 0 && budget > 0 && parameters > 0) {
      const next = stack.pop()!;
      for (const candidate of next.ends ?? []) {
        let shared = 0;
        for (const [name, value] of candidate.query) if (wanted.get(name)?.has(value)) shared++;
        // Ties: an earlier recording (`from` grows as the loop goes), then the first recorded in it.
        if (shared > bestShared || (shared === bestShared && from === best.from && candidate.index < best.exchange.index)) {
          best = { exchange: candidate, from };
          bestShared = shared;
        }
        parameters -= candidate.query.length;
        if (--budget === 0 || parameters <= 0) break;
      }
      if (next.children) for (const child of next.children.values()) stack.push(child);
    }
  }
  return best;
}

function node(): TrieNode {
  return { children: undefined, first: undefined, ends: undefined };
}

function insert(root: TrieNode, exchange: RecordedExchange, path: readonly string[], distinctQuery: boolean): void {
  let at = root;
  at.first ??= exchange;
  for (const segment of path) {
    const children = (at.children ??= new Map());
    let child = children.get(segment);
    if (!child) children.set(segment, (child = node()));
    at = child;
    at.first ??= exchange;
  }
  if (distinctQuery) (at.ends ??= []).push(exchange);
}

function segments(path: string): string[] {
  return path.split("/").filter(Boolean);
}
