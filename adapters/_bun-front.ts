/**
 * A guarded front for `Bun.serve`: `Bun.listen` takes the public port and copies each client
 * connection to `Bun.serve` on a private endpoint (a Unix socket, else loopback TCP), reading
 * the bytes both ways (`_http1-request-stream.ts`, `_http1-response-stream.ts`). That is what
 * lets a Bun hub
 * - answer pipelined requests in order: `Bun.serve` (uWS) closes a connection and answers
 *   nothing when a request arrives behind one still in progress (oven-sh/bun#38128; any async
 *   handler, and any answer still draining), so the front passes a request on only once the
 *   answer before it is complete, and holds the client's next bytes meanwhile (TCP backpressure:
 *   the client's socket is paused, nothing is buffered);
 * - refuse an absolute-form target (`GET http://other/x`), which `Bun.serve` turns into an
 *   ordinary path (it builds the URL from Host), and bytes in a target it percent-encodes;
 * - send one `100 Continue` where `Bun.serve` sends a GET two (`_http1-response-stream.ts`);
 * - cap connections at `maxConnections` (new ones past it are closed, as Node's cap does), and
 *   at what the open-file limit lets it pass on (`linksWithin`);
 * - drop a client's connection for a `reset` fault (`reset()`).
 *
 * Each forwarded head carries a header of the front's own (`stampHeader`, its name random per
 * process) with the connection's id: over a Unix socket the server cannot see the client's
 * address, and a request without it did not come through the front (`bun.ts` refuses it).
 * Idle connections are still `Bun.serve`'s to close: the front mirrors its close. After a `101`
 * the connection is a plain pipe (Bun bounds WebSocket messages itself), except a framework
 * connection's, whose data frames the front reads and writes itself (`_front-frames.ts`,
 * `carryFrames`: two sockets and two callbacks fewer per frame). A proxied upgrade is
 * handed to its backend instead (`divert`, for `_upgrade-pipe.ts`): the front copies between the
 * client and the backend, and `Bun.serve` is out of the way.
 */
import { randomBytes } from "node:crypto";
import { METHODS } from "node:http";
import { RequestStream, refusalBytes, type StreamVerdict } from "./_http1-request-stream.ts";
import { ResponseStream } from "./_http1-response-stream.ts";
import { UpgradeAnswer, type DialTarget } from "./_upgrade-pipe.ts";
import { openFileLimit } from "./_open-file-limit.ts";
import { DirectFrames } from "./_front-frames.ts";
import { releaseRead } from "./_bun-read-release.ts";
import { writeInRuns } from "./_write-runs.ts";
import type { FrameWriter } from "../src/platform.ts";

/** The part of Bun's socket API the front uses. */
interface BunSocket {
  data: FrontLink | undefined;
  readonly remoteAddress: string;
  write(bytes: Uint8Array, byteOffset?: number, byteLength?: number): number;
  end(): void;
  shutdown(halfClose?: boolean): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(noDelay?: boolean): boolean;
}
interface SocketHandlers {
  open?(socket: BunSocket): void;
  data(socket: BunSocket, bytes: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket): void;
  error?(socket: BunSocket, error: Error): void;
  connectError?(socket: BunSocket, error: Error): void;
}
declare const Bun: {
  listen(options: { hostname: string; port: number; allowHalfOpen: boolean; socket: SocketHandlers }): { port: number; stop(closeActive?: boolean): void };
  connect(options: ({ unix: string } | { hostname: string; port: number; tls?: { serverName: string } }) & { allowHalfOpen: boolean; data: FrontLink | undefined; socket: SocketHandlers }): Promise<BunSocket>;
};

/** What `Bun.serve` takes (it closes the connection on any other method): Node's list, checked on Bun 1.4. */
const KNOWN_METHODS: ReadonlySet<string> = new Set(METHODS);

export interface BunFrontOptions {
  /** Client connections at once; more are closed as they arrive. */
  maxConnections: number;
  /** Largest WebSocket message a framework connection carried by the front itself may send (`DirectFrames`); a text message is held to the core's own, smaller limit (`carryFrames`'s `maxText`). */
  maxMessageSize: number;
}

