/**
 * crossipc on Deno: `Deno.serve` with crossws's Deno adapter.
 *
 * Not through srvx (nor h3, which imports it): srvx's modules check for colour support when
 * they load, reading `TERM`, and Deno refuses that read without `--allow-env`, so importing
 * crossipc would die in a terminal where `NO_COLOR` is not set ("NotCapable: Requires env
 * access to \"TERM\""). A client or server on loopback needs only `--allow-net`.
 */
import "./_only-deno.ts"; // first: see there
import type { Hooks, Peer } from "crossws";
import denoAdapter from "crossws/adapters/deno";
import WebSocket from "crossws/websocket";
import { ProxyError, setPlatform, type WebSocketConstructor } from "../src/platform.ts";
import { setTimerUnref } from "../src/_timers.ts";
import { proxyHttpDeno } from "./_deno-proxy.ts";
import { isUpgrade, listenWith, namespaceOf, unlessTakenElsewhere, type ServeOptions, type SrvxServer } from "./_listen.ts";
import { probeConnect } from "./_probe.ts";
import { machineNames } from "./_machine-names.ts";
import { fronted, listenFront, type FrontConnection, type FrontOptions } from "./_deno-front.ts";
import { pipeUpgradeDeno } from "./_deno-pipe.ts";
import { releaseIdleTimerOnClose } from "./_deno-idle-timer.ts";
import { cloneQuietly } from "./_deno-quiet-clone.ts";
import { malformedWebRequest, refusalResponse } from "./_request-line.ts";

