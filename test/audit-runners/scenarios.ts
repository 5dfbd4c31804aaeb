// SPEC §8, §10–12 as every runner meets them at once (test/run-audit-runners.sh): each test in its
// own scope on the same routes of the same services (users at /users, prefs at /users/prefs), so
// any cross-talk shows as a wrong answer. Web-standard APIs and crossipc only: every runner runs it.
import { connectMocks, passthrough, type Mocks } from "crossipc";

type Env = { get(name: string): string | undefined };
const env: Env = (globalThis as any).Deno ? (globalThis as any).Deno.env : { get: (n: string) => (globalThis as any).process.env[n] };
export const port = Number(env.get("CROSSIPC_HUB_PORT"));
export const hub = `http://127.0.0.1:${port}`;
export type Eq = (actual: unknown, expected: unknown, what: string) => void;
export { connectMocks };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, f: () => boolean | Promise<boolean>, ms = 8000) {
  const end = Date.now() + ms;
  while (!(await f())) { if (Date.now() > end) throw new Error(`timed out: ${what}`); await sleep(20); }
}
const json = async (r: Response) => { const t = await r.text(); try { return JSON.parse(t); } catch { return t; } };
const get = (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) => fetch(`${hub}${path}`, { ...init, headers: { ...headers, ...(init.headers as any) } });

export async function precedence(mocks: Mocks, tag: string, eq: Eq) {
  await using A = mocks.scope();
  await using B = mocks.scope();
  await using N = mocks.scope(`named-${tag}`);
  await A.intercept("GET", "/users/who", () => `A-${tag}`);
  await B.intercept("GET", "/users/who", () => `B-${tag}`);
  await N.intercept("GET", "/users/who", () => `N-${tag}`);
  const who = async (h: Record<string, string>) => json(await get("/users/who", h));
  for (let i = 0; i < 5; i++) {
    eq(await who({ baggage: `crossipc-scope=${A.id}`, "x-crossipc-scope": B.id }), `A-${tag}`, "baggage over header");
    eq(await who({ "x-crossipc-scope": B.id, cookie: `crossipc-scope=${A.id}` }), `B-${tag}`, "header over cookie");
    eq(await who({ cookie: `a=1; crossipc-scope=${A.id}`, traceparent: B.headers.traceparent! }), `A-${tag}`, "cookie over traceparent");
    eq(await who({ traceparent: B.headers.traceparent!, "x-b3-traceid": A.id }), `B-${tag}`, "traceparent over b3");
    eq(await who({ "x-b3-traceid": A.id }), `A-${tag}`, "b3");
    eq(await who(N.headers), `N-${tag}`, "named scope");
    eq((await who({ "x-crossipc-scope": `unknown-${tag}` })).by, "users", "unknown scope: the service");
    eq((await who({})).by, "users", "no scope: the service");
  }
  eq(N.headers, { baggage: `crossipc-scope=named-${tag}` }, "named scope headers");
  eq(Object.keys(A.headers).sort(), ["baggage", "traceparent", "x-b3-traceid"], "default scope headers");
}

export async function shadowing(mocks: Mocks, tag: string, eq: Eq) {
  await using S = mocks.scope();
  const old = await S.intercept("GET", "/users/sh/:n", (_b, p) => `old-${tag}-${p.n}`);
  const nw = await S.intercept("GET", "/users/sh/:n", (_b, p) => `new-${tag}-${p.n}`);
  eq(await json(await get("/users/sh/1", S.headers)), `new-${tag}-1`, "newer shadows");
  await nw.remove();
  eq(await json(await get("/users/sh/2", S.headers)), `old-${tag}-2`, "remove uncovers");
  await old.remove();
  eq((await json(await get("/users/sh/3", S.headers))).by, "users", "all removed: the service");
  eq([old.calls, nw.calls], [1, 1], "calls");
  const held = (await json(await get("/__crossipc/api/state"))).mocks.filter((m: any) => m.scope === S.id);
  eq(held, [], "state after remove");
}

