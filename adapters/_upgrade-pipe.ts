/**
 * A proxied WebSocket upgrade as a byte pipe to its backend, the same steps on every runtime:
 * each gives its client connection as a `PipedClient` (Node its socket, `_node-pipe.ts`; Bun and
 * Deno their front's connection, `_bun-pipe.ts`, `_deno-pipe.ts`). This file holds the dial and
 * its bound, the head written to the backend, the reading of its answer and the 502s.
 */
import type { PipeUpgradeOptions } from "../src/platform.ts";
import { LOG_REDACTION, redactUrl } from "../src/server/_redact.ts";
import { basicAuthorizationOf } from "../src/server/_serviceCredentials.ts";

const encoder = new TextEncoder();

/** Where to dial, from a target URL. */
export interface DialTarget {
  hostname: string;
  port: number;
  tls: boolean;
}

/** A client connection whose upgrade request the server holds, as the pipe needs it. */
export interface PipedClient<Backend> {
  readonly closed: boolean;
  /** The client's address, for `x-forwarded-for`. */
  readonly address: string | undefined;
  dial(target: DialTarget): Promise<Backend>;
  /** Closes a backend connection that will not be used. */
  drop(backend: Backend): void;
  /** The head to write to the backend, where the runtime keeps the raw header lines (else built from `request.headers`). */
  rawHead?(url: URL, via: string): Uint8Array;
  /** From now on the client's bytes go to `backend` (after `head`), and the backend's to the client. */
  divert(backend: Backend, head: Uint8Array): void;
  /** The client gets `answer` in the server's place (before or after `divert`), and the connection ends. */
  refuse(answer: Uint8Array): void;
  /** Drops both connections (teardown). */
  reset(): void;
  /** Told the backend's first bytes. */
  onFirstBytes: ((bytes: Uint8Array) => void) | undefined;
  /** Told when the client's connection has ended. */
  onGone: (() => void) | undefined;
}

/**
 * Dials the backend and hands the client to it: a 502 of the front's own when it cannot be
 * reached, or does not answer the upgrade within `connectTimeout` (a backend that takes the
 * connection and stays silent would hold the client for good), as the relay's bound.
 */
export async function pipeToBackend<Backend>(client: PipedClient<Backend>, request: Request, target: string, options: PipeUpgradeOptions): Promise<true> {
  const url = new URL(target);
  const deadline = Date.now() + options.connectTimeout;
  let backend: Backend;
  try {
    backend = await dialWithin(() => client.dial(dialTarget(url)), (late) => client.drop(late), options.connectTimeout);
  } catch (error) {
    client.refuse(badGatewayBytes(`WebSocket proxy: ${shown(target)} is unreachable: ${(error as Error).message}`));
    options.onAnswer?.(502);
    return true;
  }
  // The client left while the backend was dialled.
  if (client.closed) {
    client.drop(backend);
    return true;
  }
  const connection = { close: () => client.reset() };
  options.connections.add(connection);
  const silence = setTimeout(() => {
    client.refuse(badGatewayBytes(`WebSocket proxy: ${shown(target)} did not answer the upgrade within ${options.connectTimeout}ms`));
    options.onAnswer?.(502);
  }, Math.max(0, deadline - Date.now()));
  client.onGone = () => {
    clearTimeout(silence);
    options.connections.delete(connection);
  };
  client.onFirstBytes = (bytes) => {
    clearTimeout(silence);
    options.onAnswer?.(answerStatus(bytes));
  };
  client.divert(backend, client.rawHead?.(url, options.via) ?? upgradeHead(request, url, client.address, options.via));
  return true;
}

/**
 * The `Connection` of every upgrade request written to a backend. `close` matters when the
 * backend refuses the upgrade (any answer but 101): the connection is a byte pipe by then, and a
 * backend that kept it alive would take whatever the client sent next on it as new requests, raw
 * — past the hub's routing, journal, intercepts and Host check (or bytes the client pipelined
 * behind its upgrade, before the answer). With `close` it answers and closes (RFC 9112 §9.6: no
 * further request on that connection is processed). A 101 switches protocols, where `close` has
 * no say: `ws`, `Bun.serve` and `Deno.upgradeWebSocket` upgrade such a request alike (the `close`
 * `Deno.serve` then puts in its `101` is taken out again: `UpgradeAnswer`).
 */
export const UPGRADE_CONNECTION = "Connection: Upgrade, close";

/** Bytes of an answer's head the hub looks through for a `101` (a larger head goes on untouched). */
const MAX_ANSWER_HEAD = 16 * 1024;

const NOTHING = new Uint8Array(0);

/**
 * The backend's answer on its way to the client, with the `close` that `UPGRADE_CONNECTION` asked
 * for taken out of a `101`'s `Connection` again. hyper (`Deno.serve`) answers such a request's
 * `101` with a second `connection: close` line; the client asked for no `close`, and undici's
 * WebSocket (Node's global one) fails any `101` whose `Connection` is not exactly `upgrade`
 * ("Server did not set Connection header"), so a Node client could not reach a Deno backend
 * through the hub. Any other answer, and everything after the head, goes on byte for byte.
 */
export class UpgradeAnswer {
  /** The head's bytes so far, copied (callers reuse read buffers), and how many there are. */
  #head: Uint8Array<ArrayBuffer> | undefined;
  #held = 0;
  /** How many bytes of the blank line's CR LF CR LF the bytes so far end with. */
  #matched = 0;
  /** The head has gone on: bytes now pass as they are. */
  done = false;

