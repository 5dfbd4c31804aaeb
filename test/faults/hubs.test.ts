/**
 * Faults on hubs running under Node, Bun and Deno (test/fixtures/faults-hub.ts), added over
 * `/__crossipc/api/faults` from this Node process: status and `times`, latency accuracy, bandwidth,
 * a real connection reset (fetch rejects; a raw TCP client gets no HTTP bytes), and a timeout
 * that leaves the hub healthy.
 */
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, describe, test, type TestContext } from "node:test";
import { connectMocks, HubRequests, IPCClient, passthrough } from "../../adapters/node.ts";
import { WebSocket } from "ws";
import { RUNTIMES, start, waitExit, type Child } from "../matrix/_spawn.ts";

for (const runtime of RUNTIMES) {
  describe(`a hub under ${runtime}`, () => {
    let hub: Child;
    let base = "";
    before(async () => {
      hub = start(runtime, "test/fixtures/faults-hub.ts");
      const { port } = await hub.nextJson<{ port: number }>(60_000, "listening port");
      base = `http://127.0.0.1:${port}`;
    });
    after(async () => {
      hub.proc.stdin.end();
      await hub.nextJson(10_000, "teardown confirmation");
      await waitExit(hub, 10_000, "exit after teardown");
      assert.equal(hub.stderr().trim(), "", "the hub printed nothing");
    });
    const addFault = async (match: unknown, fault: unknown) => {
      const res = await fetch(`${base}/__crossipc/api/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ match, fault }) });
      assert.equal(res.status, 201, await res.clone().text());
      return (await res.json()) as { id: string };
    };
    const clear = () => fetch(`${base}/__crossipc/api/faults`, { method: "DELETE" });

    test("status with times: exactly n answered with the status, then the route answers again", async () => {
      await addFault({ method: "GET", path: "/echo/:id" }, { status: 503, times: 3 });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${base}/echo/${i}`)).status);
      assert.deepEqual(statuses, [503, 503, 503, 200, 200]);
      assert.deepEqual((await (await fetch(`${base}/__crossipc/api/faults`)).json()).faults, []);
    });

    // 1 s, not 100 ms: +10% of 100 ms is 10 ms, less than a loaded machine moves a p50. At load
    // 9-15 on 2 cores the 100 ms fault's added p50 measured 103-128 ms (5 of 9 runs of this file
    // failed on some hub), the p50 of unfaulted requests itself moving by tens of ms between runs;
    // at load 17-24 a 500 ms fault measured up to +75 ms. A timer never fires early either way.
    test("latency: the p50 of the added delay is within +10% of 1 s", async () => {
      await addFault({ path: "/echo/slow" }, { latency: 1000 });
      const time = async (path: string) => {
        const started = performance.now();
        await (await fetch(`${base}${path}`)).text();
        return performance.now() - started;
      };
      const base_ = [];
      const slow = [];
      for (let i = 0; i < 11; i++) {
        base_.push(await time("/echo/fast"));
        slow.push(await time("/echo/slow"));
      }
      // A timer never fires early, so every faulted request took 1 s more than its work; the
      // added delay (against unfaulted requests, which carry the machine's noise) stays under +10%.
      assert.ok(median(slow) >= 999, `p50 ${median(slow).toFixed(1)} ms`);
      const added = median(slow) - median(base_);
      assert.ok(added <= 1100, `added ${added.toFixed(1)} ms`);
      await clear();
    });

    test("bandwidth: 60 KB at 40 KB/s takes 1.5 s within 10%", async () => {
      await addFault({ path: "/bytes/:n" }, { bandwidth: 40_000 });
      // Timed from the head to the body's end: the fault shapes the body, not the request's way in.
      const response = await fetch(`${base}/bytes/60000`);
      const started = performance.now();
      const body = await response.arrayBuffer();
      const seconds = (performance.now() - started) / 1000;
      assert.equal(body.byteLength, 60_000);
      assert.ok(seconds >= 1.35 && seconds <= 1.65, `${seconds.toFixed(2)} s`);
      await clear();
    });

    test("bandwidth slows at most 1,000 answers at once: the next is answered 503 naming the bound and not taken; a client that leaves gives its place back", async () => {
      await addFault({ path: "/bytes/:n" }, { bandwidth: 1 });
      const held: http.ClientRequest[] = [];
      const get = () =>
        new Promise<{ status: number; body: string; request: http.ClientRequest }>((resolve, reject) => {
          const request = http.get(`${base}/bytes/100`, { agent: false }, (res) => {
            // A slowed body sends its first byte at once; a refusal is read whole.
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              body += chunk;
              if (res.statusCode === 200) resolve({ status: 200, body, request });
            });
            res.on("end", () => resolve({ status: res.statusCode!, body, request }));
          });
          request.on("error", (error) => (request.destroyed ? undefined : reject(error)));
        });
      try {
        for (let i = 0; i < 10; i++) {
          const answers = await Promise.all(Array.from({ length: 100 }, get));
          held.push(...answers.map((answer) => answer.request));
          assert.deepEqual(new Set(answers.map((answer) => `${answer.status} ${answer.body}`)), new Set(["200 a"]));
        }
        const refused = await get();
        assert.equal(refused.status, 503);
        assert.deepEqual(JSON.parse(refused.body), { error: "Fault injected: bandwidth, but the hub already slows 1000 answers at once (its most): this request was not taken" });
        const journaled = (await (await fetch(`${base}/__crossipc/api/journal?status=503&path=/bytes/100`)).json()) as { entries: Array<{ takenBy: string; fault?: { kind: string } }> };
        assert.deepEqual(journaled.entries.map((entry) => [entry.takenBy, entry.fault?.kind]), [["none", "bandwidth"]], "the route did not take it");
        held.shift()!.destroy();
        await until(async () => {
          const next = await get();
          if (next.status === 200) held.push(next.request);
          return next.status === 200;
        }, "the place of the client that left to be given back");
      } finally {
        held.forEach((request) => request.destroy());
        await clear();
      }
      await fetch(`${base}/__crossipc/api/journal`, { method: "DELETE" });
    });

    test("reset: fetch rejects with a network error, a raw client gets no HTTP bytes", async () => {
      await addFault({ path: "/echo/reset" }, { reset: true });
      await assert.rejects(fetch(`${base}/echo/reset`), TypeError);
      const raw = await rawRequest(base, "/echo/reset");
      assert.equal(raw.bytes, "", "no HTTP bytes");
      assert.equal((await fetch(`${base}/echo/1`)).status, 200, "the hub answers the next request");
      await clear();
    });

    test("scope.fault from another process: only that scope's requests, gone with the scope", async () => {
      const mocks = await connectMocks(base);
      try {
        const scope = mocks.scope();
        await scope.fault({ path: "/echo/:id" }, { status: 418 });
        assert.equal((await fetch(`${base}/echo/1`, { headers: scope.headers })).status, 418);
        assert.equal((await fetch(`${base}/echo/1`)).status, 200);
        await scope.close();
        assert.equal((await fetch(`${base}/echo/1`, { headers: scope.headers })).status, 200);
      } finally {
        await mocks.close();
      }
    });

    test("a remote fault's handle counts what it faulted (hits, and calls as every rule of mocks has): not requests it spared, up to its last of `times`", async () => {
      const mocks = await connectMocks(base);
      try {
        const scope = mocks.scope();
        const scoped = await scope.fault({ path: "/echo/:id" }, { status: 418 });
        const counted = await mocks.fault({ path: "/echo/counted" }, { status: 503, times: 2 });
        assert.equal(scoped.hits, 0);
        assert.equal(counted.calls, 0);
        for (let i = 0; i < 3; i++) assert.equal((await fetch(`${base}/echo/1`, { headers: scope.headers })).status, 418);
        assert.equal((await fetch(`${base}/echo/1`)).status, 200, "another scope's request is not a hit");
        for (let i = 0; i < 3; i++) await (await fetch(`${base}/echo/counted`)).text();
        const until = async (ok: () => boolean, what: string) => {
          for (const started = performance.now(); !ok(); ) {
            assert.ok(performance.now() - started < 5000, `${what}: hits ${scoped.hits}, ${counted.hits}`);
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        };
        await until(() => scoped.hits === 3 && counted.hits === 2, "the hub's counts to arrive");
        assert.equal(scoped.calls, 3);
        assert.equal(counted.calls, 2, "the third request came after its last (times: 2)");
        await scoped.remove();
        await (await fetch(`${base}/echo/1`, { headers: scope.headers })).text();
        assert.equal(scoped.hits, 3);
      } finally {
        await mocks.close();
      }
    });

    test("interceptWebSocket from another process: mixed frames in order with their kind, close codes and reasons both ways", async () => {
      const mocks = await connectMocks(base);
      try {
        const closes: Array<[number, string]> = [];
        await mocks.interceptWebSocket("/ws/echo", (socket) => {
          socket.onMessage((data) => (data === "close me" ? socket.close(4002, "as asked") : socket.send(data)));
          socket.onClose((code, reason) => closes.push([code, reason]));
        });
        const ws = new WebSocket(`${base.replace("http", "ws")}/ws/echo`);
        ws.binaryType = "arraybuffer";
        const got: Array<string | number[]> = [];
        ws.addEventListener("message", (event) => got.push(typeof event.data === "string" ? event.data : [...new Uint8Array(event.data as ArrayBuffer)]));
        await new Promise((resolve, reject) => {
          ws.addEventListener("open", resolve);
          ws.addEventListener("error", reject);
        });
        const sent: Array<string | number[]> = [];
        for (let i = 0; i < 1000; i++) sent.push(i % 2 ? `text ${i}` : [i & 255, 1, 2]);
        for (const frame of sent) ws.send(typeof frame === "string" ? frame : new Uint8Array(frame));
        await until(() => got.length === sent.length, "1,000 echoes");
        assert.deepEqual(got, sent);
        const closed = new Promise<[number, string]>((resolve) => ws.addEventListener("close", (event) => resolve([event.code, event.reason])));
        ws.send("close me");
        assert.deepEqual(await closed, [4002, "as asked"]);

        const second = new WebSocket(`${base.replace("http", "ws")}/ws/echo`);
        await new Promise((resolve) => second.addEventListener("open", resolve));
        second.close(4001, "client leaves");
        await until(() => closes.length === 2, "the handler to hear the client's close");
        assert.deepEqual(closes[1], [4001, "client leaves"]);
      } finally {
        await mocks.close();
      }
    });

    test("WebSocket faults from another process: close with a code, drop keeps the socket open and silent", async () => {
      const mocks = await connectMocks(base);
      try {
        await mocks.interceptWebSocket("/ws/:name", (socket) => socket.send("hello"));
        await mocks.fault({ path: "/ws/closed" }, { close: 4003 });
        await mocks.fault({ path: "/ws/silent" }, { drop: true });
        const closed = new WebSocket(`${base.replace("http", "ws")}/ws/closed`);
        const code = await new Promise<number>((resolve) => closed.addEventListener("close", (event) => resolve(event.code)));
        assert.equal(code, 4003);
        const silent = new WebSocket(`${base.replace("http", "ws")}/ws/silent`);
        const got: unknown[] = [];
        silent.addEventListener("message", (event) => got.push(event.data));
        await new Promise((resolve) => silent.addEventListener("open", resolve));
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.deepEqual(got, []);
        assert.equal(silent.readyState, WebSocket.OPEN);
        silent.close();
      } finally {
        await mocks.close();
      }
    });

    // The wait was a bare timer: when it ended, the request went on for a client long gone. A
    // service got it (Deno: journaled 200; Node: a GET journaled 200, a POST not journaled at all
    // while it waited for a body that never came) and a mock's handler was called for it (all three).
    /** A service registered at `/late` that notes each request it gets in `seen`. */
    const lateService = async (t: TestContext, seen: string[]) => {
      const service = http.createServer((request, response) => {
        seen.push(`service ${request.method} ${request.url}`);
        request.resume().on("end", () => response.end("late"));
      });
      await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
      // A request the hub sent on and never finished (a POST's body) would keep `close` waiting for ever.
      t.after(() => new Promise((resolve) => {
        service.closeAllConnections();
        service.close(resolve);
      }));
      const client = new IPCClient(Number(new URL(base).port));
      await client.connect("late-service");
      t.after(() => client.disconnect());
      await client.sendFrameworkRequest(HubRequests.register, [{ api: "late", baseUrl: `http://127.0.0.1:${(service.address() as net.AddressInfo).port}`, pathPrefix: "/late" }]);
    };
    const leave = (path: string, method: string) =>
      fetch(`${base}${path}`, { method, body: method === "POST" ? "an order" : undefined, signal: AbortSignal.timeout(200) }).then(
        () => "answered",
        (error: Error) => error.name,
      );
    const httpEntries = async () => ((await (await fetch(`${base}/__crossipc/api/journal?kind=http`)).json()) as { entries: Array<{ method: string; path: string; status: number; error?: string }> }).entries;

    test("latency: a client that leaves during the wait ends it; nothing behind the hub sees the request, journaled 499", async (t) => {
      const seen: string[] = [];
      await lateService(t, seen);
      const mocks = await connectMocks(base);
      t.after(() => mocks.close());
      await mocks.intercept("*", "/mocked/:id", (_body, params) => {
        seen.push(`mock ${params["id"]}`);
        return {};
      });
      await addFault({ path: "/late/:id" }, { latency: 1500 });
      await addFault({ path: "/mocked/:id" }, { latency: 1500 });
      await (await fetch(`${base}/__crossipc/api/journal`, { method: "DELETE" })).text();
      const left = await Promise.all([leave("/late/get", "GET"), leave("/late/post", "POST"), leave("/mocked/get", "GET"), leave("/mocked/post", "POST")]);
      assert.deepEqual(left, ["TimeoutError", "TimeoutError", "TimeoutError", "TimeoutError"]);
      await until(async () => (await httpEntries()).length === 4, "four journal entries", 10_000);
      // The faults' 1.5 s are over: had a request gone on, it would have been seen by now.
      await new Promise((resolve) => setTimeout(resolve, 1800));
      assert.deepEqual(seen, []);
      const journaled = (await httpEntries()).map(({ method, path, status, error }) => `${method} ${path} ${status} ${error}`).sort();
      const gone = "The client went away during the latency fault: nothing took the request";
      assert.deepEqual(journaled, [`GET /late/get 499 ${gone}`, `GET /mocked/get 499 ${gone}`, `POST /late/post 499 ${gone}`, `POST /mocked/post 499 ${gone}`]);
      assert.equal(await (await fetch(`${base}/late/now`)).text(), "late", "the service is reached once the fault is gone");
      await clear();
    });

    // Behind its front, a Deno hub counted a request as in progress only once `Deno.serve`'s
    // handler had taken it: a client that sent its whole request and went before then (a FIN
    // right behind it; under load, the test above's 200 ms timeout, 1 run in 12) had left
    // unnoticed, and its request went on to the service after the latency.
    test("latency: a client that closes its side right after sending its whole request ends the wait too: 499, the hub closes the connection, nothing behind the hub sees it", async (t) => {
      const seen: string[] = [];
      await lateService(t, seen);
      await addFault({ path: "/late/:id" }, { latency: 1500 });
      await (await fetch(`${base}/__crossipc/api/journal`, { method: "DELETE" })).text();
      const port = Number(new URL(base).port);
      // The client closes its sending side right behind its bytes (a FIN) and waits for the hub to
      // close the connection, which it must, never hang it, and with no answer: the hub takes the
      // client for gone (499), and nobody reads an answer to it. It reads what comes (a Node
      // socket left paused never sees the hub's FIN behind unread bytes): the Deno hub sent the
      // 499 where Node's and Bun's send nothing.
      const sendAndEnd = (head: string) =>
        new Promise<string>((resolve) => {
          const socket = net.connect(port, "127.0.0.1", () => socket.end(head));
          let got = 0;
          const open = setTimeout(() => {
            resolve("still open after 10 s");
            socket.destroy();
          }, 10_000);
          socket.on("data", (chunk: Buffer) => (got += chunk.length)).on("error", () => {}).on("close", () => {
            clearTimeout(open);
            resolve(got === 0 ? "closed" : `closed after ${got} bytes`);
          });
        });
      const ends = await Promise.all([
        sendAndEnd("GET /late/get HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"),
        sendAndEnd("POST /late/post HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 8\r\n\r\nan order"),
        sendAndEnd("GET /late/third HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"),
      ]);
      assert.deepEqual(ends, ["closed", "closed", "closed"]);
      await until(async () => (await httpEntries()).length === 3, "three journal entries", 10_000);
      // The fault's 1.5 s are over: had a request gone on, it would have been seen by now.
      await new Promise((resolve) => setTimeout(resolve, 1800));
      assert.deepEqual(seen, []);
      const journaled = (await httpEntries()).map(({ method, path, status }) => `${method} ${path} ${status}`).sort();
      assert.deepEqual(journaled, ["GET /late/get 499", "GET /late/third 499", "POST /late/post 499"]);
      await clear();
    });

    // The proxy's "client left" listener was added after the client had left: Node sent a GET on
    // (journaled 200) and Deno both a GET and a POST, to a client that was gone.
    test("a request whose client left while a mock held it is not proxied when the mock passes it on: 499, the service never sees it", async (t) => {
      const seen: string[] = [];
      await lateService(t, seen);
      const mocks = await connectMocks(base);
      t.after(() => mocks.close());
      const passed: string[] = [];
      await mocks.intercept("*", "/late/:id", async (_body, params) => {
        await new Promise((resolve) => setTimeout(resolve, 700));
        passed.push(params["id"]!);
        return passthrough();
      });
      await (await fetch(`${base}/__crossipc/api/journal`, { method: "DELETE" })).text();
      assert.deepEqual(await Promise.all([leave("/late/get", "GET"), leave("/late/post", "POST")]), ["TimeoutError", "TimeoutError"]);
      await until(() => passed.length === 2, "the mock to pass both on");
      await until(async () => (await httpEntries()).length === 2, "two journal entries", 10_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(seen, []);
      const journaled = (await httpEntries()).map(({ method, path, status }) => `${method} ${path} ${status}`).sort();
      assert.deepEqual(journaled, ["GET /late/get 499", "POST /late/post 499"]);
    });

    test("timeout: the client's own timeout ends it and the hub stays healthy", async () => {
      await addFault({ path: "/echo/never" }, { timeout: true });
      const waits = Array.from({ length: 20 }, () => fetch(`${base}/echo/never`, { signal: AbortSignal.timeout(300) }).then(() => "answered", (e: Error) => e.name));
      assert.deepEqual(new Set(await Promise.all(waits)), new Set(["TimeoutError"]));
      assert.deepEqual(await (await fetch(`${base}/echo/ok`)).json(), { id: "ok" });
      await clear();
    });
  });
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function rawRequest(base: string, path: string): Promise<{ bytes: string; code?: string }> {
  const { port } = new URL(base);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), "127.0.0.1", () => socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`));
    let bytes = "";
    let code: string | undefined;
    socket.setTimeout(5000, () => socket.destroy(new Error("no close within 5 s")));
    socket.on("data", (chunk) => (bytes += chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => (code = error.code ?? error.message));
    socket.on("close", () => resolve({ bytes, code }));
  });
}
