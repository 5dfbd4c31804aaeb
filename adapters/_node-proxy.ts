/**
 * The HTTP upstream of the Node and Deno adapters: `node:http` with a keep-alive agent, piped
 * both ways (on Deno through its Node compatibility layer: see `_deno-proxy.ts`).
 *
 * h3's `proxyRequest` goes through the global `fetch`, which on Node is both the bottleneck
 * (5.4k req/s to a local backend where `node:http` with keep-alive makes ~29k) and unbounded:
 * srvx's request body stream feeds undici without backpressure, so a 100 MiB upload grew the
 * hub by ~116 MiB. Here the client's IncomingMessage is piped into the upstream request and the
 * upstream IncomingMessage is handed to srvx as the response body, which pipes it into the
 * client's ServerResponse: Node streams with backpressure end to end. The behaviour is
 * h3 `proxyRequest`'s: hop-by-hop headers dropped, x-forwarded-* added, redirects not followed,
 * several set-cookie kept, `location` pointing at the target rewritten to the hub; bodies are
 * passed as they come (compressed ones keep their `content-encoding`). The runtime makes the
 * client's Response (`Respond`): srvx's FastResponse on Node, imported by the Node adapter, since
 * importing srvx on Deno reads `TERM` and dies without `--allow-env`.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import { ANSWER_BODY, ANSWER_HEADERS, ProxyError, SMALL_ANSWER, type BodyCopier, type ProxyHttpOptions } from "../src/platform.ts";
import { concat } from "../src/_bytes.ts";
import { connectionTokens, HOP_BY_HOP } from "./_hop-by-hop.ts";

/**
 * When each pooled connection stops being safe to send a body on: the backend closes a
 * connection idle for its keep-alive timeout, and while the hub's event loop is held (a long
 * synchronous task in the process that embeds it, a long GC) neither Node's agent timer nor the
 * backend's FIN is seen, so a stale connection is still handed out. A request without a body
 * is simply sent again when that happens; a streamed body cannot be, so it never goes out on a
 * connection idle past this point (see `send`).
 */
const reuseBefore = new WeakMap<object, number>();

/**
 * A connection idle this long is not trusted with a body when the backend gave no
 * `Keep-Alive: timeout=` hint: undici's default keep-alive (4 s), under Node's own server
 * default (5 s).
 */
const IDLE_WITHOUT_HINT_MS = 4000;

/** The backend's last `Keep-Alive: timeout=N` hint on a connection, in ms (Node 20's agent ignores it). */
const keepAliveHint = new WeakMap<object, number>();

/** Notes the backend's keep-alive hint on the connection an answer came on. */
function noteKeepAlive(res: IncomingMessage): void {
  const header = res.headers["keep-alive"];
  if (typeof header !== "string") return;
  const seconds = /(?:^|[\s,])timeout=(\d+)/i.exec(header)?.[1];
  if (seconds !== undefined) keepAliveHint.set(res.socket, Number(seconds) * 1000);
}

/** Node's agent keeps a connection only when this returns true (typed `void` in @types/node). */
interface KeepAlive {
  keepSocketAlive(socket: object): boolean;
}

/** Remembers, as a connection goes back to the pool, until when it may carry a body. */
function tracked<A extends http.Agent>(agent: A): A {
  const pool = agent as unknown as KeepAlive;
  const keep = pool.keepSocketAlive.bind(pool);
  pool.keepSocketAlive = (socket) => {
    const kept = keep(socket);
    // Node's own margin (Node 24's agent drops the connection 1 s before the hint).
    const hint = keepAliveHint.get(socket);
    if (kept) reuseBefore.set(socket, Date.now() + (hint === undefined ? IDLE_WITHOUT_HINT_MS : hint - 1000));
    return kept;
  };
  return agent;
}

const agents = {
  "http:": tracked(new http.Agent({ keepAlive: true, scheduling: "lifo" })),
  "https:": tracked(new https.Agent({ keepAlive: true, scheduling: "lifo" })),
};

interface NodeContext {
  req: IncomingMessage;
  res: ServerResponse;
}

/** The status line and headers of the client's answer (`location` already rewritten). */
export interface AnswerInit {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
}

