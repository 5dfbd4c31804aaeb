/**
 * Frees the idle timer Deno leaves running after a server WebSocket closed without a close
 * handshake, which otherwise keeps the process alive for up to half the `idleTimeout` (the
 * hub's `heartbeat`) after `teardown()`.
 *
 * Why (read in Deno's source, measured on 2.9.6): `Deno.upgradeWebSocket(req, { idleTimeout })`
 * arms a timer on the socket that pings the peer after `idleTimeout / 2` s of silence. Since
 * Deno 2.7.13 (denoland/deno#33121) that timer is an internal timer object, no longer a number:
 * the `close` listener `ext/http` adds to clear it calls `clearTimeout(object)`, which clears
 * nothing. Only a close frame from the peer cancels it itself; a connection that ends otherwise
 * (a crash, a kill, a protocol error) leaves it running, and it holds the process until it fires
 * (and then does nothing: the socket is closed). Still so in Deno 2.9.6 and in Deno's main
 * branch of 21 August 2026.
 *
 * Deno offers no way to clear or unref that timer from outside (`Deno.unrefTimer` takes only a
 * timer id). The socket's own re-arm method does cancel it properly: called once the socket is
 * closed with a duration of a few milliseconds, it cancels the leftover timer and arms one that
 * fires at once, finds the socket closed, and ends. The close code, the `close` event and the
 * liveness of open sockets are untouched (this runs only once the socket is closed).
 *
 * The method and the duration are Deno's internals, found by their symbols' descriptions: a
 * Deno without them (another version's layout) simply behaves as before, and nothing throws.
 */

const DURATION = "[[idleTimeout]]";
const REARM = "[[serverHandleIdleTimeout]]";
/** Seconds: half of it is below 1 ms, which Deno's timers round up to their least, 1 ms. */
const AT_ONCE = 0.001;
const CLOSED = 3;

/** After `ws` closes, lets its idle timer end at once instead of holding the process. */
export function releaseIdleTimerOnClose(ws: WebSocket): void {
  ws.addEventListener("close", () => releaseIdleTimer(ws));
}

function releaseIdleTimer(ws: WebSocket): void {
  try {
    if (ws.readyState !== CLOSED) return;
    const socket = ws as unknown as Record<symbol, unknown>;
    const duration = ownSymbol(ws, DURATION);
    const rearm = symbolInChain(ws, REARM);
    // No idle timeout (0): Deno armed no timer. Not a number, or no method: not the layout this knows.
    if (!duration || !rearm || typeof socket[duration] !== "number" || !((socket[duration] as number) > 0)) return;
    const method = socket[rearm];
    if (typeof method !== "function") return;
    socket[duration] = AT_ONCE;
    method.call(ws);
  } catch {
    // Another Deno's internals: the timer runs out as it would have.
  }
}

function ownSymbol(target: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(target).find((symbol) => symbol.description === description);
}

/** The re-arm symbol, looked up once per prototype: every server socket shares Deno's. */
const found = new WeakMap<object, symbol | undefined>();

function symbolInChain(target: object, description: string): symbol | undefined {
  const proto = Object.getPrototypeOf(target) as object | null;
  if (!proto) return undefined;
  if (found.has(proto)) return found.get(proto);
  let symbol: symbol | undefined;
  for (let at: object | null = proto; at && !symbol; at = Object.getPrototypeOf(at) as object | null) symbol = ownSymbol(at, description);
  found.set(proto, symbol);
  return symbol;
}
