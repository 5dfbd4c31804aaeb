import assert from "node:assert/strict";
import { test } from "node:test";
import { ServiceHub, type Har, type HarEntry } from "../../adapters/node.ts";
import { startBackend, startServer } from "./_helpers.ts";

/** A HAR entry as a recording would hold it. */
function entry(method: string, url: string, status: number, body: string, extra: { requestBody?: string; headers?: Array<[string, string]>; base64?: boolean; requestBase64?: boolean } = {}): HarEntry {
  return {
    startedDateTime: new Date().toISOString(),
    time: 1,
    request: {
      method,
      url: `http://recorded.example:1234${url}`,
      httpVersion: "HTTP/1.1",
      cookies: [],
      headers: [],
      queryString: [],
      ...(extra.requestBody !== undefined ? { postData: { mimeType: "application/json", text: extra.requestBody, ...(extra.requestBase64 ? { _encoding: "base64" as const } : {}) } } : {}),
      headersSize: -1,
      bodySize: -1,
    },
    response: {
      status,
      statusText: "",
      httpVersion: "HTTP/1.1",
      cookies: [],
      headers: (extra.headers ?? [["content-type", "application/json"]]).map(([name, value]) => ({ name, value })),
      content: { size: body.length, mimeType: "application/json", text: body, ...(extra.base64 ? { encoding: "base64" } : {}) },
      redirectURL: "",
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  };
}

function har(...entries: HarEntry[]): Har {
  return { log: { version: "1.2", creator: { name: "test", version: "1" }, entries } };
}

async function call(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(`${base}${path}`, init);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

test("a replay answers by method, path, query in any order and equal JSON bodies; recorded answers in order, then the last again", async (t) => {
  const server = await startServer(t);
  const replay = server.replay(
    har(
      entry("GET", "/users/1?a=1&b=2", 200, '{"n":1}'),
      entry("GET", "/users/1?a=1&b=2", 200, '{"n":2}'),
      entry("GET", "/users/1?a=1&b=2", 503, '{"n":3}'),
      entry("POST", "/orders", 201, '{"created":"x"}', { requestBody: '{"item":"x","qty":1}' }),
      entry("POST", "/orders", 201, '{"created":"y"}', { requestBody: '{"item":"y","qty":1}' }),
    ),
  );
  const base = server.getUrl();
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await call(base, "/users/1?b=2&a=1"));
  assert.deepEqual(answers.map((a) => [a.status, a.body]), [[200, '{"n":1}'], [200, '{"n":2}'], [503, '{"n":3}'], [503, '{"n":3}']]);
  // Equal JSON, other key order and spacing.
  const y = await call(base, "/orders", { method: "POST", body: '{ "qty": 1, "item": "y" }' });
  assert.deepEqual([y.status, y.body], [201, '{"created":"y"}']);
  assert.equal(y.headers.get("content-length"), "15");
  // Not recorded: the query differs, the body differs.
  assert.equal((await call(base, "/users/1?a=1")).status, 404);
  assert.equal((await call(base, "/orders", { method: "POST", body: '{"item":"z"}' })).status, 404);
  assert.equal(replay.matched, 5);
  assert.equal(replay.missed, 2);
  const journaled = server.journal.entries({ kind: "http" });
  assert.deepEqual(journaled.map((e) => e.takenBy), ["replay", "replay", "replay", "replay", "replay", "none", "none"]);
  assert.equal(journaled[4]!.route, `${replay.name} entry 4`);
  assert.equal(journaled[4]!.rule, replay.id);
});

test("a number past a double's range is no JSON to compare: 1e400 is not 2e400, nor null", async (t) => {
  // Parsed, each is Infinity and serialises as null: all three shared one key, so any answered for another.
  const server = await startServer(t);
  server.replay(har(entry("POST", "/n", 200, '"1e400"', { requestBody: "1e400" }), entry("POST", "/n", 200, '"null"', { requestBody: "null" })));
  const base = server.getUrl();
  assert.deepEqual((await call(base, "/n", { method: "POST", body: "1e400" })).body, '"1e400"');
  assert.deepEqual((await call(base, "/n", { method: "POST", body: "null" })).body, '"null"');
  assert.equal((await call(base, "/n", { method: "POST", body: "2e400" })).status, 404);
  assert.equal((await call(base, "/n", { method: "POST", body: '{"a":[1e999]}' })).status, 404);
});

test("numbers a double cannot tell apart are told apart by their text; 1, 1.0 and 1e0 still match", async (t) => {
  // Parsed, 11111111111111111 and 11111111111111112 are one double: both shared a key, so one id was answered the other's recording.
  const server = await startServer(t);
  server.replay(
    har(
      entry("POST", "/ids", 200, '"first"', { requestBody: '{"id":11111111111111111,"n":1}' }),
      entry("POST", "/ids", 200, '"second"', { requestBody: '{"id":11111111111111112,"n":1}' }),
      entry("POST", "/ids", 200, '"tiny"', { requestBody: '{"id":1e-400,"n":1}' }),
      entry("POST", "/ids", 200, '"pair"', { requestBody: '{"a":11111111111111111,"b":"\\u000011111111111111111e0"}' }),
    ),
  );
  const base = server.getUrl();
  const post = async (body: string) => {
    const answer = await call(base, "/ids", { method: "POST", body });
    return `${answer.status} ${answer.body}`;
  };
  assert.equal(await post('{"n":1.0,"id":11111111111111112}'), '200 "second"');
  assert.equal(await post('{"id":11111111111111111,"n":1}'), '200 "first"');
  // The same values in other notations: the id as 1.1111111111111111e16, n as 1e0.
  assert.equal(await post('{ "id": 1.1111111111111111e16, "n": 1e0 }'), '200 "first"');
  assert.equal(await post('{"id":111111111111111110e-1,"n":10e-1}'), '200 "first"');
  // 1e-400 parses to 0: only 1e-400 (or 0.1e-399) matches it.
  assert.equal(await post('{"id":0.1e-399,"n":1}'), '200 "tiny"');
  assert.equal(await post('{"b":"\\u000011111111111111111e0","a":11111111111111111}'), '200 "pair"');
  // The same two values the other way round: a string is never taken for a number's text.
  for (const body of ['{"id":11111111111111113,"n":1}', '{"id":0,"n":1}', '{"id":"11111111111111111","n":1}', '{"a":"\\u000011111111111111111e0","b":11111111111111111}']) {
    assert.equal((await post(body)).slice(0, 3), "404", body);
  }
});

test("answers keep the recorded bytes and headers, less hop-by-hop, redacted values and a stale content-length; decoded bodies go without content-encoding", async (t) => {
  const server = await startServer(t);
  const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
  server.replay(
    har(
      entry("GET", "/bin", 200, bytes.toString("base64"), {
        base64: true,
        headers: [
          ["content-type", "application/octet-stream"],
          ["content-length", "999"],
          ["connection", "keep-alive, x-hop"],
          ["x-hop", "1"],
          ["keep-alive", "timeout=5"],
          ["transfer-encoding", "chunked"],
          ["content-encoding", "gzip"],
          ["set-cookie", "a=1"],
          ["set-cookie", "b=2"],
          ["authorization", "[redacted]"],
          ["x-kept", "yes"],
        ],
      }),
      entry("PUT", "/bin", 204, "", { requestBody: bytes.toString("base64"), requestBase64: true, headers: [] }),
    ),
  );
  const response = await fetch(`${server.getUrl()}/bin`);
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);
  assert.equal(response.headers.get("content-length"), "6");
  assert.equal(response.headers.get("content-encoding"), null);
  assert.equal(response.headers.get("x-hop"), null);
  assert.equal(response.headers.get("authorization"), null);
  assert.equal(response.headers.get("x-kept"), "yes");
  assert.deepEqual(response.headers.getSetCookie(), ["a=1", "b=2"]);
  const put = await fetch(`${server.getUrl()}/bin`, { method: "PUT", body: bytes });
  assert.equal(put.status, 204);
});