/**
 * Makes the client's Response from the upstream's answer: `body` is the IncomingMessage of a
 * streamed answer (large or unsized), or the bytes of one read whole. May throw (a status the
 * runtime's Response refuses): the client then gets a 502.
 */
export type Respond = (body: IncomingMessage | Buffer, init: AnswerInit, request: Request) => Response;

/** The upstream for `Platform.proxyHttp`, answering through `respond`. */
export function nodeUpstream(respond: Respond): (request: Request, target: string, options: ProxyHttpOptions) => Promise<Response> {
  return (request, target, options) => proxyHttpNode(request, target, options, respond);
}

function proxyHttpNode(request: Request, target: string, options: ProxyHttpOptions, respond: Respond): Promise<Response> {
  const node = (request as { runtime?: { node?: NodeContext } }).runtime?.node;
  const url = new URL(target);
  const client = url.protocol === "https:" ? https : http;
  // Deno's Request has no body for a GET or HEAD, whatever the client sent (Fetch forbids one):
  // the upstream request then goes without it, and without a length that would promise it.
  const declared = hasBody(request);
  const withBody = declared && (node !== undefined || request.body !== null);
  const headers = requestHeaders(request, node, withBody, options.via);
  if (declared && !withBody) delete headers["content-length"];
  return new Promise((resolve, reject) => {
    let upstream!: http.ClientRequest;
    // Why the hub itself ended the upstream request (timeout, client gone): the request fails
    // with that at once, and is never sent again. Not left to the error the request reports: on
    // a reused pooled connection Node reports "socket hang up" (ECONNRESET), which the retry below
    // took for a stale connection (a client that left had its GET sent again, from nobody).
    let stopped: ProxyError | undefined;
    const stop = (why: ProxyError) => {
      stopped ??= why;
      reject(stopped);
      ended(upstream);
    };
    const clientGone = () => stop(new ProxyError(502, "the client went away"));
    const send = (attempt: number) => {
      upstream = client.request(url, { method: request.method, headers, agent: agents[url.protocol as "http:" | "https:"] });
      // The target's time to answer counts from when it has the whole request: a large upload
      // on a slow link is not the target being slow.
      let timer: ReturnType<typeof setTimeout> | undefined;
      upstream.once("finish", () => {
        timer = setTimeout(() => stop(new ProxyError(504, `${target} did not answer within ${options.timeout}ms`)), options.timeout);
      });
      upstream.once("response", (res) => {
        clearTimeout(timer);
        noteKeepAlive(res);
        answer(res, url, request, options.keepBody === true, options.responseBody, respond, resolve, reject);
      });
      // The hub forwards no `Upgrade` (a hop-by-hop header; WebSockets go their own way), so a 101
      // here was asked for by nobody. `node:http` hands it to "upgrade" listeners and, with none,
      // closes the socket and says nothing: the client waited for the 504 (Bun's fetch refuses it).
      upstream.once("upgrade", (_res, socket) => {
        clearTimeout(timer);
        socket.destroy();
        stop(new ProxyError(502, `${target} answered 101 Switching Protocols to a request that asked for no upgrade`));
      });
      upstream.once("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (stopped) return reject(stopped);
        // The backend closed a pooled connection just as it was reused (its keep-alive timeout
        // raced ours) and no byte of an answer came: it never took the request. Sent again on
        // another connection when nothing has to be replayed, as browsers and undici do.
        if (!withBody && upstream.reusedSocket && attempt < MAX_RETRIES && (error.code === "ECONNRESET" || error.code === "EPIPE")) {
          options.retried = attempt + 1;
          send(attempt + 1);
          return;
        }
        reject(error instanceof ProxyError ? error : new ProxyError(502, error.message, { cause: error }));
      });
      if (!withBody) {
        upstream.end();
        return;
      }
      // The body is read only once a connection is chosen: on a pooled one past its keep-alive
      // (see `reuseBefore`) nothing has been consumed yet, so the request moves to another
      // connection whole. Each move closes one stale connection, so the pool runs out of them.
      upstream.once("socket", (socket) => {
        if (upstream.reusedSocket && Date.now() >= (reuseBefore.get(socket) ?? Number.POSITIVE_INFINITY)) {
          upstream.removeAllListeners("error");
          upstream.on("error", () => {});
          ended(upstream);
          send(attempt);
          return;
        }
        const body = node ? node.req : Readable.fromWeb(request.body as import("node:stream/web").ReadableStream);
        // `pipe` passes no error on: a Web body that fails (its client left mid-upload: Deno's
        // "Cannot read request body") was an uncaught error that ended the Deno hub's process.
        if (!node) body.once("error", (error) => stop(new ProxyError(502, `the request body failed: ${error.message}`, { cause: error })));
        if (options.requestBody) copyAsItFlows(body, options.requestBody);
        body.pipe(upstream);
      });
    };
    // The client left before the request came here (a slow mock handler that passed it on, a
    // fault's latency): its "close" has been, and the upstream would get the request from nobody
    // (a GET went out and was journaled 200; a POST waited for a body that never ends).
    // Without a ServerResponse (Deno; a request rebuilt after a rule read its body) the signal
    // says so. Checked before a request is made: destroyed in the tick it was made, before it had
    // a connection, Deno 2.9's `node:http` put its pooled connection back with one more `error`
    // listener each time, and printed MaxListenersExceededWarning on the hub's stderr (no logger
    // asked for it) for every connection past 10: a client that left early, again and again.
    if ((node?.res.destroyed && !node.res.writableFinished) || (!node && request.signal.aborted)) {
      reject(new ProxyError(502, "the client went away"));
      return;
    }
    send(0);
    // The client went away before its answer was delivered: stop the upstream request too.
    if (node) {
      node.res.once("close", () => {
        if (!node.res.writableFinished) clientGone();
      });
      return;
    }
    // A request rebuilt after a rule read its body has lost the ServerResponse; its signal (srvx
    // aborts it when that response closes unfinished, see ../src/server/_requestCopy.ts) says the same.
    request.signal.addEventListener("abort", clientGone, { once: true });
  });
}