/** Where `Bun.serve` listens behind the front. */
export type InnerEndpoint = { unix: string } | { hostname: string; port: number };

/** Longest request head taken (431 past it): Bun's own limit is 16 KiB, so Bun answers first. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Parts of a read up to this size go to the server in one write (a head, its stamp, a small body). */
const JOIN_BYTES = 16 * 1024;
/** How long an HTTP client has to close after the front's or the server's last byte (what it sends meanwhile is read and dropped). */
const CLOSE_GRACE_MS = 2000;
/**
 * The same after a WebSocket's last byte: a client may still be flushing megabytes it queued
 * before it reads the close frame, and closing under it would reset the connection and lose the
 * close frame (it saw 1006, not 1013). `ws` waits 30 s too.
 */
const WEBSOCKET_CLOSE_GRACE_MS = 30_000;

/** The header the front stamps on each head: random per process, so no client can send it. */
export const stampHeader: string = `x-crossipc-front-${randomBytes(8).toString("hex")}`;
const encoder = new TextEncoder();

/** One client connection and the connection to `Bun.serve` behind it. */
export class FrontLink {
  /** What its heads' `stampHeader` says. */
  readonly id: string;
  readonly client: BunSocket;
  inner: BunSocket | undefined;
  readonly requests: RequestStream;
  readonly responses: ResponseStream = new ResponseStream();
  /** Bytes each side has not taken yet (copies), in order. */
  toInner: Uint8Array[] = [];
  toClient: Uint8Array[] = [];
  /** Bytes in `toClient`. */
  toClientBytes = 0;
  /** A framework connection whose data frames the front carries itself. */
  direct: DirectFrames | undefined;
  readonly maxMessageSize: number;
  /** Long answers are framed from their parts (`DirectFrames.sendParts`). */
  readonly framesParts = true;
  /** The request ahead is not answered yet: the client's next bytes wait. */
  awaiting = false;
  /** What the client sent while a request was awaiting its answer (copies), and its socket is paused. */
  held: Uint8Array[] = [];
  /** After a `101`: bytes are copied as they are, both ways. */
  piping = false;
  clientPaused = false;
  innerPaused = false;
  clientEnded = false;
  innerShut = false;
  /** The server's side is done: what it sent goes out, then the client gets a FIN. */
  serverEnded = false;
  /** The front ends the connection itself (a refusal): what the client still sends is dropped. */
  finishing = false;
  closed = false;
  grace: ReturnType<typeof setTimeout> | undefined;
  /** Told the first bytes the server (a backend, after `divert`) sends next. */
  onFirstBytes: ((bytes: Uint8Array) => void) | undefined;
  /** A backend's answer whose head has not gone to the client yet (after `divert`). */
  backendAnswer: UpgradeAnswer | undefined;
  /** Told when the client's connection has closed. */
  onGone: (() => void) | undefined;

  constructor(client: BunSocket, id: string, maxMessageSize: number) {
    this.id = id;
    this.maxMessageSize = maxMessageSize;
    this.client = client;
    this.requests = new RequestStream({
      maxHeadBytes: MAX_HEAD_BYTES,
      // Bun bounds WebSocket messages itself (`maxPayloadLength`); the front looks only at the
      // frames it carries itself (`DirectFrames`), bounded there.
      maxMessageSize: Number.MAX_SAFE_INTEGER,
      serial: true,
      stamp: encoder.encode(`${stampHeader}: ${id}\r\n`),
      methods: KNOWN_METHODS,
    });
  }

  /** The client's address (for `request.ip`). */
  get address(): string {
    return this.client.remoteAddress;
  }

  /** Drops both connections with no answer (a `reset` fault). */
  reset(): void {
    this.closed = true;
    this.client.terminate();
    this.inner?.terminate();
  }

  // What `_upgrade-pipe.ts` needs to hand a proxied upgrade to its backend.

  dial(target: DialTarget): Promise<BunSocket> {
    return dialBackend(target);
  }

  drop(backend: BunSocket): void {
    backend.terminate();
  }

  divert(backend: BunSocket, head: Uint8Array): void {
    divert(this, backend, head);
  }

  refuse(answer: Uint8Array): void {
    refuseUpgrade(this, answer);
  }

