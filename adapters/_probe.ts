/**
 * `Platform.probeConnect` for every runtime: Bun's and Deno's WebSocket error events say nothing
 * about why a connection failed, so the address is asked again over a plain TCP connection
 * (`node:net`, which all three runtimes have and which reports Node's system codes on each).
 * It sends a plain GET (no upgrade, so the server never sees a framework client come and go).
 */
import type { ConnectProbe } from "../src/platform.ts";

/** More than any status line (`HTTP/1.1 426 Upgrade Required\r\n` and a long reason phrase). */
const MAX_STATUS_LINE = 1024;

export async function probeConnect(url: string, timeoutMs: number): Promise<ConnectProbe> {
  const { connect } = await import("node:net");
  const target = new URL(url);
  const secure = target.protocol === "wss:" || target.protocol === "https:";
  const port = Number(target.port) || (secure ? 443 : 80);
  return new Promise<ConnectProbe>((resolve) => {
    const socket = connect({ host: target.hostname.replace(/^\[|\]$/g, ""), port });
    let head = "";
    const done = (result: ConnectProbe) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ code: "ETIMEDOUT" }), timeoutMs);
    socket.on("connect", () => {
      // Over TLS a plain request means nothing: that the TCP connection was accepted is all it learns.
      if (secure) return done({ status: 0 });
      socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`);
    });
    socket.on("data", (chunk: Uint8Array) => {
      head += new TextDecoder("latin1").decode(chunk);
      const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head);
      if (status) done({ status: Number(status[1]) });
      // Not an HTTP answer: one line, or the most a status line takes, tells. Whatever holds the
      // port could send megabytes with no line feed, which were kept and searched again with
      // each chunk until the timeout (2 s of CPU; the connect then failed "ETIMEDOUT").
      else if (head.length > MAX_STATUS_LINE || head.includes("\n")) done({ status: 0 });
    });
    socket.on("error", (error: Error & { code?: string }) => done({ code: error.code ?? "ECONNRESET" }));
    // Closed before a single byte of answer: the server dropped the connection.
    socket.on("close", () => done({ code: "ECONNRESET" }));
  });
}

/** `Platform.env` where `process.env` may be read freely (Node, Bun). */
export function processEnv(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}
