/**
 * The Bun adapter's WebSocket proxy behind its front (`_bun-front.ts`): the front hands the
 * client's connection to a TCP connection to the backend, as the Node adapter pipes its sockets
 * (`_node-pipe.ts`, which says why a pipe and not a relay of messages).
 *
 * Relaying through `Bun.serve` took every message across four sockets (client → front → server,
 * then the server's WebSocket to the backend) and decoded and re-encoded it on the way; the pipe
 * takes it across two, as it comes. The upgrade request is written to the backend with
 * x-forwarded-* added, and the backend's own answer reaches the client: its subprotocol,
 * extensions, close codes and ping/pong pass through by construction, and a backend that
 * refuses the upgrade refuses the client. A sender whose reader does not read is paused (TCP
 * backpressure, both ways), as on Node. Without the front (`resettableConnections: false`)
 * the server relays messages.
 */
import type { PipeUpgradeOptions } from "../src/platform.ts";
import { dialFor, divert, refuseUpgrade, type FrontLink } from "./_bun-front.ts";

const encoder = new TextEncoder();

export async function pipeUpgradeBun(request: Request, target: string, options: PipeUpgradeOptions): Promise<boolean> {
  const link = (request as { runtime?: { bun?: { front?: FrontLink } } }).runtime?.bun?.front;
  if (!link) return false;
  const url = new URL(target);
  const tls = url.protocol === "https:" || url.protocol === "wss:";
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  let backend;
  try {
    backend = await dialFor({ hostname, port: Number(url.port) || (tls ? 443 : 80), tls }, options.connectTimeout);
  } catch (error) {
    refuseUpgrade(link, 502, `WebSocket proxy: ${target} is unreachable: ${(error as Error).message}`);
    options.onAnswer?.(502);
    return true;
  }
  const connection = { close: () => link.reset() };
  options.connections.add(connection);
  link.onGone = () => options.connections.delete(connection);
  // The status line of the backend's answer ("HTTP/1.1 101 …") is in its first bytes.
  if (options.onAnswer) link.onFirstBytes = (bytes) => options.onAnswer!(statusOf(bytes));
  divert(link, backend, encoder.encode(requestHead(request, url, link.address)));
  return true;
}

/** The client's upgrade request, addressed to the backend, with x-forwarded-* added. */
function requestHead(request: Request, url: URL, address: string): string {
  const lines = [`${request.method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  let forwardedFor = "";
  request.headers.forEach((value, name) => {
    if (name === "x-forwarded-for") forwardedFor = `${value}, `;
    else if (name !== "host" && !name.startsWith("x-forwarded-")) lines.push(`${name}: ${value}`);
  });
  if (address) lines.push(`X-Forwarded-For: ${forwardedFor}${address}`);
  const host = request.headers.get("host");
  if (host) lines.push(`X-Forwarded-Host: ${host}`);
  lines.push("X-Forwarded-Proto: http");
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** The status of an HTTP/1.1 answer from its first bytes, or 502 when they are not one. */
function statusOf(bytes: Uint8Array): number {
  if (bytes.length < 12) return 502;
  const status = (bytes[9]! - 48) * 100 + (bytes[10]! - 48) * 10 + (bytes[11]! - 48);
  return status >= 100 && status <= 599 ? status : 502;
}
