/**
 * A guarded TCP front for `Deno.serve`, which gives crossipc no socket: the front accepts on the
 * public port and copies each connection to `Deno.serve` on a loopback port, reading the client's
 * bytes on the way (`_http1-request-stream.ts`). That is what lets a Deno hub
 * - refuse a head with a bare LF (Deno's parser takes it as a line end) and a head past 16 KiB;
 * - close a connection idle for `keepAliveTimeout` (no byte either way, no request in progress,
 *   not a WebSocket: those have heartbeats);
 * - cap connections at `maxConnections`, WebSockets included (new ones past it are closed, as
 *   Node's `server.maxConnections` does);
 * - close a WebSocket with 1009 once a message, whole or in fragments, passes `maxMessageSize`
 *   (Deno collects an unfinished message's fragments without limit);
 * - drop a client's connection for a `reset` fault (a handler of `Deno.serve` cannot);
 * - tell the handler when a client leaves with a request in progress, also while its upgrade
 *   waits for an answer (`Deno.serve` says so only through a signal that prints a warning);
 * - and survive accept errors (out of file descriptors) by accepting again.
 * It also hands a proxied upgrade to its backend (`divert`, for `_upgrade-pipe.ts`): the front
 * then copies between the client and the backend, and `Deno.serve` is out of the way. And it
 * carries a framework connection's data frames itself (`carryFrames`, `_deno-front-frames.ts`):
 * from the `101` on it reads the client's frames and hands each message to the core in-process,
 * and writes the core's answers between the control frames `Deno.serve` still sends; each frame
 * crossed two more sockets before ("Session 13 — framework frames through the Deno front").
 *
 * The server's handler finds the client's connection by the port its copied connection came
 * from (`fronted`). Each direction is a read/write loop on one reused buffer with no delay on
 * both sockets: a front on streams (`readable.pipeTo`) served 0.05–0.08× the requests of
 * `Deno.serve` alone, the loop 0.5–0.8×; the hub's CPU per small request about doubles
 * (bench/ANALYSIS.md, "Session 5 — Deno front"). Without the permission to dial 127.0.0.1 the
 * adapter serves without a front (`deno.ts`).
 */
import { RequestStream, refusalBytes } from "./_http1-request-stream.ts";
import { maskedCloseFrame } from "./_ws-client-frames.ts";
import { UpgradeAnswer, type DialTarget } from "./_upgrade-pipe.ts";
import { DirectFrames } from "./_front-frames.ts";
import { FrameConn, HeadEnd } from "./_deno-front-frames.ts";
import { FIRST_READ_BYTES, MAX_READ_BYTES, giveBackReadBuffer, nextReadSize, takeReadBuffer } from "./_deno-read-size.ts";
import type { FrameWriter } from "../src/platform.ts";

interface NetAddr {
  hostname: string;
  port: number;
}
interface DenoConn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  setNoDelay(noDelay?: boolean): void;
  close(): void;
}
interface DenoListener {
  readonly addr: NetAddr;
  accept(): Promise<DenoConn>;
  close(): void;
}
declare const Deno: {
  listen(options: { hostname: string; port: number }): DenoListener;
  connect(options: { hostname: string; port: number }): Promise<DenoConn>;
  connectTls(options: { hostname: string; port: number }): Promise<DenoConn>;
  unrefTimer(id: number): void;
};

export interface FrontOptions {
  /** Seconds a connection may stay idle between requests. */
  keepAliveTimeout: number;
  /** Client connections at once; more are closed as they arrive. */
  maxConnections: number;
  /** Largest WebSocket message from a client, in bytes (1009 past it). */
  maxMessageSize: number;
}

/**
 * Longest request head taken (431 past it): Node's and Bun's own limit, 16 KiB. At 64 KiB a
 * head Node and Bun refuse reached the hub's routes, and a proxied one a Node backend, which
 * refused it (the client got its 431, or a 502 when it closed before the hub had written all).
 */
const MAX_HEAD_BYTES = 16 * 1024;
/** How long an HTTP client has to go after the front's or the server's last byte (what it sends meanwhile is read and dropped). */
const HTTP_CLOSE_GRACE_MS = 2000;
/**
 * How long the server has to answer a close the front sent in the client's place (it reads what
 * came before first), and then the client to close: `ws` waits 30 s too. A client may still be
 * flushing megabytes it queued before it reads the close frame, and closing under it would reset
 * the connection and lose the close frame (it saw 1006, not 1009).
 */
