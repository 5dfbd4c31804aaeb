/**
 * The Node adapter's WebSocket proxy: a TCP pipe from crossws's upgrade hook.
 *
 * Relaying messages (what a hub does where it has no raw connection) unmasks, decodes, re-encodes and re-masks every frame
 * twice; the bench measured it at 0.2–0.6× of a raw pipe for 64 KiB messages. On Node crossws
 * hands the hook the client's socket, so the upgrade request is written to the backend as it came
 * (plus x-forwarded-*) and the two sockets are piped. The backend's own 101 reaches the client:
 * its subprotocol, extensions, close codes and ping/pong pass through by construction, and a
 * backend that refuses the upgrade refuses the client.
 */
import type { IncomingMessage } from "node:http";
import net, { type Socket } from "node:net";
import tls from "node:tls";
import type { PipeUpgradeOptions } from "../src/platform.ts";

interface NodeUpgrade {
  req: IncomingMessage;
  upgrade?: { socket: Socket; head: Buffer };
}

export async function pipeUpgradeNode(request: Request, target: string, options: PipeUpgradeOptions): Promise<boolean> {
  const node = (request as { runtime?: { node?: NodeUpgrade } }).runtime?.node;
  if (!node?.upgrade) return false;
  const { socket: client, head } = node.upgrade;
  const url = new URL(target);
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  const port = Number(url.port) || (secure ? 443 : 80);

  const deadline = Date.now() + options.connectTimeout;
  let backend: Socket;
  try {
    backend = await connect(secure, url.hostname, port, options.connectTimeout);
  } catch (error) {
    refuse(client, 502, `WebSocket proxy: ${target} is unreachable: ${(error as Error).message}`);
    options.onAnswer?.(502);
    return true;
  }
  // The client left while the backend was dialled: its `close` has come and gone.
  if (client.destroyed) {
    backend.destroy();
    return true;
  }
  const connection = {
    close() {
      client.destroy();
      backend.destroy();
    },
  };
  options.connections.add(connection);
  /** The backend did not answer in time: the client gets its 502 before it goes. */
  let refusing = false;
  const done = () => {
    clearTimeout(silence);
    options.connections.delete(connection);
    if (refusing) return;
    client.destroy();
    backend.destroy();
  };
  // A backend that takes the connection but never answers the upgrade would hold the client for
  // good: `connectTimeout` bounds the whole upgrade, as it does for a relay.
  const silence = setTimeout(() => {
    refusing = true;
    client.unpipe(backend);
    backend.unpipe(client);
    backend.destroy();
    refuse(client, 502, `WebSocket proxy: ${target} did not answer the upgrade within ${options.connectTimeout}ms`);
    options.onAnswer?.(502);
  }, Math.max(0, deadline - Date.now()));
  client.once("close", done).on("error", done);
  backend.once("close", done).on("error", done);
  client.setNoDelay(true);
  backend.setNoDelay(true);

  backend.once("data", (chunk: Buffer) => {
    clearTimeout(silence);
    // The status line of the backend's answer ("HTTP/1.1 101 …") is in its first bytes.
    options.onAnswer?.(Number(chunk.toString("latin1", 9, 12)) || 502);
  });
  // Node read the head's bytes as latin1 (a byte per character): they go out as they came.
  backend.write(requestHead(node.req, url), "latin1");
  if (head.length) backend.write(head);
  client.pipe(backend);
  backend.pipe(client);
  return true;
}

function connect(secure: boolean, host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = secure ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    const timer = setTimeout(() => socket.destroy(new Error(`no connection within ${timeoutMs}ms`)), timeoutMs);
    socket.once(secure ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** The client's upgrade request, addressed to the backend, with x-forwarded-* added. */
function requestHead(req: IncomingMessage, url: URL): string {
  const lines = [`${req.method} ${url.pathname}${url.search} HTTP/1.1`];
  const raw = req.rawHeaders;
  let forwardedFor = "";
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === "host") lines.push(`Host: ${url.host}`);
    else if (name === "x-forwarded-for") forwardedFor = `${raw[i + 1]}, `;
    else if (!name.startsWith("x-forwarded-")) lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  const ip = req.socket.remoteAddress;
  if (ip) lines.push(`X-Forwarded-For: ${forwardedFor}${ip}`);
  if (req.headers.host) lines.push(`X-Forwarded-Host: ${req.headers.host}`);
  lines.push("X-Forwarded-Proto: http");
  return `${lines.join("\r\n")}\r\n\r\n`;
}

function refuse(socket: Socket, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