/**
 * Ends an upstream request for good. Deno 2.9's `node:http` sends a request again by itself when
 * the reused pooled connection it went out on closes before an answer (its stale keep-alive
 * retry), also one the hub destroyed: the request went out again from nobody, never reported its
 * end (no 504 came) and held the process open. Said not to be on a reused connection, it is not.
 */
function ended(upstream: http.ClientRequest): void {
  upstream.reusedSocket = false;
  upstream.destroy();
}

/**
 * Recording bodies: a copy of a body (the client's, or a streamed answer) taken from the chunks
 * as they are piped on, each counted by `copy.room` as it comes (the listener is added before the
 * pipe and sees the same chunks; the pipe's backpressure holds for both). Handed over when the
 * body ends or fails, or at once when the copy is cut: nothing more is kept, and the kept
 * chunks are not held until a long body ends.
 */
function copyAsItFlows(body: Readable, copy: BodyCopier): void {
  const chunks: Uint8Array[] = [];
  let length = 0;
  let truncated = false;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    body.off("data", onData);
    // One new array: the chunks are views into the socket's reads, which a kept view would keep alive.
    copy.done(concat(chunks, length), truncated);
    chunks.length = 0;
  };
  const onData = (chunk: Buffer) => {
    const room = copy.room(chunk.byteLength);
    if (room < chunk.byteLength) {
      if (room !== 0) chunks.push(chunk.subarray(0, room));
      length += room;
      truncated = true;
      finish();
      return;
    }
    chunks.push(chunk);
    length += chunk.byteLength;
  };
  body.on("data", onData).once("end", finish).once("error", finish).once("close", finish);
}

/**
 * Retries of one request on a reused connection: each failure closes one stale pooled socket, and
 * after a burst several may be stale at once.
 */
const MAX_RETRIES = 3;

