// What every runner's tests do (test/run-user-runners.sh), written as a user of the package would: each scenario takes the
// runner's own deep-equality assertion and a tag unique to the test, mocks the same routes of the
// same services as every other test running at the same time, and checks it sees only its own.
import { connectMocks, passthrough, type Mocks, type MockScope } from "crossipc";

type Env = { get(name: string): string | undefined };
const env: Env = (globalThis as any).Deno ? (globalThis as any).Deno.env : { get: (n: string) => (globalThis as any).process.env[n] };

export const port = Number(env.get("CROSSIPC_HUB_PORT") ?? 9000);
export const hub = `http://127.0.0.1:${port}`;
export type Eq = (actual: unknown, expected: unknown, what?: string) => void;

const N = Number(env.get("R5_REQUESTS") ?? 24);

/** Marks a test passed (the driver counts these; a runner's own exit code is non-zero on purpose). */
export async function done(name: string): Promise<void> {
  const dir = env.get("R5_OUT");
  if (!dir) return;
  const file = `${dir}/${name}.ok`;
  if ((globalThis as any).Deno) await (globalThis as any).Deno.writeTextFile(file, "ok");
  else await (await import("node:fs/promises")).writeFile(file, "ok");
}

async function json(response: Response): Promise<any> {
  const text = await response.text();
  try { return JSON.parse(text); } catch { return text; }
}

/** `tasks` run `width` at a time. */
async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) { const i = next++; out[i] = await task(i); }
  }));
  return out;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function state(): Promise<any> {
  return json(await fetch(`${hub}/__crossipc/api/state`));
}

/** Same routes, this test's answers: direct, nested through the shop, passthrough, unscoped. */
export async function isolation(mocks: Mocks, tag: string, eq: Eq): Promise<void> {
  await using scope = mocks.scope();
  const price = await scope.intercept("GET", "/shop/price/:item", (_b, params) => ({ item: params.item, price: tag.length, source: tag }));
  const user = await scope.intercept("GET", "/users/:id", (_b, params, headers) =>
    Number(params.id) % 2 ? passthrough() : { id: params.id, name: tag, scoped: headers["baggage"] === scope.headers.baggage });
  const echo = await scope.interceptRequest("POST", "/echo", async (request) =>
    new Response(`${tag}:${await request.text()}`, { status: 201, headers: { "x-tag": tag } }));

  let direct = 0, nested = 0, passed = 0, posted = 0;
  await pool(N, 6, async (i) => {
    const h = { headers: scope.headers };
    switch (i % 6) {
      case 0: {
        eq(await json(await fetch(`${hub}/shop/price/i${i}`, h)), { item: `i${i}`, price: tag.length, source: tag }, "direct price");
        direct++; break;
      }
      case 1: {
        const quote = await json(await fetch(`${hub}/shop/quote/i${i}`, h));
        eq(quote, { item: `i${i}`, status: 200, price: { item: `i${i}`, price: tag.length, source: tag } }, "nested price");
        nested++; break;
      }
      case 2: {
        eq(await json(await fetch(`${hub}/users/${i}`, h)), { id: String(i), name: tag, scoped: true }, "mocked user");
        eq(await json(await fetch(`${hub}/users/${i + 1}`, h)), { id: String(i + 1), name: "real", url: `/users/${i + 1}` }, "passthrough user");
        passed++; break;
      }
      case 3: {
        const r = await fetch(`${hub}/echo`, { method: "POST", body: `b${i}`, headers: scope.headers });
        eq([r.status, r.headers.get("x-tag"), await r.text()], [201, tag, `${tag}:b${i}`], "scoped echo");
        posted++; break;
      }
      case 4: {
        eq(await json(await fetch(`${hub}/shop/price/i${i}`)), { item: `i${i}`, price: 0, source: "service" }, "unscoped price");
        eq(await json(await fetch(`${hub}/shop/quote/i${i}`)), { item: `i${i}`, status: 200, price: { item: `i${i}`, price: 0, source: "service" } }, "unscoped quote");
        break;
      }
      default: {
        const r = await fetch(`${hub}/echo`, { method: "POST", body: `u${i}` });
        eq([r.status, r.headers.get("x-served-by"), await r.text()], [200, "echo", `u${i}`], "unscoped echo");
      }
    }
  });
  eq([price.calls, user.calls, echo.calls], [direct + nested, passed * 2, posted], "rule.calls");
  const held = (await state()).mocks.filter((m: any) => m.scope === scope.id).map((m: any) => m.path).sort();
  eq(held, ["/echo", "/shop/price/:item", "/users/:id"], "rules at the hub");
  const entries = await scope.entries({ kind: "http" });
  eq(entries.every((e: any) => e.scope === scope.id), true, "journal: only this scope");
  eq(entries.length, direct + nested * 2 + passed * 2 + posted, "journal: every scoped request");
  const api = await json(await fetch(`${hub}/__crossipc/api/journal?kind=http&scope=${scope.id}&limit=1000`));
  eq(api.entries.length, entries.length, "journal API by scope");
  await scope.close();
  eq((await state()).mocks.filter((m: any) => m.scope === scope.id), [], "closed scope leaves nothing");
}