const WEBSOCKET_CLOSE_GRACE_MS = 30_000;
/** How soon the front accepts again after an accept failed (out of file descriptors). */
const REACCEPT_MS = 250;

/**
 * The handler's word on a request that may switch protocols: whether the server switched, or
 * that the client goes to a backend instead (`divert`), or gets a refusal of the front's own.
 */
type Word = boolean | { backend: DenoConn; head: Uint8Array } | { refusal: Uint8Array };

/** One client connection and the copied one behind it. */
export class FrontConnection {
  readonly client: DenoConn;
  inner: DenoConn | undefined;
  readonly stream: RequestStream;
  /** Requests the server's handler is working on, from the handler until the answer is delivered. */
  handling = 0;
  /** A byte moved since the last idle sweep. */
  active = true;
  /** Reads from the server so far (whether it said anything since a given moment). */
  serverReads = 0;
  quietSweeps = 0;
  /** Sweeps in a row that found the same request head still arriving (`headOf`: which, by `stream.requests`). */
  headSweeps = 0;
  headOf = -1;
  closed = false;
  /** Set once the front ends the connection itself (a refusal, a close): the server's end does not end the client's. */
  finishing = false;
  /** Requests whose answer the server has delivered (`completed`). */
  #answered = 0;
  /** Told when `#answered` reaches `#awaitedAnswers` (or the connection is abandoned). */
  #allAnswered: (() => void) | undefined;
  #awaitedAnswers = 0;
  serverDone: Promise<void> = Promise.resolve();
  /** The server closed its side: what the client still sends is dropped. */
  serverEnded = false;
  /** Ends the connection if the client does not close first after the server did. */
  grace: ReturnType<typeof setTimeout> | undefined;
  #switched: Word | undefined;
  #decide: ((word: Word) => void) | undefined;
  /** The front answered that request itself: the server's own word on it no longer counts. */
  #taken: "diverted" | "refused" | undefined;
  /**
   * The signal of the request the handler took last (`deno.ts` sets it), aborted by `clientLeft`:
   * `Deno.serve` tells a handler of a client that left only through `request.signal`, which
   * prints a warning, and `completed` settles only after the handler has answered.
   */
  request: AbortController | undefined;
  /** The client left with a request in progress: a request the handler takes after that is aborted at once. */
  gone = false;
  /** The client half-closed with a request in progress: what the server still sends is read and dropped. */
  answersForNobody = false;
  /** Told the first bytes the server (a backend, after `divert`) sends next. */
  onFirstBytes: ((bytes: Uint8Array) => void) | undefined;
  /** A backend's answer whose head has not gone to the client yet (after `divert`). */
  backendAnswer: UpgradeAnswer | undefined;
  /** Told when the client's connection has ended. */
  onGone: (() => void) | undefined;
  /** A framework connection whose data frames the front carries itself (`carryFrames`), and its writers. */
  direct: DirectFrames | undefined;
  frames: FrameConn | undefined;
  /**
   * Set when the connection's first request is an upgrade: where its answer's head ends (the
   * front's own frames go only after it), whether the front may still carry the frames, and the
   * WebSocket's `open` (`opened`), until which the client's bytes after a `101` wait.
   */
  headEnd: HeadEnd | undefined;
  headPassed = false;
  #carryable = false;
  opening: Promise<void> | undefined;
  #opened: (() => void) | undefined;
  readonly #maxMessageSize: number;

  constructor(client: DenoConn, options: FrontOptions) {
    this.client = client;
    this.#maxMessageSize = options.maxMessageSize;
    this.stream = new RequestStream({ maxHeadBytes: MAX_HEAD_BYTES, maxMessageSize: options.maxMessageSize });
  }

