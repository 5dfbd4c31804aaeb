/**
 * A scope through services traced with B3 (Zipkin's headers; OpenTelemetry with
 * OTEL_PROPAGATORS=b3 or b3multi). A B3 tracer continues a trace only from a trace id and a span
 * id, so a test adds the span of `traceparent` as the README shows (test/run-otel.sh checks it
 * with @opentelemetry/propagator-b3); its `b3` propagator then sends one `b3` header, never
 * `x-b3-traceid`, which the hub did not read.
 */
import assert from "node:assert/strict";
import test, { type TestContext } from "node:test";
import { connectMocks, scopeHeaders } from "../../adapters/node.ts";
import { startBackend, startServer } from "./_helpers.ts";

test("scope.headers are SPEC's three, and the README's B3 span is traceparent's", async (t) => {
  const server = await startServer(t);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  const scope = mocks.scope();
  assert.deepEqual(Object.keys(scope.headers).sort(), ["baggage", "traceparent", "x-b3-traceid"]);
  const span = /^00-[0-9a-f]{32}-([0-9a-f]{16})-01$/.exec(scope.headers.traceparent!)?.[1];
  assert.ok(span && !/^0+$/.test(span), scope.headers.traceparent);
  assert.equal(scope.headers["x-b3-traceid"], scope.id);
  assert.equal(scope.headers.traceparent!.slice(36, 52), span);
  // A given id that is not a trace id rides in baggage only.
  assert.deepEqual(mocks.scope("t-7").headers, { baggage: "crossipc-scope=t-7" });
});

/** A server proxying to a backend that answers "service", and an open scope of a mocks connection to it. */
async function serviceWithScope(t: TestContext) {
  const backend = await startBackend(t, (_req, res) => res.end("service"));
  const server = await startServer(t);
  server.setRouteProxyResolver(() => backend.url);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  return { server, scope: mocks.scope() };
}

test("a single b3 header naming an open scope's trace id puts the request in that scope", async (t) => {
  const { server, scope } = await serviceWithScope(t);
  await scope.intercept("GET", "/prices/:id", () => "scoped");
  const ask = async (b3: string) => (await fetch(`${server.getUrl()}/prices/1`, { headers: { b3 } })).text();
  assert.equal(await ask(`${scope.id}-00f067aa0ba902b7-1`), '"scoped"');
  assert.equal(await ask(`${scope.id.toUpperCase()}-00f067aa0ba902b7-1-05e3ac9a4f6e3b90`), '"scoped"');
  // Another trace id, a bare sampling decision, or no trace id at all is not this scope.
  assert.equal(await ask(`${"1".repeat(32)}-00f067aa0ba902b7-1`), "service");
  assert.equal(await ask("0"), "service");
  assert.equal(await ask("-00f067aa0ba902b7"), "service");
  assert.equal(server.journal.entries({ scope: scope.id }).length, 2);
});

test("scopeHeaders(from) passes a b3 header on, from a Request, Headers or a record", () => {
  const b3 = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1";
  assert.deepEqual(scopeHeaders(new Request("http://x/", { headers: { b3 } })), { b3 });
  assert.deepEqual(scopeHeaders(new Headers({ B3: b3, accept: "*/*" })), { b3 });
  assert.deepEqual(scopeHeaders({ B3: b3, "x-b3-traceid": "4bf92f3577b34da6a3ce929d0e0e4736" }), { "x-b3-traceid": "4bf92f3577b34da6a3ce929d0e0e4736", b3 });
});

// grest-ts's GGTracingMiddleware (@grest-ts/trace-http) copies the incoming `x-b3-traceid` onto
// every outgoing call unchanged, with a span id of its own (a UUID, not B3's 16 hex), the incoming
// span id as `x-b3-parentspanid`, and `x-root-start-ts`; it passes no baggage or traceparent on.
test("what grest-ts's tracing middleware sends on carries the scope by x-b3-traceid alone", async (t) => {
  const { server, scope } = await serviceWithScope(t);
  await scope.intercept("GET", "/users/:id", () => "scoped");
  const incoming = new Request("http://service/", { headers: scope.headers });
  const grestOutgoing = {
    "x-b3-traceid": incoming.headers.get("x-b3-traceid")!,
    "x-b3-spanid": crypto.randomUUID(),
    "x-b3-parentspanid": incoming.headers.get("x-b3-spanid")!,
    "x-root-start-ts": String(Date.now()),
  };
  const ask = async (headers: Record<string, string>) => (await fetch(`${server.getUrl()}/users/1`, { headers })).text();
  assert.equal(await ask(grestOutgoing), '"scoped"');
  // A trace id grest-ts made up itself (a request that came without one) is no scope.
  assert.equal(await ask({ ...grestOutgoing, "x-b3-traceid": crypto.randomUUID() }), "service");
  // A service without the middleware passes the same on with scopeHeaders, from any form of headers.
  const expected = { "x-b3-traceid": scope.id };
  assert.deepEqual(scopeHeaders(new Request("http://service/", { headers: grestOutgoing })), expected);
  assert.deepEqual(scopeHeaders(new Headers(grestOutgoing)), expected);
  assert.deepEqual(scopeHeaders({ "X-B3-TraceId": scope.id, "x-root-start-ts": ["1", "2"] }), expected);
  assert.equal(await ask(scopeHeaders(new Headers(grestOutgoing))), '"scoped"');
});