/** Faults scoped to this test: status, reset, times, timeout; other tests' requests untouched. */
export async function faults(mocks: Mocks, _tag: string, eq: Eq): Promise<void> {
  await using scope = mocks.scope();
  const unavailable = await scope.fault({ method: "GET", path: "/users/:id" }, { status: 503 });
  const reset = await scope.fault({ path: "/echo" }, { reset: true });
  const twice = await scope.fault({ api: "shop" }, { status: 418, times: 2 });
  const hang = await scope.fault({ path: "/users/:id/orders" }, { timeout: true });
  const h = { headers: scope.headers };
  for (let i = 0; i < 4; i++) {
    const r = await fetch(`${hub}/users/${i}`, h);
    eq([r.status, await json(r)], [503, { error: "Fault injected" }], "scoped 503");
    eq((await fetch(`${hub}/users/${i}`)).status, 200, "unscoped user");
  }
  let threw: unknown;
  try { await fetch(`${hub}/echo`, { method: "POST", body: "x", headers: scope.headers }); } catch (error) { threw = error; }
  eq(threw instanceof Error, true, "reset: fetch rejects");
  eq((await fetch(`${hub}/echo`, { method: "POST", body: "x" })).status, 200, "unscoped echo");
  eq([(await fetch(`${hub}/shop/price/a`, h)).status, (await fetch(`${hub}/shop/price/a`, h)).status, (await fetch(`${hub}/shop/price/a`, h)).status], [418, 418, 200], "times: 2");
  let timedOut = "";
  try { await fetch(`${hub}/users/1/orders`, { headers: scope.headers, signal: AbortSignal.timeout(300) }); } catch (error) { timedOut = (error as Error).name; }
  eq(timedOut, "TimeoutError", "timeout fault: the client's own timeout ends it");
  eq(await json(await fetch(`${hub}/users/1/orders`)), { id: "1", orders: ["real-order"] }, "unscoped orders");
  await until("fault hits", () => unavailable.hits === 4 && twice.hits === 2 && reset.hits >= 1 && hang.hits === 1);
  const listed = (await json(await fetch(`${hub}/__crossipc/api/faults`))).faults.filter((f: any) => f.scope === scope.id);
  eq(listed.length, 3, "the hub lists this scope's faults (times: 2 removed itself)");
  const faulted = await scope.entries({ path: "/users/*", status: 503 });
  eq(faulted.length === 4 && faulted.every((e: any) => e.fault?.id === unavailable.id && e.fault?.kind === "status"), true, "journal entries carry the fault");
  await scope.close();
  const left = (await json(await fetch(`${hub}/__crossipc/api/faults`))).faults.filter((f: any) => f.scope === scope.id);
  eq(left, [], "closed scope leaves no fault");
}