export async function passthroughs(mocks: Mocks, tag: string, eq: Eq) {
  await using P = mocks.scope();
  const seen: unknown[] = [];
  // Unscoped, on a path of this test's own.
  const un = await mocks.intercept("POST", `/users/p-${tag}`, (body) => { seen.push(["unscoped", body]); return passthrough(); });
  await P.intercept("POST", `/users/p-${tag}`, (body) => { seen.push(["old", body]); return passthrough(); });
  await P.interceptRequest("POST", `/users/p-${tag}`, async (req) => { seen.push(["new", await req.text()]); return passthrough(); });
  const r = await json(await get(`/users/p-${tag}`, { ...P.headers, "content-type": "application/json" }, { method: "POST", body: `{"t":"${tag}"}` }));
  eq(seen, [["new", `{"t":"${tag}"}`], ["old", { t: tag }], ["unscoped", { t: tag }]], "passthrough order");
  eq([r.by, r.body], ["users", `{"t":"${tag}"}`], "body intact to the service");
  const bytes = new Uint8Array([0, 255, 1, 254, 128]);
  const b = await json(await get(`/users/p-${tag}`, P.headers, { method: "POST", body: bytes }));
  eq(b.body, String.fromCharCode(...bytes), "binary body intact");
  await un.remove();
  const state = await json(await get("/__crossipc/api/state"));
  const mine = state.mocks.filter((m: any) => m.scope === P.id);
  eq(mine.map((m: any) => Object.keys(m).sort().join(",")), ["calls,id,kind,method,owner,path,scope", "calls,id,kind,method,owner,path,scope"], "state.mocks shape");
  eq(mine.map((m: any) => [m.kind, m.method, m.path, m.calls]), [["intercept", "POST", `/users/p-${tag}`, 2], ["request", "POST", `/users/p-${tag}`, 2]], "state.mocks rows");
}

export async function errors(mocks: Mocks, tag: string, eq: Eq) {
  await using E = mocks.scope();
  await E.intercept("GET", "/users/err", () => { throw new Error(`boom ${tag}`); });
  const r = await get("/users/err", E.headers);
  eq([r.status, await json(r)], [500, { error: `boom ${tag}` }], "throw: 500 {error: message}");
  let refused = "";
  try { await E.intercept("GET", "/users/:id(", () => 1); } catch (e) { refused = (e as Error).message; }
  eq(refused.includes("/users/:id("), true, `a refused pattern names it: ${refused}`);
  let bad = "";
  try { await E.fault({ path: "/users/x" }, { latency: -1 } as any); } catch (e) { bad = `${(e as Error).name}: ${(e as Error).message}`; }
  eq(bad.startsWith("TypeError: fault latency"), true, `bad fault: ${bad}`);
  eq((await json(await get("/__crossipc/api/state"))).mocks.filter((m: any) => m.scope === E.id).length, 1, "nothing added by refusals");
}

export async function journal(mocks: Mocks, tag: string, eq: Eq) {
  await using J = mocks.scope();
  await get(`/users/j-${tag}?b=2&a=1`, J.headers);
  await get(`/users/j-${tag}/post`, J.headers, { method: "POST", body: new Uint8Array([0xff, 0, 0x80]), headers: { "content-type": "application/octet-stream" } });
  await get("/users/gz", { ...J.headers, "accept-encoding": "gzip" });
  await get("/users/bin", J.headers);
  await get(`/users/j-${tag}-unscoped`);
  const entries = await J.entries();
  eq(entries.map((e: any) => e.path), [`/users/j-${tag}?b=2&a=1`, `/users/j-${tag}/post`, "/users/gz", "/users/bin"], "scope.entries: only its own");
  const api = await json(await get(`/__crossipc/api/journal?scope=${J.id}`));
  eq(api.entries.length, 4, "api/journal?scope");
  const unscoped = (await mocks.entries({ path: `/users/j-${tag}-unscoped` }));
  eq(unscoped.map((e: any) => e.scope), [null], "scope null without one");
  const har = await json(await get(`/__crossipc/api/journal.har?scope=${J.id}`));
  const [q, post, gz, bin] = har.log.entries;
  eq(har.log.version, "1.2", "HAR 1.2");
  eq(q.request.queryString, [{ name: "b", value: "2" }, { name: "a", value: "1" }], "queryString");
  eq([q._crossipc.scope, q._crossipc.takenBy, typeof q._crossipc.id, "client" in q._crossipc], [J.id, "proxy", "number", true], "_crossipc");
  eq([post.request.postData?._encoding, post.request.postData?.text], ["base64", "/wCA"], "postData base64");
  eq([gz.response.content.size, gz.response.content.text?.length, gz.response.bodySize < 200, gz.response.bodySize > 0], [1200, 1200, true, true], `gzip: decoded, bodySize the bytes sent (${gz.response.bodySize})`);
  eq([bin.response.content.encoding, bin.response.content.text], ["base64", "//4AAQI="], "binary base64");
}