test('onMiss "404" names the closest recorded request: same method, most leading segments, most query parameters', async (t) => {
  const server = await startServer(t);
  server.replay(
    har(
      entry("POST", "/shop/cart/items", 200, "{}"),
      entry("GET", "/shop/users/1/orders?page=1&size=10", 200, "{}"),
      entry("GET", "/shop/users/1/orders?page=2&size=20", 200, "{}"),
      entry("GET", "/shop/users/2", 200, "{}"),
    ),
    { onMiss: "404", name: "shop.har" },
  );
  const miss = await call(server.getUrl(), "/shop/users/1/orders?page=3&size=20");
  assert.equal(miss.status, 404);
  assert.equal(
    JSON.parse(miss.body).error,
    "No recorded answer for GET /shop/users/1/orders?page=3&size=20 in replay 'shop.har': the closest recorded request is GET /shop/users/1/orders?page=2&size=20 (entry 2)",
  );
  const other = JSON.parse((await call(server.getUrl(), "/shop/cart/items/9", { method: "POST" })).body).error;
  assert.match(other, /closest recorded request is POST \/shop\/cart\/items \(entry 0\)/);
  // No recorded DELETE at all: the closest path of any method.
  const any = JSON.parse((await call(server.getUrl(), "/shop/users/2", { method: "DELETE" })).body).error;
  assert.match(any, /closest recorded request is GET \/shop\/users\/2 \(entry 3\)/);
});