  /**
   * Carries this WebSocket's data frames in the front from the `101` on (`DirectFrames`), or
   * `undefined` when the `101` has passed already (frames the server sent could be overtaken).
   */
  carryFrames(receive: (data: string | Uint8Array) => void, maxUnread: number, maxText: number): FrameWriter | undefined {
    if (this.piping || this.responses.switched || this.closed || this.direct) return undefined;
    this.direct = new DirectFrames(this, receive, maxUnread, maxText);
    return this.direct;
  }

  // What `DirectFrames` writes with.

  writeClient(bytes: Uint8Array, owned: boolean): void {
    toClient(this, bytes, owned);
  }

  writeClientFrom(bytes: Uint8Array, start: number, end: number): void {
    toClient(this, bytes, false, start, end);
  }

  writeServer(bytes: Uint8Array): void {
    toInner(this, bytes);
  }
}

/** Connections by the id their heads carry, for the server's handler. */
const links = new Map<string, FrontLink>();

/** The front connection a request came on, by the value of its `stampHeader`. */
export function linkOf(stamp: string): FrontLink | undefined {
  return links.get(stamp);
}

export interface BunFront {
  readonly port: number;
  /** Starts copying to `Bun.serve` at `inner`. */
  start(inner: InnerEndpoint): void;
  /** Takes no more connections; the open ones still carry what the server sends. */
  stopAccepting(): void;
  /**
   * Ends every connection once its client has what the server sent last (the close frames of a
   * teardown), at most `SHUTDOWN_DRAIN_MS` after the call.
   */
  close(): Promise<void>;
}

/**
 * How long a closing front lets the server's last bytes reach clients that are still open
 * (a teardown's WebSocket close frames): cutting at once turned the clients' 1001 into 1006.
 */
const SHUTDOWN_DRAIN_MS = 250;
/** A refused dial to `Bun.serve`'s Unix socket is tried again this often, this many times (5 s). */
const DIAL_RETRY_MS = 10;
const MAX_DIAL_RETRIES = 500;

/**
 * Descriptors kept for what is not a front connection: the runtime's own, the listeners,
 * backends and services the hub connects to.
 */
const RESERVED_FILES = 48;

/**
 * How many connections the front can pass on within `limit` open files: each takes three (the
 * client's, the front's to the server, the server's end of it). Taking more let the front hold
 * every descriptor while the server could accept none of its connections, and nothing was
 * answered again even once the clients had gone.
 */
function linksWithin(limit: number | undefined): number {
  return limit === undefined ? Infinity : Math.max(1, Math.floor((limit - RESERVED_FILES) / 3));
}

/**
 * The server's connection (or, after `divert`, a backend's). A socket whose `data` is gone was
 * left behind by `divert` or is still being dialled: its events are no one's.
 */
const innerHandlers: SocketHandlers = {
  open(socket) {
    const link = socket.data;
    if (!link) return;
    if (link.closed) return socket.terminate();
    link.inner = socket;
    flushToInner(link);
  },
  data(socket, bytes) {
    if (socket.data) fromServer(socket.data, bytes);
  },
  drain(socket) {
    if (socket.data) flushToInner(socket.data);
  },
  end(socket) {
    if (socket.data) serverEnded(socket.data);
  },
  close(socket) {
    if (socket.data) serverEnded(socket.data);
  },
  // A failed dial to `Bun.serve` rejects `Bun.connect` too, where the front dials again or ends the link.
  connectError() {},
  // `close` follows; without a handler Bun would print the error.
  error() {},
};

let nextId = 0;
/** Scratch for what one read lets through (the handlers run one at a time). */
const out: Uint8Array[] = [];
/** Scratch for `sendParts`' joined writes (`toInner` copies what the socket does not take). */
const joined = new Uint8Array(JOIN_BYTES);

