/**
 * On a Deno hub: a client that leaves while the hub waits for a remote fault's owner to take the
 * count ends that wait, and its fault never starts (journaled 499; the service never sees it).
 * test/node/remote-fault-client-left.test.ts has the why.
 */
import assert from "node:assert/strict";
import { Deno, startServer } from "./_deno.ts";

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
  const closed = new Promise((resolve) => ws.addEventListener("close", resolve, { once: true }));
  return {
    send: (frame: string) => ws.send(frame),
    async next(): Promise<string> {
      while (frames.length === 0) await new Promise<void>((wake) => waiters.push(wake));
      return frames.shift()!;
    },
    close: async () => {
      ws.close();
      await closed;
    },
  };
}

Deno.test("a Deno hub: a client that leaves while a remote fault's count is asked gets no fault started (journaled 499)", async () => {
  const server = await startServer({ proxyTimeout: 60_000 });
  let served = 0;
  server.interceptHttp("GET", "/faulted", () => {
    served++;
    return "the service";
  });
  server.interceptHttp("GET", "/after", () => "after");
  const raw = await rawSocket(server.getPort());
  try {
    raw.send('r:1:__crossipc/mocks/hello:{"protocol":1}');
    assert.match(await raw.next(), /"success":true/);
    raw.send(`r:2:__crossipc/faults/add:${JSON.stringify({ scope: null, match: { path: "/faulted" }, fault: { bandwidth: 1_000_000 } })}`);
    assert.match(await raw.next(), /"success":true/);
    const leave = new AbortController();
    const request = fetch(`${server.getUrl()}/faulted`, { signal: leave.signal }).catch(() => "left");
    const asked = /^r:([^:]+):__crossipc\/faults\/hits:/.exec(await raw.next());
    assert.ok(asked, "the owner was asked to take the count");
    leave.abort();
    assert.equal(await request, "left");
    let entry = server.journal.entries({ path: "/faulted" })[0];
    for (let i = 0; i < 300 && entry?.status === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      entry = server.journal.entries({ path: "/faulted" })[0];
    }
    assert.equal(entry?.status, 499);
    raw.send(`s:${asked[1]}:__crossipc/faults/hits:{"success":true}`);
    const after = await fetch(`${server.getUrl()}/after`);
    assert.equal(after.status, 200);
    await after.text();
    assert.equal(served, 0, "the service never saw the request whose client had left");
  } finally {
    await raw.close();
    await server.teardown();
  }
});