/** The part of the `Deno` namespace used here (the package's types must not need Deno's). */
interface ServeHandlerInfo {
  remoteAddr?: { hostname: string; port: number };
  completed?: Promise<void>;
}
interface DenoServer {
  shutdown(): Promise<void>;
  finished?: Promise<void>;
}
declare const Deno: {
  unrefTimer(id: number): void;
  addSignalListener(signal: "SIGWINCH", handler: () => void): void;
  serve(
    options: {
      port: number;
      hostname: string;
      onListen(addr: { hostname: string; port: number }): void;
      onError(error: unknown): Response;
    },
    handler: (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>,
  ): DenoServer;
  permissions: { querySync(descriptor: { name: "env"; variable: string } | { name: "net"; host?: string } | { name: "sys"; kind: "hostname" | "networkInterfaces" }): { state: string } };
  hostname(): string;
  networkInterfaces(): Array<{ address: string }>;
  env: { get(name: string): string | undefined };
  version: { deno: string };
};
/**
 * Deno's WebSocket, asked for the permission first: without it, `new WebSocket(url)` put up Deno's
 * prompt in a terminal, which blocks the whole process (the connect timeout cannot fire), so
 * `connect()` hung instead of rejecting. The constructor throws instead, and `connect()` rejects
 * with `ERR_IPC_CONNECT` naming the flag, as it did without a terminal (Deno's own `NotCapable`).
 */
class DenoWebSocket {
  constructor(url: string, ...rest: unknown[]) {
    const denied = netDenied(String(url));
    if (denied) throw new Error(`Deno has no net permission for ${denied}: run with --allow-net=${denied} (crossipc never lets Deno prompt)`);
    return new (WebSocket as unknown as new (url: string, ...rest: unknown[]) => object)(url, ...rest);
  }
}

setTimerUnref((id) => Deno.unrefTimer(id));

setPlatform({
  runtime: "deno",
  version: Deno.version.deno,
  WebSocket: DenoWebSocket as unknown as WebSocketConstructor,
  proxyHttp: (request, target, options) => {
    const refusal = netRefusal(target);
    return refusal ? Promise.reject(new ProxyError(502, refusal)) : proxyHttpDeno(request, target, options);
  },
  dialRefusal: netRefusal,
  // A handler's `new Response("text")` goes out with its length only while nobody read its `body` getter.
  bodyGetterChangesAnswer: true,
  // Behind the front a proxied WebSocket is a byte pipe to its backend; without it, a relay.
  pipeUpgrade: pipeUpgradeDeno,
  // Behind the front a framework connection's data frames skip `Deno.serve`; without it, crossws carries them.
  directFrames: (peer, receive, maxUnread, maxText) => frontOf(peer as Peer)?.carryFrames(receive, maxUnread, maxText),
  // Without `--allow-env`, reading would throw (or prompt in a terminal): ask first, silently.
  env: (name) => (Deno.permissions.querySync({ name: "env", variable: name }).state === "granted" ? Deno.env.get(name) : undefined),
  probeConnect,
  // Without `--allow-sys`, reading would throw (or prompt in a terminal): ask first, silently.
  machineNames: () =>
    machineNames(
      mayReadSys("hostname") ? Deno.hostname() : undefined,
      mayReadSys("networkInterfaces") ? Deno.networkInterfaces().map((info) => info.address) : [],
    ),
  resetConnection(request) {
    const info = (request as { runtime?: { deno?: { info?: ServeHandlerInfo } } }).runtime?.deno?.info;
    // The TCP front drops the client's connection; `Deno.serve` alone cannot.
    const connection = fronted(info?.remoteAddr?.port);
    connection?.reset();
    return connection ? new Response(null) : undefined;
  },
  listen: async (options) => {
    const refusal = listenRefusal(options.hostname, options.port);
    if (refusal) throw new Error(refusal);
    const front = options.resettable !== false && loopbackAllowed();
    const listener = await listenWith(serve, options, {
      // Deno's `idleTimeout: N` pings after N/2 s without a message from the peer and drops it
      // if nothing came N/2 s later (its default N is 30). Twice the heartbeat gives a peer the
      // whole heartbeat to answer, as Node's hub does (a busy client, or a large message in the
      // way of its pong, had only half), and finds a dead one within 2 heartbeats, as Node.
      // Deno drops a frame of 64 MiB or more itself (1006) and has no other size limit: the
      // front closes a message past `maxMessageSize` while it arrives (1009), and the core
      // checks the framework path's own limit in the message hook.
      websocket: { deno: { idleTimeout: options.idleTimeout * 2 } },
      serve: {
        maxRequests: options.maxConnections,
        front: front && {
          keepAliveTimeout: options.keepAliveTimeout ?? DEFAULT_KEEP_ALIVE_TIMEOUT,
          maxConnections: options.maxConnections,
          maxMessageSize: options.maxMessageSize,
        } satisfies FrontOptions,
      },
    });
    // Said once the port is bound (a takeover retries the bind), since nothing else would show
    // it: the hub serves, but not as the README describes.
    if (listener && options.resettable !== false && !front) {
      options.warn?.(
        "Serving without the TCP front: Deno may not dial 127.0.0.1 on any port (--allow-net=127.0.0.1 grants it). " +
          "A reset fault then sends a 200 head and fails the body, and the front's bounds are off (README: What each runtime bounds)",
      );
    }
    return listener;
  },
});

/** Seconds an idle connection stays open: Bun's default, the most issue 21 allows, and far above clients' own pool timeouts, so the server rarely closes first. */
const DEFAULT_KEEP_ALIVE_TIMEOUT = 120;
/** How soon a listener that lost its accept loop tries the port again. */
const RELISTEN_MS = 250;
let signalsReady = false;

/**
 * Deno 2.9 panics (`ext/signals`: "Too many open files") when it first sets up signal handling
 * while the process is out of file descriptors, which an accept failure leads to. A listener
 * for SIGWINCH (ignored by default, so nothing changes; it keeps nothing alive) sets that up
 * while descriptors are still there. Windows has no SIGWINCH; Workers may not listen.
 */
function initSignals(): void {
  if (signalsReady) return;
  signalsReady = true;
  try {
    Deno.addSignalListener("SIGWINCH", () => {});
  } catch {
    // Nothing to set up ahead, or not allowed here.
  }
}

/**
 * The front dials `Deno.serve` on 127.0.0.1: without the permission for it (a hub run with
 * `--allow-net=0.0.0.0` only), dialling would put up Deno's prompt and freeze the hub, so it
 * serves without the front instead.
 */
function loopbackAllowed(): boolean {
  return Deno.permissions.querySync({ name: "net", host: "127.0.0.1" }).state === "granted";
}

/** Whether Deno lets the hub read `kind` (`--allow-sys`), asked without a prompt. */
function mayReadSys(kind: "hostname" | "networkInterfaces"): boolean {
  return Deno.permissions.querySync({ name: "sys", kind }).state === "granted";
}

/** Hosts already found granted: a permission granted stays granted (a revoke is not looked for). */
const granted = new Set<string>();
let allNetGranted: boolean | undefined;

/**
 * Why Deno may not dial `target`, or `undefined`. Without the permission, dialling would put up
 * Deno's prompt in a terminal and freeze the whole hub (dashboard, framework connections) until
 * someone answers, offering "allow all" on the way; asked first, the request answers 502 instead.
 * With all of the network granted (`--allow-net`, `-A`) this is one check per request.
 */
function netRefusal(target: string): string | undefined {
  const name = netDenied(target);
  return name && `Deno has no net permission for ${name}: run the hub with --allow-net=${name} (crossipc never prompts)`;
}

/**
 * The `host:port` Deno has not granted for `target` (a URL), or `undefined` when it may be used.
 * Asked with `querySync`, which never prompts.
 */
function netDenied(target: string): string | undefined {
  if ((allNetGranted ??= Deno.permissions.querySync({ name: "net" }).state === "granted")) return undefined;
  const start = target.indexOf("//") + 2;
  const end = target.indexOf("/", start);
  const authority = end === -1 ? target.slice(start) : target.slice(start, end);
  if (granted.has(authority)) return undefined;
  // The host as `fetch` will dial it: the URL parser decodes and lower-cases it and reads IPv4 in
  // any form. Asked as written, `%6cocalhost` made the query throw, the dial went on to
  // `localhost` and Deno's prompt froze the hub; `127.1` was refused under --allow-net=127.0.0.1.
  // Not a service URL's `user:password@` either (the refusal, logged and sent, would show it).
  let name: string;
  try {
    const url = new URL(target);
    name = `${url.hostname}:${url.port || (/^(https|wss):$/.test(url.protocol) ? 443 : 80)}`;
  } catch {
    return undefined; // Not a URL: the dial fails with its own error before any prompt.
  }
  let state: string;
  try {
    state = Deno.permissions.querySync({ name: "net", host: name }).state;
  } catch {
    state = "unknown"; // A host Deno cannot check: refused, never dialled (the dial could prompt).
  }
  if (state === "granted") {
    if (granted.size < 1024) granted.add(authority);
    return undefined;
  }
  return name;
}

/**
 * Why Deno may not listen on `hostname:port`, or `undefined`. Deno's prompt would block `start()`
 * in a terminal (a leader election that never ends); asked first, `start()` rejects naming the flag.
 */
function listenRefusal(hostname: string, port: number): string | undefined {
  const host = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  const denied = netDenied(`http://${host}:${port}`);
  // Port 0 (any free port) is granted only by the host alone: `--allow-net=127.0.0.1`.
  const flag = port === 0 ? denied?.slice(0, denied.lastIndexOf(":")) : denied;
  return denied && `Deno has no net permission to listen on ${denied}: run with --allow-net=${flag} (crossipc never lets Deno prompt)`;
}

/**
 * What `crossws/server/deno` does over srvx, on `Deno.serve` itself (see the top of the file),
 * with the fixes below applied to the fetch handler and the hooks. Like srvx with crossipc's
 * options: prints nothing (Deno's own "Listening on" and error logs are replaced), no signal
 * handlers, and the request carries `runtime.deno` and `ip` as srvx's requests do.
 */
function serve({ port, hostname, fetch, websocket, ...rest }: ServeOptions): SrvxServer {
  const { options: native, ...hooks } = websocket;
  const ws = denoAdapter({ hooks: denoHooks(hooks), getNamespace: namespaceOf, ...(native?.["deno"] as object) });
  let server: DenoServer | undefined;
  let listening: Promise<{ hostname: string; port: number }> | undefined;
  let url: string | undefined;
  // Bound first, so a taken public port throws here, as Deno.serve would.
  const front = rest["front"] ? listenFront(hostname, port, rest["front"] as FrontOptions) : undefined;
  // Behind the front, Deno.serve listens on a loopback port of its own.
  let innerPort = front ? 0 : port;
  const maxRequests = rest["maxRequests"] as number;
  let inProgress = 0;
  const requestEnded = () => void inProgress--;
  const handler = (request: Request, info: ServeHandlerInfo) => {
    const connection = front && fronted(info.remoteAddr?.port);
    // Behind the front every connection is the front's: one it does not know came round it (any
    // local program can dial the loopback port), or its client has gone already (an upgrade
    // answered then would leave Deno holding a socket that never opens, for good).
    if (front && !connection) return refusalResponse(403, "Not through the hub's front");
    Object.defineProperties(request, {
      // `front`: `info.remoteAddr` throws once the request has ended, and a WebSocket's `open` comes after.
      runtime: { enumerable: true, value: { name: "deno", deno: { info, server, front: connection } } },
      ip: { enumerable: true, configurable: true, get: () => (connection ? connection.clientAddress : info.remoteAddr)?.hostname },
    });
    // The front's idle timeout never cuts a request in progress: from here to `completed`.
    if (connection && info?.completed) connection.handle(info.completed);
    // After a request that may switch protocols, the front holds the client's next bytes until it
    // knows whether it did: it is told even when answering throws.
    if (connection && request.headers.has("upgrade")) {
      let response: Response | Promise<Response>;
      try {
        response = answer(request, info, connection);
      } catch (error) {
        response = Promise.reject(error);
      }
      return connection.answer(response);
    }
    return answer(request, info, connection);
  };
  const answer = (request: Request, info: ServeHandlerInfo, connection: FrontConnection | undefined) => {
    // Deno's parser lets a missing Host and absolute-form targets through (RFC 9112 refuses them).
    const refusal = malformedWebRequest(request);
    if (refusal) return refusal;
    // An upgrade gets the quiet signal too: a `timeout` fault holds it until its client leaves.
    if (isUpgrade(request)) return ws.handleUpgrade(withQuietSignal(request, info, connection), info);
    if (!connection && info?.completed) {
      // Without the front, requests in progress are what can be counted (as on Bun).
      if (inProgress >= maxRequests) return refusalResponse(503, `More than ${maxRequests} requests at once`);
      inProgress++;
      info.completed.then(requestEnded, requestEnded);
    }
    return fetch(withQuietSignal(request, info, connection));
  };
  let closing = false;
  const listen = (onListen: (addr: { hostname: string; port: number }) => void) => {
    server = Deno.serve({ port: innerPort, hostname: front ? "127.0.0.1" : hostname, onListen, onError: () => new Response("Internal Server Error", { status: 500 }) }, handler);
    // Out of file descriptors, Deno.serve's accept loop ends and `finished` rejects ("Too many
    // open files"); unobserved, that killed the process. The port is taken again instead, once
    // descriptors are free (the taken connections keep being served meanwhile).
    server.finished?.catch(() => {
      // Not unref'd: while the port is down, this is what keeps a hub process alive.
      if (!closing) setTimeout(relisten, RELISTEN_MS);
    });
  };
  const relisten = () => {
    if (closing) return;
    try {
      listen(() => {});
    } catch {
      setTimeout(relisten, RELISTEN_MS);
    }
  };
  return {
    serve() {
      listening ??= new Promise((resolve) => {
        initSignals();
        listen((addr) => {
          // Later listens (after an accept failure) must take the same port.
          innerPort = addr.port;
          if (front) {
            front.start(addr.port);
            addr = { hostname, port: front.port };
          }
          url = `http://${addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname}:${addr.port}`;
          resolve(addr);
        });
      });
      return listening;
    },
    websocketNamespaces: () => ws.peers.size,
    ready: () => listening ?? Promise.reject(new Error("not serving")),
    close: async () => {
      closing = true;
      // The front takes no more connections but lets the server's last bytes (a teardown's
      // close frames) reach the clients before it ends the rest, within a bound: `shutdown`
      // also waits for them to go (a stream that never ends would hold it).
      front?.stopAccepting();
      await Promise.all([server?.shutdown(), front?.close()]);
    },
    get url() {
      return url;
    },
  };
}

/**
 * Reading `request.signal` inside `Deno.serve` prints a "legacy abort" warning to stderr
 * (h3's `proxyRequest` reads it). The request gets a signal of its own instead, aborted when
 * the client goes away before the response is delivered: what `signal` is meant to say.
 */
function withQuietSignal(request: Request, info: ServeHandlerInfo, connection: FrontConnection | undefined): Request {
  const controller = new AbortController();
  // `completed` settles once the answer is delivered or the client left: the request has ended.
  info?.completed?.catch((error: unknown) => controller.abort(error));
  // Behind the front, also when the client leaves before the answer (`completed` waits for it).
  if (connection) {
    connection.request = controller;
    if (connection.gone) controller.abort(new DOMException("The client went away", "AbortError"));
  }
  Object.defineProperty(request, "signal", { value: controller.signal, configurable: true });
  // `clone()` reads the inner signal too, and would print the same warning.
  cloneQuietly(request);
  return request;
}

/**
 * crossws's Deno adapter, corrected where Deno differs:
 * - `Deno.upgradeWebSocket` splits `Sec-WebSocket-Protocol` only on `", "`, so the offers of a
 *   `ws` client (joined with `","`) never match the protocol the upgrade hook chose: 500.
 * - the adapter passes `{}` to the `close` hook, losing the close code and reason a proxied
 *   backend must get: they are read from the socket's own `close` event.
 * - binary messages must arrive as `ArrayBuffer` to be relayed; Deno 2.9's server sockets
 *   default to it, but the WHATWG default (and Deno's client sockets') is `Blob`: set it.
 * - a socket that closed without a close handshake leaves Deno's idle timer holding the process
 *   for up to `heartbeat` seconds: it is released (`_deno-idle-timer.ts`).
 */
function denoHooks(hooks: Partial<Hooks> & { options?: Record<string, any> }): Partial<Hooks> {
  const relayed = new WeakSet<Peer>();
  return {
    ...hooks,
    async upgrade(request) {
      normaliseProtocolOffers(request);
      // The front took the client to the backend (`pipeUpgradeDeno`), or the client left while
      // the upgrade was decided: upgrading then would leave Deno a socket that never opens and is
      // never freed.
      const outcome = await hooks.upgrade?.(request);
      return unlessTakenElsewhere(outcome, request.signal.aborted);
    },
    open(peer) {
      const ws = peer.websocket as WebSocket;
      ws.binaryType = "arraybuffer";
      relayed.add(peer);
      // Deno's close event after an error carries code 0, where a WebSocket reports 1006.
      ws.addEventListener("close", (event) => hooks.close?.(peer, { code: event.code === 0 ? 1006 : event.code, reason: event.reason }));
      releaseIdleTimerOnClose(ws);
      try {
        return hooks.open?.(peer);
      } finally {
        // The front held the client's frames until now: the core has taken them (`directFrames`) or not.
        frontOf(peer)?.opened();
      }
    },
    close(peer, details) {
      // After `open` the socket's own listener reports the close, with its code.
      if (!relayed.has(peer)) return hooks.close?.(peer, details);
    },
    error(peer, error) {
      // An opened socket's error is always followed by its close event (1006 for a connection
      // that ended without a close frame), which ends it as on Node and Bun; taken here first, the
      // hub ended it with its error code (a mock's `onClose` saw 1011 on Deno only).
      if (!relayed.has(peer)) return hooks.error?.(peer, error);
    },
  };
}

/** The front connection under a crossws peer, if the hub has a front. */
function frontOf(peer: Peer): FrontConnection | undefined {
  return (peer.request as { runtime?: { deno?: { front?: FrontConnection } } } | undefined)?.runtime?.deno?.front;
}

/**
 * Rejoins `a,b` (how `ws` clients send their offers) as `a, b`. The request's own headers are
 * immutable in `Deno.serve`, and `Deno.upgradeWebSocket` needs this very request, so the
 * `headers` it reads are replaced on the instance.
 */
function normaliseProtocolOffers(request: Request): void {
  const offered = request.headers.get("sec-websocket-protocol");
  if (!offered || !/,(?! )/.test(offered)) return;
  const headers = new Headers(request.headers);
  headers.set("sec-websocket-protocol", offered.split(",").map((p) => p.trim()).filter(Boolean).join(", "));
  Object.defineProperty(request, "headers", { value: headers, configurable: true });
}

export * from "../src/index.ts";