/** Binds the public port (throws EADDRINUSE as `Bun.serve` would). */
export function listenBunFront(hostname: string, port: number, options: BunFrontOptions): BunFront {
  const open = new Set<FrontLink>();
  const maxLinks = Math.min(options.maxConnections, linksWithin(openFileLimit()));
  /** Set while closing: told when a connection goes. */
  let linkGone: (() => void) | undefined;
  let inner: InnerEndpoint | undefined;
  /** Connections that came before `Bun.serve` was listening: they are copied once it is. */
  let early: FrontLink[] | undefined = [];
  const connect = (link: FrontLink, endpoint: InnerEndpoint, attempt = 0) => {
    Bun.connect({ ...endpoint, allowHalfOpen: true, data: link, socket: innerHandlers }).catch((error: { code?: string }) => {
      // `Bun.serve` listens on its Unix socket with a backlog of 512, and a Unix connect past a
      // full backlog is refused at once (TCP's would wait). The front dials once per client as
      // each arrives, before `Bun.serve` gets a turn to accept: 1,500 clients at once had ~990
      // closed with no answer. Refused while the server is there means "not yet": dial again
      // once it has had a turn, while the client is still there.
      if (error?.code === "ECONNREFUSED" && "unix" in endpoint && attempt < MAX_DIAL_RETRIES && !link.closed) {
        setTimeout(() => link.closed || connect(link, endpoint, attempt + 1), DIAL_RETRY_MS);
      } else end(link);
    });
  };
  const listener = Bun.listen({
    hostname,
    port,
    allowHalfOpen: true,
    socket: {
      open(client) {
        if (open.size >= maxLinks) {
          client.data = undefined;
          return client.terminate();
        }
        const link = new FrontLink(client, String(++nextId), options.maxMessageSize);
        client.data = link;
        open.add(link);
        links.set(link.id, link);
        client.setNoDelay(true);
        // Not paused before the server's connection is open: a paused Bun socket does not read
        // its client's FIN. The first bytes wait in `toInner`, then the socket pauses.
        if (inner) connect(link, inner);
        else early?.push(link);
      },
      data(client, bytes) {
        const link = client.data;
        if (link) fromClient(link, bytes);
      },
      drain(client) {
        const link = client.data;
        if (link) flushToClient(link);
      },
      end(client) {
        const link = client.data;
        if (!link) return;
        link.clientEnded = true;
        shutInner(link);
        if (link.finishing || link.serverEnded || !link.inner || !answerPending(link)) return end(link);
        // uWS takes the FIN as a close (`shutInner`) and closes its side at once; a server that
        // cannot (at the open-file limit it has not even accepted the connection) does not keep
        // the client's connection: waiting for it held every descriptor for good.
        link.grace ??= setTimeout(() => link.reset(), CLOSE_GRACE_MS);
      },
      close(client) {
        const link = client.data;
        if (!link) return;
        open.delete(link);
        links.delete(link.id);
        end(link);
        link.onGone?.();
        linkGone?.();
      },
      error() {},
    },
  });
  return {
    port: listener.port,
    start(endpoint) {
      inner = endpoint;
      for (const link of early ?? []) if (!link.closed) connect(link, endpoint);
      early = undefined;
    },
    stopAccepting() {
      listener.stop(false);
    },
    close() {
      listener.stop(false);
      return new Promise<void>((resolve) => {
        const cut = () => {
          clearTimeout(timer);
          linkGone = undefined;
          for (const link of open) end(link);
          open.clear();
          listener.stop(true);
          resolve();
        };
        const timer = setTimeout(cut, SHUTDOWN_DRAIN_MS);
        linkGone = () => {
          if (open.size === 0) cut();
        };
        linkGone();
      });
    },
  };
}

/** The client's bytes: followed while HTTP, passed on one request at a time. */
function fromClient(link: FrontLink, bytes: Uint8Array): void {
  if (link.closed || link.finishing || link.serverEnded) return;
  if (link.awaiting || link.held.length > 0) {
    // A pipelined request: it waits, and the client's socket is paused until it can go (only
    // then: pausing for every request would cost two system calls each).
    link.held.push(bytes.slice());
    pauseClient(link, true);
    return;
  }
  if (link.piping) return pipeFromClient(link, bytes);
  proceed(link, link.requests.feed(bytes, out));
}

/** The client's bytes after a `101`: frames for the front itself, or copied to the server. */
function pipeFromClient(link: FrontLink, bytes: Uint8Array): void {
  if (link.direct) {
    link.direct.fromClient(bytes);
    // Every byte kept was copied: the read's buffer is freed now, not at a collection (page faults otherwise).
    releaseRead(bytes);
  } else toInner(link, bytes);
}

