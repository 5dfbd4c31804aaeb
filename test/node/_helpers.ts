import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import { IPCServer, INTERNAL_SOCKET_PATH, type IPCServerOptions } from "../../adapters/node.ts";

/** Starts a server on 127.0.0.1, port 0, and registers its teardown with the test. */
export async function startServer(t: { after(fn: () => unknown): void }, options?: IPCServerOptions): Promise<IPCServer> {
  const server = new IPCServer(0, options);
  if (!(await server.start())) throw new Error("could not start the test server");
  t.after(() => server.teardown());
  return server;
}

/** Listens on 127.0.0.1:0 with `server` (its open connections cut at the test's end); its port. */
export async function listenOnLoopback(t: { after(fn: () => unknown): void }, server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/** The status a WebSocket upgrade to `url` is answered with (101 when it opened; it is closed then). */
export function upgradeStatus(url: string, headers?: Record<string, string>): Promise<number> {
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve) => {
    ws.on("unexpected-response", (_request, res) => resolve(res.statusCode ?? 0));
    ws.on("open", () => {
      ws.close();
      resolve(101);
    });
    ws.on("error", () => undefined);
  });
}

/** A raw `ws` client on the framework path, as tests of the original open them. */
export async function rawSocket(port: number, query = "", headers?: Record<string, string>): Promise<RawSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}${query}`, { headers });
  const frames: string[] = [];
  const waiters: Array<() => void> = [];
  ws.on("message", (data, isBinary) => {
    frames.push(isBinary ? `<binary ${(data as Buffer).length}>` : data.toString());
    waiters.splice(0).forEach((w) => w());
  });
  await once(ws, "open");
  return {
    ws,
    frames,
    send: (frame: string | Buffer) => ws.send(frame),
    async next(): Promise<string> {
      while (frames.length === 0) await new Promise<void>((r) => waiters.push(r));
      return frames.shift()!;
    },
    close: () => ws.close(),
  };
}

export interface RawSocket {
  ws: WebSocket;
  frames: string[];
  send(frame: string | Buffer): void;
  next(): Promise<string>;
  close(): void;
}

/** A real node:http backend on 127.0.0.1:0. */
export async function startBackend(
  t: { after(fn: () => unknown): void },
  handler: http.RequestListener,
): Promise<{ server: http.Server; url: string; port: number }> {
  const server = http.createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { server, url: `http://127.0.0.1:${port}`, port };
}

/** Resolves when `predicate` holds, polling; rejects after `ms` with `what` in the message. */
export async function waitFor(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Settles to the rejection error of `promise`, failing if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected a rejection");
}

/** A port on 127.0.0.1 that nothing listens on, outside the ephemeral range (see there why). */
export { deadPort } from "../matrix/_backend.ts";

/**
 * The mocks matrix's hub (test/fixtures/mocks-hub.ts) in a Node process of its own, as `crossipc
 * hub` runs: a test that stalls or floods this process cannot stall the hub. Its backend is never called.
 */
export async function mocksHubProcess(t: { after(fn: () => unknown): void }): Promise<{ port: number; pid: number }> {
  const hub = spawn(process.execPath, ["--import", "tsx", "test/fixtures/mocks-hub.ts", "--backend", "http://127.0.0.1:9"], { stdio: ["pipe", "pipe", "inherit"] });
  t.after(() => {
    hub.kill("SIGCONT"); // a test may have stopped it
    hub.kill("SIGKILL");
  });
  let out = "";
  hub.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  await waitFor(() => out.includes("\n"), "the hub process to start", 20_000);
  return { port: JSON.parse(out.slice(0, out.indexOf("\n"))).port, pid: hub.pid! };
}