  /** The bytes to send the client now. Each byte is looked at once, however the head is split. */
  take<B extends ArrayBufferLike>(bytes: Uint8Array<B>): Uint8Array<B> | Uint8Array<ArrayBuffer> {
    if (this.done) return bytes;
    const end = this.#headEnd(bytes);
    if (end === -1 && this.#held + bytes.length < MAX_ANSWER_HEAD) {
      (this.#head ??= new Uint8Array(MAX_ANSWER_HEAD)).set(bytes, this.#held);
      this.#held += bytes.length;
      return NOTHING;
    }
    this.done = true;
    const all = this.#head === undefined ? bytes : concat([this.#head.subarray(0, this.#held), bytes]);
    const headLength = end === -1 ? -1 : this.#held + end;
    this.#head = undefined;
    if (headLength === -1 || headLength > MAX_ANSWER_HEAD || !isSwitching(all)) return all;
    const head = withoutClose(String.fromCharCode(...all.subarray(0, headLength)));
    return head === undefined ? all : concat([latin1(head), all.subarray(headLength)]);
  }

  /** The index in `bytes` after the blank line that ends the head, or -1 (a CR LF begun at their end carries over). */
  #headEnd(bytes: Uint8Array): number {
    let matched = this.#matched;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      matched = byte === (matched % 2 === 0 ? 13 : 10) ? matched + 1 : byte === 13 ? 1 : 0;
      if (matched === 4) return i + 1;
    }
    this.#matched = matched;
    return -1;
  }
}

function isSwitching(bytes: Uint8Array): boolean {
  return String.fromCharCode(...bytes.subarray(0, 13)) === "HTTP/1.1 101 ";
}

/** `head` with the `close` token gone from its `Connection` lines (a line left empty goes), or undefined when it has none. */
function withoutClose(head: string): string | undefined {
  let changed = false;
  const lines = head.split("\r\n").flatMap((line) => {
    const colon = line.indexOf(":");
    if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== "connection") return [line];
    const tokens = line.slice(colon + 1).split(",").map((token) => token.trim()).filter((token) => token !== "");
    const kept = tokens.filter((token) => token.toLowerCase() !== "close");
    if (kept.length === tokens.length) return [line];
    changed = true;
    return kept.length ? [`${line.slice(0, colon)}: ${kept.join(", ")}`] : [];
  });
  return changed ? lines.join("\r\n") : undefined;
}

function concat(pieces: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(pieces.reduce((length, piece) => length + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * The `Authorization` line a service URL's `user:password@` stands for, when the client sent no
 * `Authorization` of its own: what proxied HTTP sends (`src/server/_serviceCredentials.ts`).
 */
export function serviceAuthorizationLine(url: URL, clientSentOne: boolean): string | undefined {
  if (clientSentOne) return undefined;
  const authorization = basicAuthorizationOf(url);
  return authorization === undefined ? undefined : `Authorization: ${authorization}`;
}

/** The client's upgrade request, addressed to the backend at `url`, with x-forwarded-* (and the service's credentials) added and `via` in place of its `Via`. */
function upgradeHead(request: Request, url: URL, clientAddress: string | undefined, via: string): Uint8Array {
  const lines = [`${request.method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, UPGRADE_CONNECTION];
  let forwardedFor = "";
  // The header values are the runtime's parsed ones: no line breaks can be in them.
  request.headers.forEach((value, name) => {
    if (name === "x-forwarded-for") forwardedFor = `${value}, `;
    else if (name !== "host" && name !== "connection" && name !== "via" && !name.startsWith("x-forwarded-")) lines.push(`${name}: ${value}`);
  });
  const authorization = serviceAuthorizationLine(url, request.headers.has("authorization"));
  if (authorization) lines.push(authorization);
  if (clientAddress) lines.push(`X-Forwarded-For: ${forwardedFor}${clientAddress}`);
  const host = request.headers.get("host");
  if (host) lines.push(`X-Forwarded-Host: ${host}`);
  lines.push("X-Forwarded-Proto: http");
  lines.push(`Via: ${via}`);
  return latin1(`${lines.join("\r\n")}\r\n\r\n`);
}

/**
 * The bytes of a head whose characters are the request's own bytes: the runtime read header
 * values as latin1 (a byte per character), so they go out as they came; UTF-8 would turn a byte
 * like 0xE9 into two.
 */
export function latin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The status of an HTTP/1.1 answer from its first bytes ("HTTP/1.1 101 …"), or 502 when they are not one. */
function answerStatus(bytes: Uint8Array): number {
  if (bytes.length < 12) return 502;
  const status = (bytes[9]! - 48) * 100 + (bytes[10]! - 48) * 10 + (bytes[11]! - 48);
  return status >= 100 && status <= 599 ? status : 502;
}

/** The target as the client reads it in a 502: no password of the service's URL, no token of the query (only when one is sent). */
function shown(target: string): string {
  return redactUrl(target, LOG_REDACTION)!;
}

/** The hub's own answer when the backend cannot be dialled or does not answer. */
function badGatewayBytes(error: string): Uint8Array {
  const body = encoder.encode(JSON.stringify({ error }));
  const head = encoder.encode(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return bytes;
}

/** Where to dial for a `target` URL: host (without IPv6 brackets), port, and whether over TLS. */
function dialTarget(url: URL): DialTarget {
  const tls = url.protocol === "https:" || url.protocol === "wss:";
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { hostname, port: Number(url.port) || (tls ? 443 : 80), tls };
}

/** The connection `connect` makes, or an error once `timeoutMs` passed (one that comes later is dropped). */
function dialWithin<T>(connect: () => Promise<T>, drop: (late: T) => void, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new Error(`no connection within ${timeoutMs}ms`));
    }, timeoutMs);
    connect().then(
      (connection) => {
        clearTimeout(timer);
        if (settled) return drop(connection);
        settled = true;
        resolve(connection);
      },
      (error: Error) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        reject(error);
      },
    );
  });
}