function har(tag: string) {
  const entry = (method: string, url: string, status: number, body: string, postData?: string) => ({
    startedDateTime: new Date().toISOString(), time: 1, cache: {}, timings: { send: 0, wait: 1, receive: 0 },
    request: {
      method, url, httpVersion: "HTTP/1.1", cookies: [], headers: [], headersSize: -1, bodySize: postData?.length ?? 0,
      queryString: [...new URL(url).searchParams].map(([name, value]) => ({ name, value })),
      ...(postData ? { postData: { mimeType: "application/json", text: postData } } : {}),
    },
    response: {
      status, statusText: "", httpVersion: "HTTP/1.1", cookies: [], headersSize: -1, bodySize: body.length, redirectURL: "",
      headers: [{ name: "content-type", value: "application/json" }, { name: "x-replayed", value: tag }],
      content: { size: body.length, mimeType: "application/json", text: body },
    },
  });
  return {
    log: {
      version: "1.2", creator: { name: "r5", version: "1" },
      entries: [
        entry("GET", "http://somewhere:1/users/7?a=1&b=2", 200, JSON.stringify({ first: tag })),
        entry("GET", "http://somewhere:1/users/7?a=1&b=2", 200, JSON.stringify({ second: tag })),
        entry("POST", "http://somewhere:1/echo/json", 202, JSON.stringify({ posted: tag }), JSON.stringify({ a: 1, b: [2] })),
      ],
    },
  };
}

/** A replay scoped to this test; then the scope's own recording replayed in another scope. */
export async function replay(mocks: Mocks, tag: string, eq: Eq): Promise<void> {
  await using scope = mocks.scope();
  const handle = await scope.replay(har(tag), { onMiss: "404" });
  const h = { headers: scope.headers };
  const first = await fetch(`${hub}/users/7?b=2&a=1`, h);
  eq([first.status, first.headers.get("x-replayed"), await json(first)], [200, tag, { first: tag }], "replay 1");
  eq(await json(await fetch(`${hub}/users/7?a=1&b=2`, h)), { second: tag }, "replay 2");
  eq(await json(await fetch(`${hub}/users/7?a=1&b=2`, h)), { second: tag }, "replay: last again");
  const posted = await fetch(`${hub}/echo/json`, { method: "POST", body: '{ "b": [2], "a": 1 }', headers: { ...scope.headers, "content-type": "application/json" } });
  eq([posted.status, await json(posted)], [202, { posted: tag }], "replay: body equal as JSON");
  const miss = await fetch(`${hub}/users/8?a=1&b=2`, h);
  const missBody = await json(miss);
  eq([miss.status, typeof missBody.error === "string" && missBody.error.includes("/users/7")], [404, true], `onMiss 404 names the closest: ${JSON.stringify(missBody)}`);
  eq(await json(await fetch(`${hub}/users/7?a=1&b=2`)), { id: "7", name: "real", url: "/users/7?a=1&b=2" }, "unscoped: the real service");
  await until("replay counts", () => handle.matched === 4 && handle.missed === 1);

  // Record → replay: what this scope's journal holds, as HAR, answers a second scope the same.
  const recorded = await json(await fetch(`${hub}/__crossipc/api/journal.har?scope=${scope.id}`));
  eq(recorded.log.entries.length, 5, "journal.har by scope");
  await using again = mocks.scope();
  await again.replay(recorded);
  const r = await fetch(`${hub}/users/7?a=1&b=2`, { headers: again.headers });
  // The hub here does not record bodies (no --record), so the HAR has heads only.
  eq([r.status, r.headers.get("x-replayed")], [200, tag], "HAR of the journal replays");
  eq((await json(await fetch(`${hub}/users/7?a=1&b=2`, h))), { second: tag }, "the first scope's replay still answers it");
}

export type WsCtor = new (url: string, init?: any) => WebSocket;

function opened(ws: WebSocket): Promise<{ messages: unknown[]; closed: Promise<{ code: number; reason: string }> }> {
  ws.binaryType = "arraybuffer";
  const messages: unknown[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener("close", (e: any) => resolve({ code: e.code, reason: e.reason })));
  ws.addEventListener("message", (e: any) => messages.push(e.data instanceof ArrayBuffer ? [...new Uint8Array(e.data)] : e.data));
  return new Promise((resolve, reject) => {
    ws.addEventListener("open", () => resolve({ messages, closed }));
    ws.addEventListener("error", () => reject(new Error(`WebSocket ${ws.url} failed`)));
  });
}