function entry(method: string, url: string, text: string, postData?: string) {
  return {
    startedDateTime: new Date().toISOString(), time: 0, cache: {}, timings: { send: 0, wait: 0, receive: 0 },
    request: { method, url, httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [...new URL(url).searchParams].map(([name, value]) => ({ name, value })), headersSize: -1, bodySize: -1, ...(postData ? { postData: { mimeType: "application/json", text: postData } } : {}) },
    response: { status: 200, statusText: "OK", httpVersion: "HTTP/1.1", cookies: [], headers: [{ name: "content-type", value: "text/plain" }, { name: "transfer-encoding", value: "chunked" }, { name: "set-cookie", value: "[redacted]" }], content: { size: text.length, mimeType: "text/plain", text }, redirectURL: "", headersSize: -1, bodySize: -1 },
  };
}

export async function replay(mocks: Mocks, tag: string, eq: Eq) {
  await using R = mocks.scope();
  const doc = { log: { version: "1.2", creator: { name: "x", version: "1" }, entries: [
    entry("GET", "https://elsewhere/users/a?x=1&y=2", `one-${tag}`), entry("GET", "https://elsewhere/users/a?x=1&y=2", `two-${tag}`),
    entry("POST", "https://elsewhere/users/j", `json-${tag}`, '{"a":1,"b":{"c":[1,2]}}'),
    entry("GET", "https://elsewhere/users/deep/x/y?q=1", "deep"), entry("GET", "https://elsewhere/users/deep/x/z?q=2", "deep2"),
    entry("GET", "https://elsewhere/users/prefs/1", `prefs-${tag}`),
  ] } };
  const handle = await R.replay(doc, { onMiss: "404", api: "users" });
  const rt = async (path: string, init: RequestInit = {}) => { const r = await get(path, R.headers, init); return [r.status, await r.text(), r.headers] as const; };
  eq((await rt("/users/a?y=2&x=1")).slice(0, 2), [200, `one-${tag}`], "query order ignored");
  eq((await rt("/users/a?x=1&y=2")).slice(0, 2), [200, `two-${tag}`], "second answer");
  const third = await rt("/users/a?x=1&y=2");
  eq(third.slice(0, 2), [200, `two-${tag}`], "the last again");
  eq([third[2].get("transfer-encoding"), third[2].get("set-cookie"), third[2].get("content-length")], [null, null, String(`two-${tag}`.length)], "hop-by-hop and [redacted] left out, content-length recomputed");
  eq((await rt("/users/j", { method: "POST", body: '{ "b": {"c":[1,2]}, "a": 1 }' })).slice(0, 2), [200, `json-${tag}`], "JSON-equal body");
  const miss = await rt("/users/deep/x/w?q=2");
  eq([miss[0], miss[1].includes("GET /users/deep/x/z?q=2")], [404, true], `closest: ${miss[1]}`);
  // prefs' request: not users', so the replay leaves it to the prefs service.
  const prefs = await rt("/users/prefs/1");
  eq([prefs[0], prefs[1].includes('"by":"prefs"')], [200, true], `api limit: the prefs service answers, got ${prefs[0]} ${prefs[1]}`);
  await until(`counts ${handle.matched}/${handle.missed}`, () => handle.matched === 4 && handle.missed === 1);
  eq((await json(await get("/users/a?x=1&y=2"))).by, "users", "another scope: the service");
}

export async function faults(mocks: Mocks, tag: string, eq: Eq) {
  await using F = mocks.scope();
  const f = await F.fault({ api: "users" }, { status: 503, times: 3 });
  eq((await get("/users/prefs/7", F.headers)).status, 200, "prefs is not users");
  eq([(await get("/users/1", F.headers)).status, (await get("/users/1", F.headers)).status, (await get("/users/1", F.headers)).status, (await get("/users/1", F.headers)).status], [503, 503, 503, 200], "times 3");
  eq((await get("/users/1")).status, 200, "unscoped untouched");
  await until("hits", () => f.hits === 3);
  const rst = await F.fault({ path: "/users/reset/**" }, { reset: true });
  let threw = false;
  try { await get("/users/reset/1", F.headers); } catch { threw = true; }
  eq(threw, true, "reset: network error");
  await rst.remove();
  eq((await get("/users/reset/1", F.headers)).status, 200, "removed");
  await F.fault({ method: "GET", path: "/users/:id" }, { latency: 50 });
  eq((await json(await get("/users/9", F.headers))).by, "users", "latency: the service still answers");
  const [delayed] = await F.entries({ path: "/users/9" });
  eq(delayed?.fault?.kind, "latency", "the journal entry names the fault");
  const listed = (await json(await get("/__crossipc/api/faults"))).faults.filter((x: any) => x.scope === F.id);
  eq(listed.map((x: any) => x.fault), [{ latency: 50 }], "the hub lists the scope's faults");
}

