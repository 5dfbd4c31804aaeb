/**
 * A TCP front for `Deno.serve`, so that a `reset` fault can drop a client's connection: a
 * `Deno.serve` handler has no socket, an erroring body sends a 200 head first, and serving a
 * connection of one's own (`serveHttpOnConnection`) takes the connection's resource away from
 * its `Deno.Conn` (closing it then throws BadResource).
 *
 * The front accepts on the public port and pipes each connection to `Deno.serve` on a loopback
 * port; the handler finds the client's connection by the port its piped connection came from.
 * Measured on this machine (2 cores, shared): a plain answer went from ~4–10k to ~1.4–1.6k req/s,
 * hence opt-in (`IPCServerOptions.resettableConnections`). `node:http` under Deno could destroy
 * a socket too, but served ~1.9k req/s and would replace the whole Deno server.
 */

interface NetAddr {
  hostname: string;
  port: number;
}
interface DenoConn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  setNoDelay(noDelay?: boolean): void;
  close(): void;
}
interface DenoListener extends AsyncIterable<DenoConn> {
  readonly addr: NetAddr;
  close(): void;
}
declare const Deno: {
  listen(options: { hostname: string; port: number }): DenoListener;
  connect(options: { hostname: string; port: number }): Promise<DenoConn>;
};

/** A client's connection and the piped one behind it. */
interface Pair {
  client: DenoConn;
  inner?: DenoConn;
}

/** Fronts by the inner port of each piped connection, for `resetByInnerPort`. */
const byInnerPort = new Map<number, Pair>();

export interface TcpFront {
  readonly port: number;
  /** Starts piping to the server listening on `innerPort`. */
  start(innerPort: number): void;
  close(): void;
}

/** Binds the public port (throws AddrInUse as `Deno.serve` would). */
export function listenFront(hostname: string, port: number): TcpFront {
  const listener = Deno.listen({ hostname, port });
  const pairs = new Set<Pair>();
  let closed = false;
  const accept = async (innerPort: number) => {
    try {
      for await (const client of listener) void pipe(client, innerPort, pairs);
    } catch {
      // The listener was closed.
    }
  };
  return {
    port: listener.addr.port,
    start: (innerPort) => void accept(innerPort),
    close() {
      if (closed) return;
      closed = true;
      try {
        listener.close();
      } catch {
        // Already closed.
      }
      for (const pair of pairs) end(pair);
      pairs.clear();
    },
  };
}

/** The client's address behind a piped connection (for `request.ip`). */
export function clientAddress(innerPort: number | undefined): NetAddr | undefined {
  return innerPort === undefined ? undefined : byInnerPort.get(innerPort)?.client.remoteAddr;
}

/** Drops the client connection behind the piped connection from `innerPort`; false when none is known. */
export function resetByInnerPort(innerPort: number | undefined): boolean {
  const pair = innerPort === undefined ? undefined : byInnerPort.get(innerPort);
  if (!pair) return false;
  end(pair);
  return true;
}

async function pipe(client: DenoConn, innerPort: number, pairs: Set<Pair>): Promise<void> {
  const pair: Pair = { client };
  pairs.add(pair);
  try {
    client.setNoDelay(true);
    const inner = await Deno.connect({ hostname: "127.0.0.1", port: innerPort });
    inner.setNoDelay(true);
    pair.inner = inner;
    byInnerPort.set(inner.localAddr.port, pair);
    // Each direction closes its destination when its source ends (half-close), as TCP does.
    await Promise.allSettled([client.readable.pipeTo(inner.writable), inner.readable.pipeTo(client.writable)]);
  } catch {
    // Either side failed: both end.
  } finally {
    pairs.delete(pair);
    end(pair);
  }
}

function end(pair: Pair): void {
  if (pair.inner) byInnerPort.delete(pair.inner.localAddr.port);
  for (const conn of [pair.client, pair.inner]) {
    try {
      conn?.close();
    } catch {
      // Already closed (pipeTo closes what it finished).
    }
  }
}