  /**
   * The connection's first request is an upgrade: the front follows its answer's head, and after
   * a `101` holds the client's next bytes until the WebSocket is open (`opened`), so that a
   * framework connection's frames can all be read by the front (`carryFrames`). Only a first
   * request: on a connection with answers before it, the `101` could not be told from their bodies.
   */
  expectUpgrade(): void {
    this.headEnd = new HeadEnd();
    this.#carryable = true;
    this.opening = new Promise((resolve) => (this.#opened = resolve));
  }

  /** The WebSocket's `open` hook has run (`deno.ts`): the core has taken its frames (`carryFrames`) or left them to `Deno.serve`. */
  opened(): void {
    this.#opened?.();
  }

  /** The server sent bytes after the `101` before the core's word: the front's own frames could not be placed among them. */
  notCarryable(): void {
    this.#carryable = false;
  }

  /**
   * Carries this WebSocket's data frames in the front from the `101` on (`DirectFrames`), or
   * `undefined` where it cannot (not the connection's first request, frames already passed).
   */
  carryFrames(receive: (data: string | Uint8Array) => void, maxUnread: number, maxText: number): FrameWriter | undefined {
    if (!this.#carryable || this.closed || this.direct || !this.inner) return undefined;
    this.frames = new FrameConn(this, this.client, this.inner, this.#maxMessageSize);
    this.direct = new DirectFrames(this.frames, receive, maxUnread, maxText);
    if (this.headPassed) this.direct.mode = "direct";
    return this.direct;
  }

  /** The client's address (for `request.ip`). */
  get clientAddress(): NetAddr {
    return this.client.remoteAddr;
  }

  /** Counts a request the handler took until `completed` settles (the idle timeout never cuts it). */
  handle(completed: Promise<void>): void {
    this.handling++;
    const done = () => {
      this.handling--;
      this.#answered++;
      if (this.#allAnswered && this.#answered >= this.#awaitedAnswers) this.#allAnswered();
    };
    completed.then(done, done);
  }

  /**
   * A request whose answer is not delivered: one the handler works on, one forwarded whole that
   * the handler has not taken yet, or one still arriving. Counting only what the handler had
   * taken missed a client that sent its whole request and went before `Deno.serve` took it: its
   * request went on (after a latency fault, to the service) for nobody.
   */
  get requestInProgress(): boolean {
    return this.handling > 0 || this.#answered < this.stream.requests || !this.stream.betweenRequests;
  }

  /** Requests whose answer the server has delivered. */
  get answeredCount(): number {
    return this.#answered;
  }

  /** Resolves once every request forwarded so far (or the first `requests`) has been answered. */
  allAnswered(requests: number = this.stream.requests): Promise<void> {
    if (this.#answered >= requests) return Promise.resolve();
    this.#awaitedAnswers = requests;
    return new Promise((resolve) => (this.#allAnswered = resolve));
  }

  /**
   * Passes on the answer to a request that may switch protocols, telling the front whether it
   * did (a 101): the front reads the client's next bytes as frames or as the next request
   * accordingly, and holds them until then.
   */
  answer(response: Response | Promise<Response>): Promise<Response> {
    return Promise.resolve(response).then(
      (answer) => {
        this.#switch(answer.status === 101);
        return answer;
      },
      (error: unknown) => {
        this.#switch(false);
        throw error;
      },
    );
  }

  /** The client went away with a request in progress (closed its side, or dropped the connection): the handler hears it. */
  clientLeft(): void {
    this.gone = true;
    this.request?.abort(new DOMException("The client went away", "AbortError"));
  }

  /** Drops both connections with no answer (a `reset` fault). */
  reset(): void {
    end(this);
  }

  /** Ended: a front still waiting for the handler's word reads on and finds the sockets closed. */
  abandon(): void {
    // A backend the front was told to divert to, and never took: the client went first.
    const pending = this.#switched;
    if (typeof pending === "object" && "backend" in pending) closeQuietly(pending.backend);
    this.#switch(false);
    this.#allAnswered?.();
    this.#opened?.();
  }

  // What `_upgrade-pipe.ts` needs to hand a proxied upgrade to its backend.

  /** The client's address, for `x-forwarded-for`. */
  get address(): string {
    return this.client.remoteAddr.hostname;
  }

  dial(target: DialTarget): Promise<DenoConn> {
    const { hostname, port } = target;
    return target.tls ? Deno.connectTls({ hostname, port }) : Deno.connect({ hostname, port });
  }

  drop(backend: DenoConn): void {
    closeQuietly(backend);
  }

  /**
   * The client of the upgrade request the handler holds goes to `backend` instead of the server:
   * `head` goes first, then what the client sent after its request, and from then on bytes are
   * copied as they come.
   */
  divert(backend: DenoConn, head: Uint8Array): void {
    this.#switch({ backend, head });
    this.#taken = "diverted";
  }

  /**
   * Answers the upgrade request the handler holds with `answer` in the server's place (or, after
   * `divert`, the one the backend did not answer), and ends the connection.
   */
  refuse(answer: Uint8Array): void {
    if (this.#taken === "diverted") return refusePiped(this, answer);
    this.#switch({ refusal: answer });
    this.#taken = "refused";
  }

  #switch(switched: Word): void {
    if (this.#taken) return;
    const decide = this.#decide;
    this.#decide = undefined;
    if (decide) decide(switched);
    else this.#switched = switched;
  }

  /** The handler's word on the last request that may switch protocols (it may come before the front asks). */
  switched(): Promise<Word> | Word {
    const known = this.#switched;
    if (known !== undefined) {
      this.#switched = undefined;
      return known;
    }
    return new Promise((resolve) => (this.#decide = resolve));
  }
}

/** Client connections by the port their copied connection came from, for the server's handler. */
const byInnerPort = new Map<number, FrontConnection>();

/** The front connection behind a request whose `remoteAddr.port` is `innerPort`, if any. */
export function fronted(innerPort: number | undefined): FrontConnection | undefined {
  return innerPort === undefined ? undefined : byInnerPort.get(innerPort);
}

export interface TcpFront {
  readonly port: number;
  /** Starts copying to the server listening on `innerPort` (again after it listened anew). */
  start(innerPort: number): void;
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

/** Binds the public port (throws AddrInUse as `Deno.serve` would). */
export function listenFront(hostname: string, port: number, options: FrontOptions): TcpFront {
  const listener = Deno.listen({ hostname, port });
  const connections = new Set<FrontConnection>();
  /** Set while closing: told when a connection goes. */
  let connectionGone: (() => void) | undefined;
  const gone = (connection: FrontConnection) => {
    connections.delete(connection);
    connectionGone?.();
  };
  let innerPort = 0;
  let accepting = false;
  let closed = false;
  const accept = async () => {
    while (!closed) {
      let client: DenoConn;
      try {
        client = await listener.accept();
      } catch {
        // Closed, or out of file descriptors: accept again once some are free.
        if (!closed) await new Promise((resolve) => setTimeout(resolve, REACCEPT_MS));
        continue;
      }
      if (connections.size >= options.maxConnections) {
        closeQuietly(client);
        continue;
      }
      void serveConnection(new FrontConnection(client, options), innerPort, connections, gone);
    }
  };
  // One sweep every half timeout: a connection is closed after one to one and a half timeouts
  // quiet. 0 (or less) keeps idle connections, as Node's `keepAliveTimeout: 0` does; a timer
  // cannot wait past 2^31 ms.
  const sweepMs = Math.min((options.keepAliveTimeout * 1000) / 2, 2 ** 31 - 1);
  const sweeper = sweepMs > 0 ? setInterval(() => sweep(connections), sweepMs) : undefined;
  if (sweeper !== undefined) Deno.unrefTimer(sweeper as unknown as number);
  return {
    port: listener.addr.port,
    start(port) {
      innerPort = port;
      if (!accepting) void accept();
      accepting = true;
    },
    stopAccepting() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      closeQuietly(listener);
    },
    close() {
      this.stopAccepting();
      return new Promise<void>((resolve) => {
        const cut = () => {
          clearTimeout(timer);
          connectionGone = undefined;
          for (const connection of connections) end(connection);
          connections.clear();
          resolve();
        };
        const timer = setTimeout(cut, SHUTDOWN_DRAIN_MS);
        connectionGone = () => {
          if (connections.size === 0) cut();
        };
        connectionGone();
      });
    },
  };
}

function sweep(connections: Set<FrontConnection>): void {
  for (const connection of connections) {
    // A head still arriving at three sweeps in a row (after one to one and a half timeouts) is
    // cut, however its bytes trickle in: a byte now and then kept a connection for good (Node
    // bounds a head in time too, with its headersTimeout).
    if (connection.stream.inHead) {
      if (connection.headOf !== connection.stream.requests) {
        connection.headOf = connection.stream.requests;
        connection.headSweeps = 0;
      }
      if (++connection.headSweeps >= 3) {
        end(connection);
        continue;
      }
    } else connection.headOf = -1;
    if (connection.active) {
      connection.active = false;
      connection.quietSweeps = 0;
    } else if (connection.handling > 0 || !connection.stream.betweenRequests) {
      connection.quietSweeps = 0;
    } else if (++connection.quietSweeps >= 2) {
      end(connection);
    }
  }
}

async function serveConnection(connection: FrontConnection, innerPort: number, connections: Set<FrontConnection>, gone: (connection: FrontConnection) => void): Promise<void> {
  connections.add(connection);
  try {
    connection.client.setNoDelay(true);
    const inner = await Deno.connect({ hostname: "127.0.0.1", port: innerPort });
    connection.inner = inner;
    if (connection.closed) return closeQuietly(inner);
    inner.setNoDelay(true);
    byInnerPort.set(inner.localAddr.port, connection);
    connection.serverDone = serverToClient(connection, inner);
    await clientToServer(connection, inner);
  } catch {
    // Either side failed (or the server could not be dialled): both end, and a request in progress is given up.
    connection.clientLeft();
    end(connection);
  } finally {
    connection.onGone?.();
    gone(connection);
  }
}

async function clientToServer(connection: FrontConnection, inner: DenoConn): Promise<void> {
  let buffer = new Uint8Array(FIRST_READ_BYTES);
  let filled = false;
  /** The largest buffer full reads grew to, and whether the last read ended between two of the client's messages (`nextReadSize`). */
  let wide = FIRST_READ_BYTES;
  let betweenMessages = false;
  const out: Uint8Array[] = [];
  // A read started while an upgrade waited for the handler's word (see `switchedOrLeft`).
  let early: Promise<Uint8Array | null> | undefined;
  /** `connection.serverReads` when the last head was read. */
  let serverReadsAtHead = 0;
  for (;;) {
    // Safe to replace here: nothing read into the old buffer is still waiting to be written.
    const size = nextReadSize(buffer.length, filled, connection.direct !== undefined, betweenMessages, wide);
    if (size !== buffer.length) {
      // Only a read between two carried messages shrinks the buffer: nothing holds a view of it.
      if (size < buffer.length) giveBackReadBuffer(buffer);
      buffer = takeReadBuffer(size);
    }
    if (size > wide) wide = size;
    let bytes: Uint8Array | null;
    if (early === undefined) {
      const read = await connection.client.read(buffer);
      bytes = read === null ? null : buffer.subarray(0, read);
    } else {
      bytes = await early;
      early = undefined;
    }
    if (bytes === null) {
      // A client that closes its side with a request in progress has left, as Node's and Bun's
      // servers take it: the handler hears it (a proxied request stops its upstream, a fault's
      // wait ends, journaled 499), and the client's connection ends now with no answer, as
      // there: an answer to a client that left is for nobody (Node's server ends a socket on its
      // FIN; the 499 the hub made of it went out to the client only from a Deno hub).
      if (!connection.stream.upgraded && connection.requestInProgress) {
        connection.clientLeft();
        connection.answersForNobody = true;
        connection.client.closeWrite().catch(() => {});
      }
      // The client is done sending: the server still finishes what it has (half-close, as TCP).
      // The inner connection stays until it has: closed at once, `Deno.serve` dropped a request
      // forwarded whole but not yet taken, and the hub never journaled it.
      if (!connection.serverEnded) {
        await connection.frames?.toServer.idle();
        await inner.closeWrite().catch(() => {});
        await connection.serverDone;
      }
      return end(connection);
    }
    if (connection.serverEnded) continue;
    connection.active = true;
    filled = bytes.length === buffer.length;
    if (connection.direct) {
      connection.direct.fromClient(bytes);
      betweenMessages = !filled && connection.direct.clientAtBoundary;
      // `Deno.serve` not taking the client's control frames: the client waits (TCP backpressure).
      if (connection.frames!.toServer.bytes > MAX_READ_BYTES) await connection.frames!.toServer.idle();
      continue;
    }
    const requestsBefore = connection.stream.requests;
    let verdict = connection.stream.feed(bytes, out);
    if (verdict === "upgrade?" && connection.stream.requests === 1 && !connection.opening) connection.expectUpgrade();
    // A new head in this read: what the server says from now on may be its answer.
    if (connection.stream.requests !== requestsBefore) serverReadsAtHead = connection.serverReads;
    while ((await forward(connection, inner, out)) && verdict === "upgrade?") {
      // Into a buffer of its own: the stream keeps the rest of the last read in `buffer` until the word.
      early ??= readAside(connection.client);
      const word = await switchedOrLeft(connection, early);
      if (word === undefined) return;
      if (typeof word === "object") {
        if ("refusal" in word) return refuseUpgrade(connection, inner, word.refusal, early, buffer);
        inner = await divert(connection, inner, word.backend, word.head);
      }
      verdict = connection.stream.answered(word !== false, out);
      if (word === true && connection.opening) {
        await Promise.race([connection.opening, connection.serverDone]);
        // Set meanwhile, by the WebSocket's `open` (TypeScript took it for still unset).
        const direct = connection.direct as DirectFrames | undefined;
        if (direct) {
          // What the client sent with its upgrade request: its first frames.
          for (const part of out) direct.fromClient(part);
          out.length = 0;
        }
      }
    }
    if (connection.serverEnded) continue;
    if (verdict === "refuse") return refuse(connection, inner, buffer, serverReadsAtHead);
    if (verdict === "too-big") return closeTooBig(connection, inner, buffer);
  }
}

/**
 * The handler's word on an upgrade, read alongside the client's connection: a client that closes
 * it (or drops it) meanwhile has left, and `undefined` says so once the connection is ended. Bytes
 * that come first (a client may pipeline) stay in `early`'s read, for after the word.
 */
async function switchedOrLeft(connection: FrontConnection, early: Promise<Uint8Array | null>): Promise<Word | undefined> {
  const decided: Promise<Word | "left"> = Promise.resolve(connection.switched());
  // A read that failed is the client gone too (the read loop does not await it again then).
  const gone = early.then((read): Promise<Word | "left"> | "left" => (read === null ? "left" : decided), (): "left" => "left");
  const word = await Promise.race([decided, gone]);
  if (word !== "left") return word;
  connection.clientLeft();
  end(connection);
  return undefined;
}

/** One read into a buffer of its own: the bytes, or null once the client closed its side. */
async function readAside(client: DenoConn): Promise<Uint8Array | null> {
  const aside = new Uint8Array(FIRST_READ_BYTES);
  const read = await client.read(aside);
  return read === null ? null : aside.subarray(0, read);
}

/** Writes what the reader let through to the server; false when the server went away meanwhile. */
async function forward(connection: FrontConnection, inner: DenoConn, out: Uint8Array[]): Promise<boolean> {
  try {
    for (const part of out) await writeAll(inner, part);
    return true;
  } catch {
    await connection.serverDone;
    return false;
  } finally {
    out.length = 0;
  }
}

async function serverToClient(connection: FrontConnection, inner: DenoConn): Promise<void> {
  let buffer = new Uint8Array(FIRST_READ_BYTES);
  let filled = false;
  for (;;) {
    // Safe to replace here: nothing read into the old buffer is still waiting to be written (queued writes are copies).
    const size = nextReadSize(buffer.length, filled, false);
    if (size !== buffer.length) buffer = new Uint8Array(size);
    const read = await inner.read(buffer).catch(() => null);
    // The client went to a backend (`divert`): this connection is no longer its server.
    if (connection.inner !== inner) return closeQuietly(inner);
    if (read === null) break;
    filled = read === buffer.length;
    connection.active = true;
    connection.serverReads++;
    if (connection.answersForNobody) continue;
    if (connection.onFirstBytes) {
      const told = connection.onFirstBytes;
      connection.onFirstBytes = undefined;
      told(buffer.subarray(0, read));
    }
    let bytes = buffer.subarray(0, read);
    if (connection.backendAnswer) {
      bytes = connection.backendAnswer.take(bytes);
      if (connection.backendAnswer.done) connection.backendAnswer = undefined;
      if (bytes.length === 0) continue;
    }
    // Behind the front's own frames: `Deno.serve` sends only control frames now, queued in order with them.
    if (connection.direct?.mode === "direct") {
      connection.direct.fromServer(bytes);
      continue;
    }
    try {
      if (connection.headEnd) {
        const end = connection.headEnd.find(bytes);
        if (end !== -1) {
          // A refused upgrade: an upgrade later on this connection could not be told from this answer's body.
          if (!connection.headEnd.switching) connection.notCarryable();
          connection.headEnd = undefined;
          await writeAll(connection.client, bytes.subarray(0, end));
          bytes = bytes.subarray(end);
          connection.headPassed = true;
          const direct = connection.direct;
          if (direct) {
            // The `101` is out: then the front's own frames written meanwhile, then the server's.
            direct.mode = "direct";
            direct.fromServer(bytes);
            continue;
          }
          if (bytes.length > 0) connection.notCarryable();
        }
      }
      await writeAll(connection.client, bytes);
    } catch {
      // The client went away: nothing more to deliver.
      return end(connection);
    }
  }
  connection.serverEnded = true;
  // Ended already (a reset, teardown), or a refusal or a close of the front's own ends it its way.
  if (connection.closed || connection.finishing) return;
  // `Deno.serve` dropped a connection whose data frames the front carries with no close frame: the
  // client's connection and the front's frames still queued for it go too, at once.
  if (connection.direct?.mode === "direct" && !connection.direct.server.closing) return end(connection);
  connection.finishing = true;
  if (connection.frames) {
    // The client's FIN goes after what is queued for it, which waits no longer than a closing WebSocket's grace.
    connection.grace = setTimeout(() => end(connection), WEBSOCKET_CLOSE_GRACE_MS);
    await connection.frames.toClient.idle();
    if (connection.closed) return;
    clearTimeout(connection.grace);
  }
  // The server is done: the client gets a FIN after its last byte, and what the client still
  // sends is dropped until it closes too (for a grace period at most). Closing under unread bytes
  // would reset the connection, and the client could lose that last answer or close frame (a
  // flooding WebSocket client saw 1006, not the hub's 1013).
  connection.client.closeWrite().catch(() => {});
  connection.grace = setTimeout(() => end(connection), connection.stream.upgraded ? WEBSOCKET_CLOSE_GRACE_MS : HTTP_CLOSE_GRACE_MS);
}

/**
 * The client goes to `backend` in the server's place (see `FrontConnection.divert`): the server's
 * connection, which holds nothing but that upgrade request, is closed, and the backend's bytes
 * are copied to the client as the server's were. Returns the connection the client's bytes now go to.
 */
async function divert(connection: FrontConnection, inner: DenoConn, backend: DenoConn, head: Uint8Array): Promise<DenoConn> {
  backend.setNoDelay(true);
  connection.inner = backend;
  connection.backendAnswer = new UpgradeAnswer();
  byInnerPort.delete(inner.localAddr.port);
  closeQuietly(inner);
  if (connection.closed) {
    closeQuietly(backend);
    return backend;
  }
  connection.serverDone = serverToClient(connection, backend);
  await writeAll(backend, head).catch(() => {});
  return backend;
}

/** The front's own answer to an upgrade request the handler holds (a backend that cannot be dialled), then the end. */
async function refuseUpgrade(connection: FrontConnection, inner: DenoConn, refusal: Uint8Array, early: Promise<Uint8Array | null>, buffer: Uint8Array): Promise<void> {
  connection.finishing = true;
  connection.inner = undefined;
  byInnerPort.delete(inner.localAddr.port);
  closeQuietly(inner);
  await writeAll(connection.client, refusal).catch(() => {});
  // What the client still sends is read and dropped until it closes (see `finish`), from the read already waiting on.
  const grace = setTimeout(() => end(connection), HTTP_CLOSE_GRACE_MS);
  try {
    await connection.client.closeWrite();
    if ((await early) !== null) while ((await connection.client.read(buffer)) !== null && !connection.closed);
  } catch {
    // Ended meanwhile.
  }
  clearTimeout(grace);
  end(connection);
}

/**
 * The backend a client was diverted to did not answer its upgrade: the client gets `refusal` in
 * its place and the connection ends (what the client still sends is dropped by the read loop,
 * which sees the backend's end).
 */
function refusePiped(connection: FrontConnection, refusal: Uint8Array): void {
  if (connection.closed || connection.finishing) return;
  connection.finishing = true;
  if (connection.inner) closeQuietly(connection.inner);
  void writeAll(connection.client, refusal)
    .then(() => connection.client.closeWrite())
    .catch(() => {})
    .finally(() => {
      if (!connection.closed) connection.grace = setTimeout(() => end(connection), HTTP_CLOSE_GRACE_MS);
    });
}

/**
 * Answers a refused head itself, after the server answered every request before it on the
 * connection (the client gets those answers, then the refusal): the server is then told the
 * client is done sending, so it closes once its last byte is out.
 */
async function refuse(connection: FrontConnection, inner: DenoConn, buffer: Uint8Array, serverReadsAtHead: number): Promise<void> {
  const { status, error } = connection.stream.refusal!;
  connection.finishing = true;
  if (connection.stream.bodyRefused) {
    // A chunked body refused part-way: the server has a request it can never finish, and waiting
    // for its answer hung the client for good (an intercept route that reads the body) or until
    // proxyTimeout. The requests before it are answered first (Deno takes one at a time), then
    // its handler hears that the client left. When the server has said nothing since that
    // request's head, its connection is dropped and the client gets the refusal, as from Node;
    // an answer already begun is let finish, the server getting the end of the stream in the
    // middle of the body.
    const before = connection.stream.requests - 1;
    const quiet = connection.answeredCount >= before && connection.serverReads === serverReadsAtHead;
    await connection.allAnswered(before);
    connection.clientLeft();
    if (quiet && connection.serverReads === serverReadsAtHead) {
      connection.inner = undefined;
      byInnerPort.delete(inner.localAddr.port);
      closeQuietly(inner);
      await writeAll(connection.client, refusalBytes(status, error)).catch(() => {});
    } else {
      await inner.closeWrite().catch(() => {});
      await connection.serverDone;
    }
    return finish(connection, buffer, HTTP_CLOSE_GRACE_MS);
  }
  await connection.allAnswered();
  await inner.closeWrite().catch(() => {});
  await connection.serverDone;
  await writeAll(connection.client, refusalBytes(status, error)).catch(() => {});
  await finish(connection, buffer, HTTP_CLOSE_GRACE_MS);
}

/**
 * A WebSocket message passed `maxMessageSize`: the server gets a close frame (1009) in the
 * client's place, at a frame boundary, so it drops what it collected and answers the client with
 * its own close frame, which the front passes on before it ends the connection.
 */
async function closeTooBig(connection: FrontConnection, inner: DenoConn, buffer: Uint8Array): Promise<void> {
  connection.finishing = true;
  await writeAll(inner, maskedCloseFrame(1009, "Message too big")).catch(() => {});
  let grace: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([connection.serverDone, new Promise((resolve) => (grace = setTimeout(resolve, WEBSOCKET_CLOSE_GRACE_MS)))]);
  clearTimeout(grace);
  await finish(connection, buffer, WEBSOCKET_CLOSE_GRACE_MS);
}

/**
 * Ends a connection the front is closing itself: its last bytes are followed by a FIN and what
 * the client still sends is read and dropped for a moment. Closing with unread bytes would send
 * a reset, and the client could lose the answer (or the close frame) before reading it.
 */
async function finish(connection: FrontConnection, buffer: Uint8Array, graceMs: number): Promise<void> {
  const grace = setTimeout(() => end(connection), graceMs);
  try {
    await connection.client.closeWrite();
    while ((await connection.client.read(buffer)) !== null && !connection.closed);
  } catch {
    // Ended meanwhile.
  }
  clearTimeout(grace);
  end(connection);
}

async function writeAll(conn: DenoConn, bytes: Uint8Array): Promise<void> {
  for (let written = await conn.write(bytes); written < bytes.length; written += await conn.write(bytes.subarray(written)));
}

function end(connection: FrontConnection): void {
  if (connection.closed) return;
  connection.closed = true;
  clearTimeout(connection.grace);
  connection.abandon();
  if (connection.inner) {
    // After `divert` the inner connection is a backend's, whose local port may be the very number
    // of another client's copied connection (Linux shares a local port across destinations):
    // deleting by number alone refused that client's next requests (403) at random.
    const port = connection.inner.localAddr.port;
    if (byInnerPort.get(port) === connection) byInnerPort.delete(port);
    closeQuietly(connection.inner);
  }
  closeQuietly(connection.client);
}

function closeQuietly(closable: { close(): void }): void {
  try {
    closable.close();
  } catch {
    // Already closed.
  }
}
