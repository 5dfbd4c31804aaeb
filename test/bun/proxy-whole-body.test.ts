/**
 * A proxied request body of known length up to `Platform.proxyWholeBody` is read whole before
 * Bun's `fetch` sends it (src/server/_wholeBody.ts): a streamed one whose answer came before
 * `fetch` saw the stream end cost a new backend connection (~2 of 3 POSTs of 256 KiB through the
 * front). The backend here is raw TCP, so that it counts connections and reads each request's
 * head and body as sent; the clients send bodies in pieces, as the front hands them on.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { connect as tcpConnect, createServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { getPlatform } from "../../src/platform.ts";
import { startServer } from "./_setup.ts";

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pattern(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + seed) % 251;
  return bytes;
}

interface Seen {
  head: string;
  length: number;
  sha: string;
}

/** Answers `ok` once a request's `content-length` bytes are in; counts connections, keeps each request's head and body hash. */
let backend: { url: string; server: NetServer; connections: number; seen: Seen[]; heads: string[] };

beforeAll(async () => {
  const state = { url: "", server: undefined as unknown as NetServer, connections: 0, seen: [] as Seen[], heads: [] as string[] };
  state.server = createServer((socket) => {
    state.connections++;
    let pending = Buffer.alloc(0);
    let head: string | undefined;
    let length = 0;
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (head === undefined) {
          const end = pending.indexOf("\r\n\r\n");
          if (end < 0) return;
          head = pending.subarray(0, end).toString("latin1");
          state.heads.push(head);
          length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          pending = pending.subarray(end + 4);
        }
        if (pending.length < length) return;
        state.seen.push({ head, length, sha: sha(pending.subarray(0, length)) });
        pending = pending.subarray(length);
        head = undefined;
        socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => state.server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  backend = state;
});

afterAll(() => backend.server.close());

async function proxyHub(proxyTimeout = 30_000, resettableConnections = true) {
  const server = await startServer({ proxyTimeout, resettableConnections });
  server.setRouteProxyResolver((path) => (path.startsWith("/api/") ? backend.url : undefined));
  return server;
}

async function open(port: number): Promise<Socket> {
  const socket = tcpConnect(port, "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return socket;
}

/** Sends a POST's head, then its body in `pieces` writes 2 ms apart. */
async function sendInPieces(socket: Socket, path: string, body: Uint8Array, pieces: number) {
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\nX-Case: pieces\r\n\r\n`);
  const step = Math.ceil(body.length / pieces);
  for (let at = 0; at < body.length; at += step) {
    await sleep(2);
    socket.write(body.subarray(at, at + step));
  }
}

/** The next answer on a keep-alive connection (its status and body; answers here have a content-length). */
function answer(socket: Socket): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let bytes = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      bytes = Buffer.concat([bytes, chunk]);
      const end = bytes.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = bytes.subarray(0, end).toString("latin1");
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (bytes.length < end + 4 + length) return;
      socket.off("data", onData);
      socket.off("error", reject);
      resolve({ status: Number(head.split(" ")[1]), body: bytes.subarray(end + 4, end + 4 + length).toString() });
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}

const bound = getPlatform().proxyWholeBody!;

test("the Bun hub reads a proxied body of known length up to 1 MiB whole", () => {
  expect(bound).toBe(1024 * 1024);
});

test("POSTs of 256 KiB whose bodies arrive in pieces reuse the hub's backend connections", async () => {
  const server = await proxyHub();
  const before = backend.connections;
  try {
    const clients = 4;
    const each = 12;
    const body = pattern(256 * 1024, 1);
    await Promise.all(
      Array.from({ length: clients }, async () => {
        const socket = await open(server.getPort());
        for (let i = 0; i < each; i++) {
          const answered = answer(socket);
          await sendInPieces(socket, "/api/upload", body, 4);
          expect(await answered).toEqual({ status: 200, body: "ok" });
        }
        socket.destroy();
      }),
    );
    // One per client connection at most, and a few spare: streamed, ~2 of 3 of the 48 requests opened one.
    expect(backend.connections - before).toBeLessThanOrEqual(clients + 2);
  } finally {
    await server.teardown();
  }
});

test("bodies around the bound reach the backend byte for byte, with the same head whether read whole or streamed", async () => {
  const server = await proxyHub();
  try {
    const socket = await open(server.getPort());
    const heads: string[] = [];
    for (const [length, seed] of [[1, 2], [bound - 1, 3], [bound, 4], [bound + 1, 5]] as const) {
      const body = pattern(length, seed);
      const seen = backend.seen.length;
      const answered = answer(socket);
      await sendInPieces(socket, `/api/size-${length}`, body, 5);
      expect(await answered).toEqual({ status: 200, body: "ok" });
      const got = backend.seen[seen]!;
      expect([got.length, got.sha]).toEqual([length, sha(body)]);
      expect(got.head).toMatch(new RegExp(`\\r\\ncontent-length: ${length}(\\r\\n|$)`, "i"));
      expect(got.head).not.toMatch(/transfer-encoding/i);
      // The same header lines, but for the path and the length (and the ports in them).
      heads.push(got.head.replace(/size-\d+/, "").replace(/content-length: \d+/i, "content-length: N").replace(/127\.0\.0\.1:\d+|port: \d+/g, "P"));
    }
    socket.destroy();
    expect(new Set(heads).size).toBe(1);
  } finally {
    await server.teardown();
  }
});

for (const resettableConnections of [true, false]) {
  const where = resettableConnections ? "behind the front" : "on Bun.serve alone";

  test(`a client that stops mid-body gets the proxy's 504 at proxyTimeout and nothing reaches the backend; past the bound its body streams, ${where}`, async () => {
    const server = await proxyHub(600, resettableConnections);
    try {
      for (const length of [64 * 1024, bound + 1]) {
        const heads = backend.heads.length;
        const socket = await open(server.getPort());
        const answered = answer(socket);
        socket.write(`POST /api/stalled-${resettableConnections}-${length} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${length}\r\n\r\n`);
        socket.write(pattern(1000, 6));
        const { status, body } = await answered;
        socket.destroy();
        expect(status).toBe(504);
        expect(JSON.parse(body).error).toMatch(/^Proxy timeout: http:\/\/127\.0\.0\.1:\d+\/api\/stalled-\w+-\d+ did not answer within 600ms$/);
        // Held by the hub within the bound: the backend never heard of it. Past it: streamed, head first.
        const reached = backend.heads.slice(heads).some((head) => head.includes(`/api/stalled-${resettableConnections}-${length} `));
        expect(reached).toBe(length > bound);
      }
    } finally {
      await server.teardown();
    }
  });

  test(`a client that leaves mid-body is journaled as leaving (499) and nothing reaches the backend, ${where}`, async () => {
    const server = await proxyHub(30_000, resettableConnections);
    try {
      const heads = backend.heads.length;
      const socket = await open(server.getPort());
      socket.write(`POST /api/left-${resettableConnections} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${256 * 1024}\r\n\r\n`);
      socket.write(pattern(1000, 7));
      await sleep(100);
      socket.destroy();
      for (let i = 0; i < 100 && server.journal.entries({ path: `/api/left-${resettableConnections}` }).length === 0; i++) await sleep(20);
      const [entry] = server.journal.entries({ path: `/api/left-${resettableConnections}` });
      expect(entry?.status).toBe(499);
      expect(entry?.error ?? "").toMatch(/^The client went away before http:\/\/127\.0\.0\.1:\d+\/api\/left-\w+ answered$/);
      await sleep(100);
      expect(backend.heads.slice(heads).some((head) => head.includes(`/api/left-${resettableConnections} `))).toBe(false);
    } finally {
      await server.teardown();
    }
  });
}
