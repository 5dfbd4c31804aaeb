/**
 * Request bodies through the Bun hub's front (adapters/_bun-front.ts) to a proxied backend, byte
 * for byte. The front copies what the Unix socket to `Bun.serve` does not take at once, and what a
 * pipelined request sends while it waits for the answer before it, and writes a head with its
 * stamp (and a small body) in one write from a buffer it reuses and a large body after it on its
 * own: a buffer reused under it, a part dropped or sent out of order would change what the backend
 * reads. The bodies run behind the front and on `Bun.serve` alone; pipelining behind the front
 * only (`Bun.serve` alone closes such a connection unanswered: oven-sh/bun#38128).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { connect as tcpConnect } from "node:net";
import { startServer } from "./_setup.ts";

declare const Bun: {
  serve(options: { hostname: string; port: number; fetch(request: Request): Promise<Response> | Response }): { port: number; stop(closeActive?: boolean): void };
};

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Bytes that differ from one offset to the next (`seed` tells bodies apart). */
function pattern(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + seed) % 251;
  return bytes;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Answers `<length>:<sha256>:<stamped>` for the body it read (slowly, so that the hub's side
 * backs up), after `?delay=` ms; `stamped` is whether a front's header reached it.
 */
let backend: { port: number; stop(closeActive?: boolean): void };

beforeAll(() => {
  backend = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const delay = Number(new URL(request.url).searchParams.get("delay") ?? 0);
      const parts: Uint8Array[] = [];
      let length = 0;
      if (request.body) {
        for await (const part of request.body) {
          parts.push(part);
          length += part.length;
          // A reader slower than the client: the copy to `Bun.serve` fills and waits.
          if (parts.length % 8 === 0) await sleep(1);
        }
      }
      const body = new Uint8Array(length);
      let at = 0;
      for (const part of parts) {
        body.set(part, at);
        at += part.length;
      }
      if (delay) await sleep(delay);
      const stamped = [...request.headers.keys()].some((name) => name.startsWith("x-crossipc-front"));
      return new Response(`${length}:${sha(body)}:${stamped}`);
    },
  });
});

afterAll(() => backend.stop(true));

async function proxyHub(resettableConnections: boolean) {
  const server = await startServer({ resettableConnections });
  server.setRouteProxyResolver((path) => (path.startsWith("/api/") ? `http://127.0.0.1:${backend.port}` : undefined));
  return server;
}

for (const resettableConnections of [true, false]) {
  const where = resettableConnections ? "behind the front" : "on Bun.serve alone";

  test(`POST bodies from 0 bytes to 4 MiB reach the backend whole, ${where}`, async () => {
    const server = await proxyHub(resettableConnections);
    try {
      // Around the front's 16 KiB join and past what the Unix socket takes in one write.
      for (const [length, seed] of [[0, 1], [5, 2], [16 * 1024 - 300, 3], [16 * 1024, 4], [64 * 1024 + 1, 5], [256 * 1024, 6], [4 * 1024 * 1024 + 3, 7]] as const) {
        const body = pattern(length, seed);
        const response = await fetch(`${server.getUrl()}/api/upload`, { method: "POST", body });
        expect(response.status).toBe(200);
        expect(await response.text()).toBe(`${length}:${sha(body)}:false`);
      }
    } finally {
      await server.teardown();
    }
  });
}

test("requests pipelined behind a slow answer keep their bodies and their order, behind the front", async () => {
  const server = await proxyHub(true);
  try {
    const first = pattern(300 * 1024, 11);
    const second = pattern(20 * 1024, 12);
    const third = pattern(3, 13);
    const post = (path: string, body: Uint8Array, close = false) => {
      const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n${close ? "Connection: close\r\n" : ""}\r\n`;
      const bytes = new Uint8Array(head.length + body.length);
      bytes.set(new TextEncoder().encode(head));
      bytes.set(body, head.length);
      return bytes;
    };
    const socket = tcpConnect(server.getPort(), "127.0.0.1");
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    // The first request's answer comes late; the next two arrive while it is awaited, in one write.
    socket.write(post("/api/first?delay=150", first));
    await sleep(50);
    const rest = new Uint8Array([...post("/api/second", second), ...post("/api/third", third, true)]);
    socket.write(rest);
    await ended;
    const text = Buffer.concat(received).toString("latin1");
    const answers = [...text.matchAll(/\r\n\r\n(\d+:[0-9a-f]{64}:(?:true|false))/g)].map((match) => match[1]);
    expect(answers).toEqual([`${first.length}:${sha(first)}:false`, `${second.length}:${sha(second)}:false`, `${third.length}:${sha(third)}:false`]);
  } finally {
    await server.teardown();
  }
});