/** Sends what the request reader let through and acts on its verdict. */
function proceed(link: FrontLink, verdict: StreamVerdict): void {
  for (;;) {
    sendParts(link);
    // Serial: at most one request is forwarded and unanswered, and its answer follows it.
    link.responses.headRequest = link.requests.headRequest;
    if (verdict === "refuse" || verdict === "too-big") return refuse(link);
    if (verdict !== "upgrade?") return;
    const { responses } = link;
    if (!responses.switched && responses.answers < link.requests.requests) {
      // The answer is still coming: the client's next bytes wait (`fromClient`).
      link.awaiting = true;
      return;
    }
    link.piping = responses.switched;
    verdict = link.requests.answered(responses.switched, out);
  }
}

/** The server's bytes go to the client as they are; an answer completed lets the next request go. */
function fromServer(link: FrontLink, bytes: Uint8Array): void {
  if (link.closed) return;
  if (link.onFirstBytes) {
    const told = link.onFirstBytes;
    link.onFirstBytes = undefined;
    told(bytes);
  }
  if (link.backendAnswer) {
    bytes = link.backendAnswer.take(bytes);
    if (link.backendAnswer.done) link.backendAnswer = undefined;
    if (bytes.length === 0) return;
  }
  const { responses, direct } = link;
  if (direct?.mode === "direct") direct.fromServer(bytes);
  else if (direct && !responses.switched) {
    const forward = responses.feed(bytes);
    if (!responses.switched) toClient(link, forward);
    else {
      // The `101`: then the front's own frames written meanwhile, then the server's.
      toClient(link, forward.subarray(0, forward.length - responses.afterSwitch));
      direct.mode = "direct";
      direct.fromServer(forward.subarray(forward.length - responses.afterSwitch));
    }
  } else toClient(link, link.piping ? bytes : responses.feed(bytes));
  if (link.awaiting && (responses.switched || responses.answers >= link.requests.requests)) release(link);
}

/** A connection to a backend for `divert` (its events are ignored until then). */
function dialBackend(target: DialTarget): Promise<BunSocket> {
  const tls = target.tls ? { tls: { serverName: target.hostname } } : {};
  return Bun.connect({ hostname: target.hostname, port: target.port, ...tls, allowHalfOpen: true, data: undefined, socket: innerHandlers });
}

/**
 * The client of `link`, whose upgrade request the server holds, goes to `backend` instead: the
 * server's connection is dropped (nothing more can come on it after an upgrade request), `head`
 * and whatever the client sent after its request go to the backend, and from then on bytes are
 * copied both ways as they are, the backend's answer (`101` or a refusal) first.
 */
function divert(link: FrontLink, backend: BunSocket, head: Uint8Array): void {
  if (link.closed || link.finishing) return backend.terminate();
  dropServer(link);
  backend.data = link;
  backend.setNoDelay(true);
  link.inner = backend;
  link.piping = true;
  link.backendAnswer = new UpgradeAnswer();
  toInner(link, head);
  link.requests.answered(true, out);
  sendParts(link);
  while (link.held.length > 0) toInner(link, link.held.shift()!);
  pauseClient(link, false);
  shutInner(link);
}

/**
 * Answers the upgrade request the server holds with `refusal` in the server's place (or, after
 * `divert`, the one the backend did not answer), and ends the connection.
 */
function refuseUpgrade(link: FrontLink, refusal: Uint8Array): void {
  if (link.closed || link.finishing) return;
  dropServer(link);
  link.finishing = true;
  toClient(link, refusal);
  link.serverEnded = true;
  if (link.toClient.length === 0) finishClient(link);
}

/** Lets go of the server's connection, which holds an upgrade request that is no longer its to answer. */
function dropServer(link: FrontLink): void {
  const inner = link.inner;
  if (inner) {
    inner.data = undefined;
    inner.terminate();
  }
  link.inner = undefined;
  link.toInner.length = 0;
  link.awaiting = false;
  link.innerPaused = false;
  link.innerShut = false;
}

