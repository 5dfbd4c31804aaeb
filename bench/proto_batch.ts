/**
 * PROTOTYPE, bench only (recommendation for adapters/node.ts and the client's WebSocket on
 * Node): batch every frame sent in one tick into one `writev`. `ws` writes each message with its
 * own cork/uncork, so 64 answers produced from one TCP read cost 64 syscalls (`writev` is
 * 55–60% of the server's self time at 64 in flight). Corking the socket at the first send of a
 * tick and uncorking in `process.nextTick` (which runs after the promise jobs that produce the
 * other answers) sends them together. Latency at 1 in flight is unchanged: the uncork happens
 * in the same turn of the event loop.
 *
 * Here it patches the `ws` that crossws bundles (server peers, and the client on Node 20);
 * `globalThis.__crossipcBatch` switches it on, so the same process can measure both ways.
 */
import process from "node:process";

let installed = false;

export async function installBatching(): Promise<void> {
  if (installed) return;
  installed = true;
  const websocketModule = import.meta.resolve("crossws/websocket");
  const wsChunk = new URL("../_chunks/libs/ws.mjs", websocketModule).href;
  const { import_websocket } = (await import(wsChunk)) as { import_websocket: { default: { prototype: any } } };
  const proto = import_websocket.default.prototype;
  const send = proto.send as (...args: unknown[]) => void;
  proto.send = function (this: { _socket?: import("node:net").Socket; __corked?: boolean }, ...args: unknown[]) {
    const socket = this._socket;
    if ((globalThis as { __crossipcBatch?: boolean }).__crossipcBatch && socket && !this.__corked) {
      this.__corked = true;
      socket.cork();
      process.nextTick(() => {
        this.__corked = false;
        socket.uncork();
      });
    }
    return send.apply(this, args);
  };
}

export function setBatching(on: boolean): void {
  (globalThis as { __crossipcBatch?: boolean }).__crossipcBatch = on;
}

/**
 * The same idea on Bun (prototype for adapters/bun.ts): Bun's `ServerWebSocket.send` writes at
 * once unless inside `ws.cork()`, and crossipc answers in a promise job, outside the message
 * callback that uWS corks by itself. Here every server socket's sends of one tick are queued and
 * written in one `cork()` at `process.nextTick`. The prototype is reached through a throwaway
 * connection (all server sockets share one prototype).
 */
export async function installBunBatching(): Promise<void> {
  const Bun = (globalThis as { Bun?: any }).Bun;
  if (!Bun || installed) return;
  installed = true;
  let proto: any;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request: Request, srv: any) => (srv.upgrade(request) ? undefined : new Response("")),
    websocket: { open: (ws: any) => (proto = Object.getPrototypeOf(ws)), message() {} },
  });
  const client = new WebSocket(`ws://127.0.0.1:${server.port}/`);
  await new Promise<void>((resolve) => {
    const check = () => (proto ? resolve() : setTimeout(check, 5));
    check();
  });
  client.close();
  await server.stop(true);
  const send = proto.send as (this: any, data: unknown, compress?: boolean) => number;
  const queues = new Map<any, unknown[]>();
  proto.send = function (this: any, data: unknown, compress?: boolean): number {
    if (!(globalThis as { __crossipcBatch?: boolean }).__crossipcBatch) return send.call(this, data, compress);
    let queue = queues.get(this);
    if (!queue) {
      const q: unknown[] = [];
      queue = q;
      queues.set(this, q);
      process.nextTick(() => {
        queues.delete(this);
        this.cork(() => {
          for (const frame of q) send.call(this, frame);
        });
      });
    }
    queue.push(data);
    return typeof data === "string" ? data.length : (data as Uint8Array).byteLength;
  };
}