function answer(
  res: IncomingMessage,
  url: URL,
  request: Request,
  keepBody: boolean,
  copy: BodyCopier | undefined,
  respond: Respond,
  resolve: (response: Response) => void,
  reject: (error: unknown) => void,
): void {
  const init: AnswerInit = {
    status: res.statusCode!,
    statusText: res.statusMessage!,
    headers: responseHeaders(res, url.origin, new URL(request.url).origin),
  };
  const made = (body: IncomingMessage | Buffer): Response | undefined => {
    try {
      return withHeaders(respond(body, init, request), init.headers);
    } catch (error) {
      res.destroy();
      reject(new ProxyError(502, `its answer cannot be passed on: ${(error as Error).message}`, { cause: error }));
      return undefined;
    }
  };
  // A small answer is read whole and sent as one Buffer: piping it through srvx costs an
  // AbortController and a DOMException per response (~10% of the hub's CPU in the bench).
  // Large or unsized answers stream, with backpressure.
  const length = Number(res.headers["content-length"] ?? Number.NaN);
  if (!(length <= SMALL_ANSWER)) {
    const response = made(res);
    if (!response) return;
    // Recording bodies: a copy taken as srvx pipes the answer to the client (a compressed one is
    // left to the journal, which keeps it decoded). Paused, so that nothing flows before that pipe.
    if (copy && res.headers["content-encoding"] === undefined) {
      copyAsItFlows(res, copy);
      res.pause();
      (response as { [ANSWER_BODY]?: null })[ANSWER_BODY] = null;
    }
    resolve(response);
    return;
  }
  const chunks: Buffer[] = [];
  res.on("data", (chunk: Buffer) => chunks.push(chunk));
  res.once("end", () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const response = made(body);
    if (!response) return;
    // For the journal's bodies: the bytes it would otherwise copy out of a stream built around them.
    if (keepBody) (response as { [ANSWER_BODY]?: Uint8Array })[ANSWER_BODY] = body;
    resolve(response);
  });
  res.once("error", (error) => reject(new ProxyError(502, error.message, { cause: error })));
}

function hasBody(request: Request): boolean {
  const h = request.headers;
  return h.has("transfer-encoding") || (h.get("content-length") ?? "0") !== "0";
}

function requestHeaders(request: Request, node: NodeContext | undefined, withBody: boolean, via: string): Record<string, string> {
  const nominated = connectionTokens(request.headers.get("connection"));
  // Null-prototype: a header named `__proto__` set nothing on a plain object and was not
  // forwarded (the Bun and Deno hubs forward it, as they do any header).
  const headers: Record<string, string> = Object.create(null);
  request.headers.forEach((value, key) => {
    if (!HOP_BY_HOP.has(key) && !nominated.has(key) && key !== "host") headers[key] = value;
  });
  // A body without a length goes out chunked whatever the method: Node frames GET, HEAD,
  // DELETE and OPTIONS bodies only when told to, and an unframed body reaches the backend as
  // the start of a second request (smuggling).
  if (withBody && headers["content-length"] === undefined) headers["transfer-encoding"] = "chunked";
  const incoming = new URL(request.url);
  // A request rebuilt after a rule read its body has no IncomingMessage, only the address it carried.
  const ip = node ? node.req.socket.remoteAddress : (request as { ip?: string }).ip;
  if (ip) headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]}, ${ip}` : ip;
  headers["x-forwarded-host"] = incoming.host;
  headers["x-forwarded-proto"] = incoming.protocol.slice(0, -1);
  headers["x-forwarded-port"] = incoming.port || (incoming.protocol === "https:" ? "443" : "80");
  // The client's `Via` with this hub's entry appended (src/server/_via.ts).
  headers["via"] = via;
  return headers;
}

function responseHeaders(res: IncomingMessage, targetOrigin: string, hubOrigin: string): Array<[string, string]> {
  const nominated = connectionTokens(res.headers.connection);
  const headers: Array<[string, string]> = [];
  const raw = res.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(key) || nominated.has(key)) continue;
    let value = raw[i + 1]!;
    if (key === "location" && value.startsWith(targetOrigin)) value = hubOrigin + value.slice(targetOrigin.length);
    headers.push([key, value]);
  }
  return headers;
}

/** Leaves the header list on the answer for the journal (reading `headers` back would build a Headers object). */
function withHeaders(response: Response, headers: Array<[string, string]>): Response {
  (response as { [ANSWER_HEADERS]?: unknown })[ANSWER_HEADERS] = headers;
  return response;
}