/** The answer the client's next request waited for is complete: that request, and what the client sent meanwhile, go on. */
function release(link: FrontLink): void {
  const { responses } = link;
  link.awaiting = false;
  link.piping = responses.switched;
  proceed(link, link.requests.answered(responses.switched, out));
  while (!link.awaiting && link.held.length > 0 && !link.closed && !link.finishing) {
    const next = link.held.shift()!;
    if (link.piping) pipeFromClient(link, next);
    else proceed(link, link.requests.feed(next, out));
  }
  if (!link.awaiting && link.held.length === 0) {
    pauseClient(link, false);
    shutInner(link);
  }
}

/** Writes the parts in `out` to the server (`writeInRuns`: the parts of a small request in one write). */
function sendParts(link: FrontLink): void {
  if (out.length === 0) return;
  writeInRuns(out, joined, link, toInner);
  out.length = 0;
}

function toInner(link: FrontLink, bytes: Uint8Array): void {
  if (!link.inner) {
    // The server's connection is not open yet. Reading goes on up to a head's worth: a paused
    // socket would not see its client go, and at the open-file limit (the server cannot accept)
    // clients that sent a request and left held every descriptor for good.
    link.toInner.push(bytes.slice());
    let waiting = 0;
    for (const part of link.toInner) waiting += part.length;
    if (waiting > MAX_HEAD_BYTES) pauseClient(link, true);
    return;
  }
  if (link.toInner.length > 0) {
    link.toInner.push(bytes.slice());
    pauseClient(link, true);
    return;
  }
  const written = link.inner.write(bytes);
  if (written < bytes.length) {
    link.toInner.push(bytes.slice(Math.max(0, written)));
    pauseClient(link, true);
  }
}

function flushToInner(link: FrontLink): void {
  const inner = link.inner;
  if (!inner || link.closed) return;
  while (link.toInner.length > 0) {
    const next = link.toInner[0]!;
    const written = inner.write(next);
    if (written < next.length) {
      link.toInner[0] = next.subarray(Math.max(0, written));
      return;
    }
    link.toInner.shift();
  }
  pauseClient(link, false);
  shutInner(link);
}

/**
 * `owned`: the bytes are the front's own, kept as they are when they wait (`bytes` whole, then).
 * Otherwise `bytes[start, end)` is written, and what waits is copied. `bytes` may be the short
 * answers' shared buffer (`shortFrame`): its rest is copied right after `write`, which calls none
 * of the socket's handlers before it returns (`drain`, `close`, `error` come from the event loop;
 * test/bun/short-answers.test.ts checks it), so no other answer is framed into it in between.
 */
function toClient(link: FrontLink, bytes: Uint8Array, owned = false, start = 0, end = bytes.length): void {
  const length = end - start;
  if (length === 0) return;
  if (link.toClient.length > 0) {
    link.toClient.push(owned ? bytes : copyOf(bytes, start, end));
    link.toClientBytes += length;
    return;
  }
  const written = link.client.write(bytes, start, length);
  if (written < length) {
    const rest = owned ? bytes.subarray(Math.max(0, written)) : copyOf(bytes, start + Math.max(0, written), end);
    link.toClient.push(rest);
    link.toClientBytes += rest.length;
    // The client is not reading: the server's bytes wait in its socket. Not when the front carries
    // the data frames: the server only sends control frames then, and a paused socket would not
    // see the server drop the connection (a slow consumer, cut off).
    if (!link.innerPaused && link.inner && link.direct?.mode !== "direct") {
      link.innerPaused = true;
      link.inner.pause();
    }
  }
}

/** A copy of `bytes[start, end)`: a Buffer's own `slice` (the short answers' `shortFrame` is one) is a view, not a copy. */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}

function flushToClient(link: FrontLink): void {
  while (link.toClient.length > 0) {
    const next = link.toClient[0]!;
    const written = link.client.write(next);
    if (written < next.length) {
      link.toClient[0] = next.subarray(Math.max(0, written));
      link.toClientBytes -= Math.max(0, written);
      return;
    }
    link.toClient.shift();
    link.toClientBytes -= next.length;
  }
  if (link.innerPaused && link.inner) {
    link.innerPaused = false;
    link.inner.resume();
  }
  if (link.serverEnded) finishClient(link);
}