/**
 * This test plays the WebSocket server of /echo/ws for its scope; a socket without the scope
 * reaches the real one (the echo service on Deno.serve: through a Node client, this is what found
 * the `connection: close` a Deno backend's 101 carried, test/node/upgrade-answer-connection.test.ts).
 */
export async function websocket(mocks: Mocks, tag: string, eq: Eq, Ws: WsCtor = WebSocket as any): Promise<void> {
  await using scope = mocks.scope();
  const closes: Array<[number, string]> = [];
  const rule = await scope.interceptWebSocket("/echo/:room", (socket, request) => {
    socket.send(`${tag}@${request.params.room}`);
    socket.onMessage((data) => {
      if (data === "bye") socket.close(4000, "done");
      else socket.send(typeof data === "string" ? `echo:${data}` : new Uint8Array([...data].reverse()));
    });
    socket.onClose((code, reason) => { closes.push([code, reason]); });
  });
  const url = `${hub.replace("http", "ws")}/echo/ws`;
  await wsExchange(url, scope, tag, eq, Ws, rule, () => closes.find(([code]) => code === 4002));
}

async function wsExchange(url: string, scope: MockScope, tag: string, eq: Eq, Ws: WsCtor, rule: { calls: number }, closeSeen: () => [number, string] | undefined): Promise<void> {
  const ws = new Ws(url, { headers: scope.headers });
  const mine = await opened(ws);
  const real = new Ws(url);
  const theirs = await opened(real);
  const expected: unknown[] = [`${tag}@ws`];
  for (let i = 0; i < 40; i++) {
    if (i % 3) { ws.send(`m${i}`); expected.push(`echo:m${i}`); }
    else { ws.send(new Uint8Array([i, 1, 2])); expected.push([2, 1, i]); }
    real.send(`r${i}`);
  }
  await until("echoes", () => mine.messages.length === expected.length && theirs.messages.length === 41);
  eq(mine.messages, expected, "frames in order and kind");
  eq(theirs.messages, ["real echo", ...Array.from({ length: 40 }, (_, i) => `r${i}`)], "the real echo service");
  ws.send("bye");
  eq(await mine.closed, { code: 4000, reason: "done" }, "the mock's close");
  real.close(4001, "client bye");
  await theirs.closed;
  const third = new Ws(url, { headers: scope.headers });
  const t = await opened(third);
  third.close(4002, "from client");
  await t.closed;
  await until("the mock saw the client's close", () => closeSeen()?.[0] === 4002);
  eq(closeSeen(), [4002, "from client"], "onClose: the client's code and reason");
  await until(`rule.calls (${rule.calls})`, () => rule.calls === 2);
}

/**
 * waitFor as a test uses it: a wait opened before the request resolves with this scope's entry
 * only (another scope's same request first does not), 0 takes a recorded one, a wait with no
 * request rejects when its time ends, a glob path matches.
 */
export async function waits(mocks: Mocks, tag: string, eq: Eq): Promise<void> {
  await using scope = mocks.scope();
  await using other = mocks.scope();
  await scope.intercept("GET", "/users/:id", (_b, params) => ({ id: params.id, by: tag }));
  const waiting = scope.waitFor({ path: `/users/w-${tag}` }, 8000);
  eq((await json(await fetch(`${hub}/users/w-${tag}`, { headers: other.headers }))).name, "real", "the other scope: the service");
  eq(await json(await fetch(`${hub}/users/w-${tag}`, { headers: scope.headers })), { id: `w-${tag}`, by: tag }, "this scope: its mock");
  const entry = await waiting;
  eq([entry.scope, entry.path, entry.status, entry.takenBy], [scope.id, `/users/w-${tag}`, 200, "mock"], "waitFor: this scope's entry");
  eq((await scope.waitFor({ path: `/users/w-${tag}` }, 0)).scope, scope.id, "waitFor 0: a recorded entry");
  const started = Date.now();
  let late: unknown;
  try { await scope.waitFor({ path: `/users/never-${tag}` }, 300); } catch (error) { late = error; }
  eq([late instanceof Error, Date.now() - started >= 290], [true, true], `waitFor with no request rejects at its time: ${late}`);
  await fetch(`${hub}/users/g-${tag}/orders`, { headers: scope.headers });
  eq((await scope.waitFor({ path: "/users/*/orders" }, 5000)).path, `/users/g-${tag}/orders`, "waitFor with a glob");
  eq([(await scope.entries({ path: `/users/w-${tag}` })).length, (await other.entries({ path: `/users/w-${tag}` })).length], [1, 1], "each scope's entries");
}

