/**
 * Adjacent overlapping repetitions backtrack in polynomial time: with `[a-z]+[a-z]+[a-z]+b` mocked,
 * one request whose segment was 2,000 characters froze a Node hub 2.3 s, 4,000 characters 20 s and
 * more, and the request comes from anything that reaches the port. Three or more in a row are now
 * refused when added (./regex-backtracking); two in a row (quadratic, as here) are not. A regex
 * parameter is tried only on a segment of at most 100 characters (find-my-way's maxParamLength); a
 * path with a longer segment meets the routes without one. Time is not asserted: the test's
 * timeout catches a freeze.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

const QUADRATIC = "([a-z]+[a-z]+b)";
/** A segment of `length` characters the constraint takes. */
const taken = (length: number) => "a".repeat(length - 1) + "b";
/** One it almost takes: the most backtracking. */
const almost = (length: number) => "a".repeat(length);

test("a regex parameter matches a segment of 100 characters and not of 101, in intercept routes, mocks and faults; a 4,000-character one is answered", { timeout: 20_000 }, async (t) => {
  const server = await startServer(t);
  server.interceptHttp("GET", `/i/:x${QUADRATIC}`, (_body, params) => ({ route: "regex", length: params.x!.length }));
  server.interceptHttp("GET", "/i/:x/plain", (_body, params) => ({ route: "plain", length: params.x!.length }));
  server.fault({ path: `/f/:x${QUADRATIC}` }, { status: 503 });
  const mocks = await connectMocks(server.getPort());
  t.after(() => mocks.close());
  await mocks.intercept("GET", "/m/:x", (_body, params) => ({ rule: "plain", length: params.x!.length }));
  await mocks.intercept("GET", `/m/:x${QUADRATIC}`, (_body, params) => ({ rule: "regex", length: params.x!.length }));
  const get = async (path: string) => {
    const response = await fetch(server.getUrl() + path);
    return { status: response.status, body: await response.json().catch(() => undefined) };
  };

  assert.deepEqual(await get(`/i/${taken(100)}`), { status: 200, body: { route: "regex", length: 100 } });
  assert.equal((await get(`/i/${taken(101)}`)).status, 404);
  assert.equal((await get(`/i/${almost(4000)}`)).status, 404);
  // Only the regex is bounded: a plain parameter of a route still takes a long segment.
  assert.deepEqual(await get(`/i/${almost(4000)}/plain`), { status: 200, body: { route: "plain", length: 4000 } });

  assert.deepEqual(await get(`/m/${taken(100)}`), { status: 200, body: { rule: "regex", length: 100 } });
  // Past the bound the newer regex rule does not match, and the older plain one answers.
  assert.deepEqual(await get(`/m/${taken(101)}`), { status: 200, body: { rule: "plain", length: 101 } });
  assert.deepEqual(await get(`/m/${almost(4000)}`), { status: 200, body: { rule: "plain", length: 4000 } });

  assert.equal((await get(`/f/${taken(100)}`)).status, 503);
  assert.equal((await get(`/f/${taken(101)}`)).status, 404);
  assert.equal((await get(`/f/${almost(4000)}`)).status, 404);
});