test('onMiss "next" hands the request on with its whole body, to the next replay and then the services', async (t) => {
  const backend = await startBackend(t, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    res.end(`backend got ${Buffer.concat(chunks).length} bytes`);
  });
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  const older = server.replay(har(entry("POST", "/x", 200, '"older"', { requestBody: '"b"' })));
  const newer = server.replay(har(entry("POST", "/x", 200, '"newer"', { requestBody: '"a"' })));
  const base = server.getUrl();
  assert.equal((await call(base, "/x", { method: "POST", body: '"a"' })).body, '"newer"');
  assert.equal((await call(base, "/x", { method: "POST", body: '"b"' })).body, '"older"');
  assert.equal((await call(base, "/x", { method: "POST", body: '"c"' })).body, "backend got 3 bytes");
  // Longer than any recorded body: read only that far, then streamed on whole.
  const big = Buffer.alloc(3 * 1024 * 1024, 7);
  assert.equal((await call(base, "/x", { method: "POST", body: big })).body, `backend got ${big.length} bytes`);
  assert.deepEqual([newer.matched, newer.missed, older.matched, older.missed], [1, 3, 1, 2]);
  newer.remove();
  assert.equal((await call(base, "/x", { method: "POST", body: '"a"' })).body, "backend got 3 bytes");
});

test("api limits a replay to that registered api's prefix, also once its service is gone; without a hub it is refused", async (t) => {
  const server = await startServer(t);
  const hub = new ServiceHub(server);
  hub.addRoute({ api: "users", baseUrl: "http://127.0.0.1:9", pathPrefix: "/users" });
  hub.removeRoute("users");
  server.replay(har(entry("GET", "/users/1", 200, '"u"'), entry("GET", "/other", 200, '"o"')), { api: "users" });
  assert.equal((await call(server.getUrl(), "/users/1")).body, '"u"');
  assert.equal((await call(server.getUrl(), "/other")).status, 404);

  const plain = await startServer(t);
  assert.throws(() => plain.replay(har(), { api: "users" }), /api 'users' needs a ServiceHub/);
});

test("a HAR that is not 1.2 or has a malformed entry is refused whole, naming the entry; nothing changes", async (t) => {
  const server = await startServer(t);
  server.replay(har(entry("GET", "/kept", 200, '"kept"')));
  const bad = (e: (x: HarEntry) => void): Har => {
    const broken = entry("GET", "/b", 200, "{}");
    e(broken);
    return har(entry("GET", "/new", 200, '"new"'), broken);
  };
  const cases: Array<[unknown, RegExp]> = [
    ["not json", /not HAR 1\.2: not JSON/],
    [[1, 2], /not HAR 1\.2: expected an object with a log/],
    [{ log: { version: "1.1", creator: { name: "x", version: "1" }, entries: [] } }, /log\.version is "1\.1"/],
    [{ log: { version: "1.2", creator: { name: "x", version: "1" } } }, /log\.entries is missing/],
    [bad((x) => delete (x.request as Partial<HarEntry["request"]>).headers), /^entry 1: request\.headers is missing/],
    [bad((x) => ((x.response as { status: unknown }).status = "200")), /^entry 1: response\.status must be a number/],
    [bad((x) => (x.request.url = "/relative")), /^entry 1: request\.url "\/relative" is not an absolute URL/],
    [bad((x) => Object.assign(x.response.content, { text: "not*base64", encoding: "base64" })), /^entry 1: response\.content\.text is not valid base64/],
    [bad((x) => (x.request.postData = { mimeType: "x", text: "abc", _encoding: "base64" })), /^entry 1: request\.postData\.text is not valid base64/],
    [bad((x) => delete (x as Partial<HarEntry>).timings), /^entry 1: entry\.timings is missing/],
  ];
  for (const [input, message] of cases) {
    const error = (() => {
      try {
        server.replay(typeof input === "string" ? input : JSON.stringify(input));
      } catch (e) {
        return e as Error & { code?: string; entry?: number };
      }
      assert.fail(`accepted ${JSON.stringify(input).slice(0, 80)}`);
    })();
    assert.match(error.message, message);
    assert.equal(error.code, "ERR_IPC_BAD_HAR");
    if (message.source.startsWith("^entry 1")) assert.equal(error.entry, 1);
  }
  assert.throws(() => server.replay(har(), { onMiss: "drop" as "404" }), /onMiss must be "next" or "404"/);
  // A name is in every 404 and journal entry of the replay: an object or 1 MB of it was taken.
  assert.throws(() => server.replay(har(), { name: { evil: true } as unknown as string }), /replay: name must be a string of 1 to 4096 characters, got object/);
  assert.throws(() => server.replay(har(), { name: "n".repeat(1_000_000) }), /replay: name must be a string of 1 to 4096 characters, got 1000000 characters/);
  assert.throws(() => server.replay(har(), { name: "" }), /replay: name must be a string of 1 to 4096 characters/);
  assert.equal((await call(server.getUrl(), "/new")).status, 404, "no part of a refused HAR answers");
  assert.equal((await call(server.getUrl(), "/kept")).body, '"kept"');
});

test("a 100 MB HAR loads and answers", async (t) => {
  const server = await startServer(t);
  const body = "x".repeat(1024 * 1024);
  const entries = Array.from({ length: 100 }, (_, i) => entry("GET", `/big/${i}`, 200, body));
  const text = JSON.stringify(har(...entries));
  assert.ok(text.length > 100 * 1024 * 1024);
  const replay = server.replay(text);
  assert.equal(replay.size, 100);
  const answer = await call(server.getUrl(), "/big/99");
  assert.equal(answer.body.length, body.length);
});