/**
 * Timed faults in this scope: latency (every faulted request at least that late, the unscoped one
 * not faulted), bandwidth on a mock's body (30,000 bytes at 20,000 B/s), probability 0.5 over 200
 * requests (hits = the 503s, rule.calls = the rest), probability 0 never.
 */
export async function timing(mocks: Mocks, tag: string, eq: Eq): Promise<void> {
  await using scope = mocks.scope();
  const h = { headers: scope.headers };
  const slow = await scope.fault({ path: "/users/:id" }, { latency: 400 });
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    eq((await json(await fetch(`${hub}/users/l${i}`, h))).name, "real", "latency: the service answers");
    const ms = performance.now() - t;
    eq(ms >= 399, true, `latency 400: ${ms.toFixed(0)} ms`);
  }
  // Not "faster than 400 ms": on a loaded machine any request may be. The journal says it was not faulted.
  await (await fetch(`${hub}/users/l-${tag}`)).text();
  const plain = (await mocks.entries({ path: `/users/l-${tag}` }))[0]!;
  eq([plain.scope, plain.fault], [null, undefined], "an unscoped request is not faulted");
  await until("latency hits", () => slow.hits === 3);
  eq((await scope.entries({ path: "/users/l0" }))[0]!.fault, { id: slow.id, kind: "latency" }, "the entry names the fault");
  await slow.remove();

  await scope.interceptRequest("GET", "/users/big", () => new Response("x".repeat(30_000), { headers: { "content-type": "text/plain" } }));
  await scope.fault({ path: "/users/big" }, { bandwidth: 20_000 });
  const b = performance.now();
  const body = await (await fetch(`${hub}/users/big`, h)).text();
  const ms = performance.now() - b;
  eq([body.length, ms > 1350], [30_000, true], `bandwidth: 30,000 bytes at 20,000 B/s in ${ms.toFixed(0)} ms`);

  const rule = await scope.intercept("GET", "/shop/price/:item", () => ({ ok: tag }));
  const flaky = await scope.fault({ path: "/shop/price/:item" }, { status: 503, probability: 0.5 });
  let faulted = 0;
  await pool(200, 8, async (i) => {
    const r = await fetch(`${hub}/shop/price/p${i}`, h);
    const answer = await json(r);
    if (r.status === 503) { faulted++; eq(answer, { error: "Fault injected" }, "faulted"); } else eq([r.status, answer], [200, { ok: tag }], "spared: this scope's mock");
  });
  eq(faulted > 60 && faulted < 140, true, `probability 0.5: ${faulted} of 200`);
  await until(`hits ${flaky.hits} = ${faulted}, calls ${rule.calls} = ${200 - faulted}`, () => flaky.hits === faulted && rule.calls === 200 - faulted);
  await flaky.remove();
  const never = await scope.fault({ path: "/shop/price/:item" }, { status: 500, probability: 0 });
  eq((await fetch(`${hub}/shop/price/z`, h)).status, 200, "probability 0 never applies");
  eq(never.hits, 0, "probability 0: no hits");
}

/**
 * WebSocket faults in this scope: close with a code, drop (open, nothing relayed), latency per
 * frame in order; an unscoped socket untouched. Every socket is closed in `finally`: one left open
 * by a failed check keeps a `node --test` file's process alive for good.
 */
