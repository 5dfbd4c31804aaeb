/**
 * PROTOTYPE, bench only (recommendation for adapters/node.ts + src/server/_websocket.ts): on Node,
 * a proxied WebSocket upgrade becomes a TCP pipe to the backend, as `http-proxy` does, instead of
 * a message relay (crossws peer ↔ `ws` client). crossws hands the raw socket to the `upgrade`
 * hook (`request.runtime.node.upgrade`); answering `{ handled: true }` leaves it to us.
 *
 * What a pipe gives for free: the backend's own 101 answer reaches the client, so its subprotocol,
 * extensions (permessage-deflate), close codes and ping/pong pass through untouched, and no frame
 * is unmasked, decoded to a string, re-encoded and re-masked on the way (the relay does that
 * twice per message, in JS when `bufferutil` is absent). A backend that cannot be reached is
 * answered `502` on the raw socket.
 */
import net from "node:net";
import type { Duplex } from "node:stream";
import { serve } from "crossws/server/node";

interface NodeUpgrade {
  req: import("node:http").IncomingMessage;
  upgrade: { socket: Duplex; head: Buffer };
}

export function pipeUpgrade(request: Request, target: string): boolean {
  const node = (request as unknown as { runtime?: { node?: NodeUpgrade } }).runtime?.node;
  if (!node?.upgrade) return false;
  const { req, upgrade } = node;
  const { socket, head } = upgrade;
  const url = new URL(target);
  const upstream = net.connect(Number(url.port || 80), url.hostname);
  let connected = false;
  upstream.setNoDelay(true);
  (socket as net.Socket).setNoDelay?.(true);
  upstream.on("connect", () => {
    connected = true;
    let text = `${req.method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const key = raw[i]!;
      text += key.toLowerCase() === "host" ? `host: ${url.host}\r\n` : `${key}: ${raw[i + 1]}\r\n`;
    }
    text += `x-forwarded-host: ${req.headers.host ?? ""}\r\nx-forwarded-proto: http\r\n\r\n`;
    upstream.write(text);
    if (head.length) upstream.write(head);
    socket.pipe(upstream).pipe(socket);
  });
  upstream.on("error", (error) => {
    if (!connected) {
      const body = JSON.stringify({ error: `WebSocket proxy: ${target} is unreachable: ${error.message}` });
      socket.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    } else socket.destroy();
  });
  upstream.on("close", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
  socket.on("close", () => upstream.destroy());
  return true;
}

/** The prototype server: crossipc's listen options; upgrades on proxied paths become pipes. */
export async function startProtoWsPipe(resolver: (path: string) => string | undefined): Promise<{ port: number; close(): Promise<void> }> {
  const server = serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () => new Response("not found", { status: 404 }),
    websocket: {
      upgrade(request: Request) {
        const url = new URL(request.url);
        const target = resolver(url.pathname);
        if (!target) return new Response("no route", { status: 404 });
        const pathStart = request.url.indexOf("/", request.url.indexOf("//") + 2);
        if (pipeUpgrade(request, target.replace(/\/+$/, "") + request.url.slice(pathStart))) return { handled: true };
        return new Response("not on Node", { status: 500 });
      },
    },
    silent: true,
    gracefulShutdown: false,
    manual: true,
  } as never) as unknown as { serve(): unknown; ready(): Promise<unknown>; close(all?: boolean): Promise<void>; url?: string };
  await server.serve();
  await server.ready();
  return { port: Number(new URL(server.url!).port), close: () => server.close(true) };
}
