/**
 * The Node adapter's WebSocket proxy: a TCP pipe from crossws's upgrade hook, through the steps
 * every runtime shares (`_upgrade-pipe.ts`).
 *
 * Relaying messages (what a hub does where it has no raw connection) unmasks, decodes, re-encodes
 * and re-masks every frame twice; the bench measured it at 0.2–0.6× of a raw pipe for 64 KiB
 * messages. On Node crossws hands the hook the client's socket, so the upgrade request is written
 * to the backend as it came (plus x-forwarded-*) and the two sockets are piped. The backend's own
 * 101 reaches the client: its subprotocol, extensions, close codes and ping/pong pass through by
 * construction, and a backend that refuses the upgrade refuses the client.
 */
import type { IncomingMessage } from "node:http";
import net, { type Socket } from "node:net";
import tls from "node:tls";
import type { PipeUpgradeOptions } from "../src/platform.ts";
import { latin1, pipeToBackend, serviceAuthorizationLine, UPGRADE_CONNECTION, UpgradeAnswer, type DialTarget, type PipedClient } from "./_upgrade-pipe.ts";

interface NodeUpgrade {
  req: IncomingMessage;
  upgrade?: { socket: Socket; head: Buffer };
}

export async function pipeUpgradeNode(request: Request, target: string, options: PipeUpgradeOptions): Promise<boolean> {
  const node = (request as { runtime?: { node?: NodeUpgrade } }).runtime?.node;
  return node?.upgrade ? pipeToBackend(pipedSocket(node.req, node.upgrade.socket, node.upgrade.head), request, target, options) : false;
}

/** The client's socket as the shared pipe needs it. */
function pipedSocket(req: IncomingMessage, client: Socket, early: Buffer): PipedClient<Socket> {
  let backend: Socket | undefined;
  /** The client is getting a 502 of the hub's own: its close waits for the answer to go out. */
  let refusing = false;
  const piped: PipedClient<Socket> = {
    get closed() {
      return client.destroyed;
    },
    address: client.remoteAddress,
    dial: connect,
    drop: (socket) => socket.destroy(),
    // Node keeps the raw header lines: names, order and repeats go out as they came.
    rawHead: (url, via) => latin1(requestHead(req, url, via)),
    divert(socket, head) {
      backend = socket;
      const done = () => {
        if (!client.destroyed && refusing) return;
        client.destroy();
        socket.destroy();
      };
      client.once("close", () => {
        socket.destroy();
        piped.onGone?.();
      });
      client.on("error", done);
      socket.once("close", done).on("error", done);
      client.setNoDelay(true);
      socket.setNoDelay(true);
      socket.once("data", (chunk: Buffer) => piped.onFirstBytes?.(chunk));
      socket.write(head);
      if (early.length) socket.write(early);
      client.pipe(socket);
      // The answer's head goes through `UpgradeAnswer`, then the backend's bytes are piped as they come.
      const answer = new UpgradeAnswer();
      const answerHead = (chunk: Buffer) => {
        const bytes = answer.take(chunk);
        if (bytes.length) client.write(bytes);
        if (!answer.done) return;
        socket.off("data", answerHead);
        socket.pipe(client);
      };
      socket.on("data", answerHead);
    },
    refuse(answer) {
      refusing = true;
      if (backend) {
        client.unpipe(backend);
        backend.unpipe(client);
        backend.destroy();
      }
      client.end(answer);
    },
    reset() {
      client.destroy();
      backend?.destroy();
    },
    onFirstBytes: undefined,
    onGone: undefined,
  };
  return piped;
}

function connect(target: DialTarget): Promise<Socket> {
  const { hostname: host, port } = target;
  return new Promise((resolve, reject) => {
    const socket = target.tls ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    socket.once(target.tls ? "secureConnect" : "connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** The client's upgrade request, addressed to the backend, with x-forwarded-* (and the service's credentials) added and `via` in place of its `Via` lines. */
function requestHead(req: IncomingMessage, url: URL, via: string): string {
  const lines = [`${req.method} ${url.pathname}${url.search} HTTP/1.1`];
  const raw = req.rawHeaders;
  let forwardedFor = "";
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === "host") lines.push(`Host: ${url.host}`);
    else if (name === "connection") {
      if (!lines.includes(UPGRADE_CONNECTION)) lines.push(UPGRADE_CONNECTION);
    }
    else if (name === "x-forwarded-for") forwardedFor = `${raw[i + 1]}, `;
    else if (name !== "via" && !name.startsWith("x-forwarded-")) lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  const authorization = serviceAuthorizationLine(url, req.headers.authorization !== undefined);
  if (authorization) lines.push(authorization);
  const ip = req.socket.remoteAddress;
  if (ip) lines.push(`X-Forwarded-For: ${forwardedFor}${ip}`);
  if (req.headers.host) lines.push(`X-Forwarded-Host: ${req.headers.host}`);
  lines.push("X-Forwarded-Proto: http");
  lines.push(`Via: ${via}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}