export async function wsFaults(mocks: Mocks, _tag: string, eq: Eq, Ws: WsCtor = WebSocket as any): Promise<void> {
  const url = `${hub.replace("http", "ws")}/echo/ws`;
  const sockets: WebSocket[] = [];
  const socket = (headers?: Record<string, string>) => { const ws = new Ws(url, headers ? { headers } : undefined); sockets.push(ws); return ws; };
  try {
    {
      await using scope = mocks.scope();
      const closing = await scope.fault({ path: "/echo/ws" }, { close: 4321 });
      const mine = await opened(socket(scope.headers));
      eq(await mine.closed, { code: 4321, reason: "Fault injected" }, "close fault: the code");
      const real = socket();
      const theirs = await opened(real);
      await until("the real greeting", () => theirs.messages.length === 1);
      eq(theirs.messages, ["real echo"], "an unscoped socket: the real service");
      real.close();
      await theirs.closed;
      await until("close hits", () => closing.hits === 1);
    }
    {
      await using scope = mocks.scope();
      await scope.fault({ path: "/echo/ws" }, { drop: true });
      const ws = socket(scope.headers);
      const mine = await opened(ws);
      ws.send("a");
      ws.send("b");
      await new Promise((r) => setTimeout(r, 400));
      eq([mine.messages, ws.readyState], [[], 1], "drop: nothing either way, the socket open");
      ws.close(1000);
      await mine.closed;
    }
    {
      await using scope = mocks.scope();
      await scope.fault({ path: "/echo/ws" }, { latency: 150 });
      // From before the upgrade: the service greets on open, and the hub holds that frame 150 ms.
      const t = performance.now();
      const ws = socket(scope.headers);
      const mine = await opened(ws);
      await until("the greeting", () => mine.messages.length === 1);
      eq(performance.now() - t >= 149, true, "latency: the greeting late");
      for (let i = 0; i < 5; i++) ws.send(`f${i}`);
      await until("the echoes", () => mine.messages.length === 6);
      eq(mine.messages, ["real echo", "f0", "f1", "f2", "f3", "f4"], "latency: frames in order");
      ws.close(1000);
      await mine.closed;
    }
  } finally {
    for (const ws of sockets) if (ws.readyState < 2) ws.close();
  }
}

/** Adds a scoped rule and an unscoped one on a path of this test's own, then fails. */
export async function failsHolding(mocks: Mocks, tag: string): Promise<never> {
  const scope = mocks.scope();
  await scope.intercept("GET", "/shop/price/:item", () => ({ fail: tag }));
  await mocks.intercept("GET", `/users/${tag}`, () => ({ unscoped: tag }));
  await scope.fault({ path: "/users/**" }, { status: 500 });
  throw new Error(`deliberate failure in ${tag}`);
}

/** The unscoped rule `failsHolding(tag)` added is gone: the real service answers its path. */
export async function leftNothing(tag: string, eq: Eq): Promise<void> {
  await until(`no rule of ${tag}`, async () => !(await state()).mocks.some((m: any) => m.path === `/users/${tag}`));
  eq(await json(await fetch(`${hub}/users/${tag}`)), { id: tag, name: "real", url: `/users/${tag}` }, "after a failed test: the real service");
}

export { connectMocks };

/** Holds rules and a request on its handler, says where (`<R5_OUT>/kill-ready`), and waits to be SIGKILLed. */
export async function holdForKill(runner: string): Promise<never> {
  const mocks = await connectMocks(port, { runtimeId: `kill-${runner}` });
  const scope = mocks.scope();
  await scope.intercept("GET", "/shop/price/:item", () => new Promise(() => {}));
  await scope.fault({ path: "/users/:id" }, { status: 500 });
  await scope.interceptWebSocket("/echo/:room", (socket) => socket.send("held"));
  await mocks.intercept("GET", `/users/killed-${runner}`, () => ({ unscoped: "killed" }));
  const ready = JSON.stringify({ scope: scope.id, pid: (globalThis as any).process?.pid ?? (globalThis as any).Deno?.pid });
  const file = `${env.get("R5_OUT")}/kill-ready`;
  if ((globalThis as any).Deno) await (globalThis as any).Deno.writeTextFile(file, ready);
  else await (await import("node:fs/promises")).writeFile(file, ready);
  return new Promise(() => {});
}
