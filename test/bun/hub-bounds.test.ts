/**
 * What a peer can make a Bun hub hold is bounded as on a Node hub (README, "What a peer can make
 * the hub hold"): journal waits per connection, replays' HARs per connection, and a remote
 * fault's count wait ends when its client leaves, the fault never started.
 * test/node/mocks-journal-waits, replay-har-budget and remote-fault-client-left have the why.
 */
import { expect, test } from "bun:test";
import { crossipc, startServer } from "./_setup.ts";

const MiB = 1024 * 1024;

function har(path: string, size: number) {
  const text = "r".repeat(size);
  return {
    log: {
      version: "1.2",
      creator: { name: "test", version: "1" },
      entries: [{
        startedDateTime: new Date(0).toISOString(), time: 1,
        request: { method: "GET", url: `http://hub${path}`, httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
        response: { status: 200, statusText: "OK", httpVersion: "HTTP/1.1", cookies: [], headers: [], content: { size: text.length, mimeType: "text/plain", text }, redirectURL: "", headersSize: -1, bodySize: text.length },
        cache: {}, timings: { send: 0, wait: 1, receive: 0 },
      }],
    },
  };
}

/** A framework connection that speaks the wire itself: frames as they come. */
async function rawSocket(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/__ggFrameworkConnection`);
  const frames: string[] = [];
  const waiters: Array<() => void> = [];
  ws.addEventListener("message", (event) => {
    frames.push(String(event.data));
    waiters.splice(0).forEach((wake) => wake());
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  return {
    send: (frame: string) => ws.send(frame),
    async next(): Promise<string> {
      while (frames.length === 0) await new Promise<void>((wake) => waiters.push(wake));
      return frames.shift()!;
    },
    close: () => ws.close(),
  };
}

test("a Bun hub refuses a connection's 101st open journal wait naming the limit", async () => {
  const server = await startServer();
  const mocks = await crossipc.connectMocks(server.getPort());
  try {
    for (let i = 0; i < 100; i++) mocks.waitFor({ path: `/never/${i}` }, 60_000).catch(() => {});
    const refused = await mocks.waitFor({ path: "/never" }, 60_000).then(() => "accepted", (error: Error) => error.message);
    expect(refused).toContain("This connection already waits for 100 journal entries, the most one connection may (100 waitFor open at once)");
  } finally {
    await mocks.close();
    await server.teardown();
  }
});

test("a Bun hub holds at most 8 × maxMessageSize of one connection's replays' HARs, naming the limit past it", async () => {
  const server = await startServer({ maxMessageSize: MiB });
  const mocks = await crossipc.connectMocks(server.getPort());
  try {
    const size = Math.floor(0.9 * MiB);
    const held = [];
    for (let i = 0; i < 8; i++) held.push(await mocks.replay(har(`/a${i}`, size)));
    const refused = await mocks.replay(har("/a8", size)).then(() => "accepted", (error: Error) => error.message);
    expect(refused).toContain("would pass the 8.0 MiB one connection's replays may hold (8 × maxMessageSize)");
    await held[0]!.remove();
    await mocks.replay(har("/a8", size));
  } finally {
    await mocks.close();
    await server.teardown();
  }
});

test("a Bun hub: a client that leaves while a remote fault's count is asked gets no fault started (journaled 499)", async () => {
  const server = await startServer({ proxyTimeout: 60_000 });
  let served = 0;
  server.interceptHttp("GET", "/faulted", () => {
    served++;
    return "the service";
  });
  const raw = await rawSocket(server.getPort());
  try {
    raw.send('r:1:__crossipc/mocks/hello:{"protocol":1}');
    expect(await raw.next()).toContain('"success":true');
    raw.send(`r:2:__crossipc/faults/add:${JSON.stringify({ scope: null, match: { path: "/faulted" }, fault: { bandwidth: 1_000_000 } })}`);
    expect(await raw.next()).toContain('"success":true');
    const leave = new AbortController();
    const request = fetch(`${server.getUrl()}/faulted`, { signal: leave.signal }).catch(() => "left");
    const asked = /^r:([^:]+):__crossipc\/faults\/hits:/.exec(await raw.next());
    expect(asked === null).toBe(false);
    leave.abort();
    expect(await request).toBe("left");
    let entry = server.journal.entries({ path: "/faulted" })[0];
    for (let i = 0; i < 300 && entry?.status === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      entry = server.journal.entries({ path: "/faulted" })[0];
    }
    expect(entry?.status).toBe(499);
    raw.send(`s:${asked![1]}:__crossipc/faults/hits:{"success":true}`);
    // Another request after the late answer: the service saw only that one.
    server.interceptHttp("GET", "/after", () => "after");
    expect((await fetch(`${server.getUrl()}/after`)).status).toBe(200);
    expect(served).toBe(0);
  } finally {
    raw.close();
    await server.teardown();
  }
});