export async function websocket(mocks: Mocks, tag: string, eq: Eq) {
  await using W = mocks.scope();
  const closes: Array<[number, string]> = [];
  const rule = await W.interceptWebSocket("/users/ws/:room", (socket, request) => {
    socket.send(`${tag}@${request.params.room}`);
    socket.onMessage((data) => {
      if (data === "bye") socket.close(4000, `done ${tag}`);
      else if (data === "default") socket.close();
      else socket.send(typeof data === "string" ? `t:${data}` : new Uint8Array([...data, 9]));
    });
    socket.onClose((code, reason) => closes.push([code, reason]));
  });
  const url = `${hub.replace("http", "ws")}/users/ws`;
  const open = (path: string, headers?: Record<string, string>) => new Promise<{ ws: WebSocket; got: unknown[]; closed: Promise<[number, string]> }>((resolve, reject) => {
    const ws = new WebSocket(`${url}/${path}`, headers ? ({ headers } as any) : undefined);
    ws.binaryType = "arraybuffer";
    const got: unknown[] = [];
    const closed = new Promise<[number, string]>((r) => ws.addEventListener("close", (e: any) => r([e.code, e.reason])));
    ws.addEventListener("message", (e: any) => got.push(e.data instanceof ArrayBuffer ? [...new Uint8Array(e.data)] : e.data));
    ws.addEventListener("open", () => resolve({ ws, got, closed }));
    ws.addEventListener("error", () => reject(new Error(`ws ${path} failed`)));
  });
  const c = await open("r1", W.headers);
  const want: unknown[] = [`${tag}@r1`];
  for (let i = 0; i < 40; i++) { if (i % 2) { c.ws.send(`m${i}`); want.push(`t:m${i}`); } else { c.ws.send(new Uint8Array([i])); want.push([i, 9]); } }
  await until("frames", () => c.got.length === want.length);
  eq(c.got, want, "frames in order and kind");
  c.ws.send("bye");
  eq(await c.closed, [4000, `done ${tag}`], "the mock's close");
  const d = await open("r2", W.headers);
  d.ws.send("default");
  eq(await d.closed, [1000, ""], "close() without a code: 1000");
  const e = await open("r3", W.headers);
  e.ws.close(4321, `client ${tag}`);
  await e.closed;
  await until("onClose", () => closes.some(([code]) => code === 4321));
  eq(closes.find(([code]) => code === 4321), [4321, `client ${tag}`], "onClose: the client's code and reason");
  const real = await open("r4");
  await until("real hello", () => real.got.length === 1);
  eq(real.got, ["hello from users"], "unscoped: the service");
  real.ws.close();
  await until("calls", () => rule.calls === 3);
  // Frame faults on the proxied socket.
  await using D = mocks.scope();
  await D.fault({ path: "/users/ws/**" }, { drop: true });
  const dropped = await open("d", D.headers);
  dropped.ws.send("x");
  await sleep(200);
  eq([dropped.got.length, dropped.ws.readyState], [0, 1], "drop: nothing either way, still open");
  dropped.ws.close();
  await using C = mocks.scope();
  await C.fault({ path: "/users/ws/**" }, { close: 4009 });
  eq(await (await open("c", C.headers)).closed, [4009, "Fault injected"], "close fault");
}

export const ALL = { precedence, shadowing, passthroughs, errors, journal, replay, faults, websocket };

export async function done(name: string) {
  const dir = env.get("R5_OUT");
  if (!dir) return;
  if ((globalThis as any).Deno) await (globalThis as any).Deno.writeTextFile(`${dir}/${name}.ok`, "ok");
  else await (await import("node:fs/promises")).writeFile(`${dir}/${name}.ok`, "ok");
}