/** Pauses (or resumes, when nothing holds it) reading from the client. */
function pauseClient(link: FrontLink, pause: boolean): void {
  if (!pause && (link.held.length > 0 || link.toInner.length > 0 || !link.inner)) return;
  if (link.clientPaused === pause) return;
  link.clientPaused = pause;
  if (pause) link.client.pause();
  else link.client.resume();
}

/**
 * The client is done sending and what it sent went on: the server is told at once (half-close,
 * as TCP), even with an answer still coming, so that a client that went away aborts its request
 * (a proxied one upstream). uWS takes the FIN as a close, as it does without the front: a client
 * that half-closes and waits for its answer gets none, and requests it pipelined are dropped.
 */
function shutInner(link: FrontLink): void {
  if (!link.clientEnded || link.innerShut || !link.inner || link.toInner.length > 0) return;
  link.innerShut = true;
  link.inner.shutdown();
}

function serverEnded(link: FrontLink): void {
  if (link.serverEnded) return;
  link.serverEnded = true;
  // The server dropped a connection whose data frames the front carries with no close frame (the
  // core cut off a slow consumer, which would not read a FIN either): the client's connection
  // and the front's frames still queued for it go too, at once.
  if (link.direct?.mode === "direct" && !link.direct.server.closing) return link.reset();
  if (link.toClient.length === 0) finishClient(link);
  // The rest of what the front queued waits for a client that may be slow to read it, no longer than a closing WebSocket's grace.
  else if (link.direct) link.grace ??= setTimeout(() => link.reset(), WEBSOCKET_CLOSE_GRACE_MS);
}

/**
 * The client gets a FIN after the server's last byte, and some time to close; what it still sends
 * is read and dropped meanwhile (closing with unread bytes would reset the connection, and the
 * client could lose the last answer or close frame before reading it).
 */
function finishClient(link: FrontLink): void {
  if (link.closed) return;
  if (link.clientEnded) return end(link);
  link.finishing = true;
  link.client.shutdown();
  readAndDrop(link);
  link.grace ??= setTimeout(() => link.reset(), link.piping ? WEBSOCKET_CLOSE_GRACE_MS : CLOSE_GRACE_MS);
}

/**
 * Answers a refused head (or chunked body) itself once every request before it was answered,
 * then ends the connection; one refused while an answer was already on its way just ends it.
 */
function refuse(link: FrontLink): void {
  link.finishing = true;
  const { requests, responses } = link;
  const { status, error } = requests.refusal ?? { status: 400, error: "Bad request" };
  // A chunked body refused part-way: the server has a request it can never finish (its handler
  // would wait for the rest of the body), so its connection is dropped, which its handler hears
  // as the client leaving, and the client gets the refusal in the place of that request's answer
  // unless the answer has begun (the client got nothing at all, where Node answers 400).
  const unfinished = requests.bodyRefused ? 1 : 0;
  if (unfinished) dropServer(link);
  if (responses.answers >= requests.requests - unfinished && !responses.midAnswer && link.toClient.length === 0) link.client.write(refusalBytes(status, error));
  link.client.shutdown();
  readAndDrop(link);
  link.inner?.end();
  link.grace ??= setTimeout(() => link.reset(), CLOSE_GRACE_MS);
}

/** A request went (or waits to go) to the server and its answer is not complete. */
function answerPending(link: FrontLink): boolean {
  return link.piping || link.toInner.length > 0 || link.responses.answers < link.requests.requests;
}

/** Reads on from a client the front is closing (`fromClient` drops what comes). */
function readAndDrop(link: FrontLink): void {
  link.held.length = 0;
  link.toInner.length = 0;
  if (link.clientPaused) {
    link.clientPaused = false;
    link.client.resume();
  }
}

function end(link: FrontLink): void {
  if (link.closed) return;
  link.closed = true;
  clearTimeout(link.grace);
  link.inner?.end();
  link.client.end();
  // A paused socket would never read the client's FIN, and would stay open (CLOSE-WAIT) for good.
  if (link.clientPaused) {
    link.clientPaused = false;
    link.client.resume();
  }
}
