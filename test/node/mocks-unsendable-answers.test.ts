/**
 * A `connectMocks` handler that answers what HTTP cannot send fails as a handler's throw does
 * (SPEC §10: 500 `{"error": message}`), with a message that names the mistake, the same as a
 * local intercept route's (test/node/intercept-answers.test.ts): `Response.error()` (status 0)
 * went to the hub, which answered 502 "sent an answer the hub cannot read: status 0 is not
 * 200-599"; an `intercept` handler's function or symbol (no JSON for it) answered 502 "answered
 * with an error: Cannot read properties of undefined (reading 'length')". A local interceptHttp
 * route's function answered 500 with that same message.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

const NETWORK_ERROR = "answered a Response with status 0 (Response.error() is a network error, not an answer), which HTTP cannot send";

test("a connectMocks handler's Response.error(), function or symbol answers 500 {\"error\"} naming what it answered, as a local route's does", async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", "/local/function", () => (() => "data") as unknown as object);
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.interceptRequest("GET", "/remote/request-error", () => Response.error());
  await mocks.intercept("GET", "/remote/error", () => Response.error());
  await mocks.intercept("GET", "/remote/function", () => (() => "data") as unknown as object);
  await mocks.intercept("GET", "/remote/symbol", () => Symbol("data") as unknown as object);
  const expected: Record<string, string> = {
    "/local/function": "Intercept route GET /local/function answered a function, which is neither data JSON can carry nor a Response",
    "/remote/request-error": `Mock GET /remote/request-error ${NETWORK_ERROR}`,
    "/remote/error": `Mock GET /remote/error ${NETWORK_ERROR}`,
    "/remote/function": "Mock GET /remote/function answered a function, which is neither data JSON can carry nor a Response",
    "/remote/symbol": "Mock GET /remote/symbol answered a symbol, which is neither data JSON can carry nor a Response",
  };
  const answers: Record<string, unknown> = {};
  for (const path of Object.keys(expected)) {
    const response = await fetch(`${server.getUrl()}${path}`);
    answers[path] = [response.status, response.headers.get("content-type"), await response.json()];
  }
  assert.deepEqual(answers, Object.fromEntries(Object.entries(expected).map(([path, error]) => [path, [500, "application/json", { error }]])));
  // The journal says the same, and the rules still answer.
  assert.equal(server.journal.entries({ path: "/remote/error" })[0]!.error, expected["/remote/error"]);
  assert.equal((await fetch(`${server.getUrl()}/remote/error`)).status, 500);
});
